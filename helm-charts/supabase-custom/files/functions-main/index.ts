// Entry point of the edge runtime's main service; the routing and JWT checks are in router.ts
// (tests/functions.rs runs them with Deno).
import { handler } from "./router.ts";

Deno.serve(handler);
