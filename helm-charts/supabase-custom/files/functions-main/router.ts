// The edge runtime's main service (supabase/edge-runtime v1.70.3, `start --main-service`): every
// request to /<function>/... runs in a user worker of <FUNCTIONS_DIR>/<function>, after the
// caller's JWT is verified: HS256 with the project's JWT secret, as upstream's self-hosted main
// does at this version (the legacy anon key is such a JWT), or ES256 by its kid against the public
// signing keys in JWT_JWKS (sessions GoTrue signs; Kong forwards a publishable or secret key as
// an ES256 JWT). Kong strips /functions/v1 before this.
//
// What the runtime provides, at supabase/edge-runtime@v1.70.3:types/global.d.ts:
// EdgeRuntime.userWorkers.create(options) -> a worker whose fetch(request) answers the request.

interface UserWorker {
  fetch(request: Request): Promise<Response>;
}

interface UserWorkerOptions {
  servicePath: string;
  envVars: [string, string][];
  noModuleCache: boolean;
  forceCreate: boolean;
  memoryLimitMb: number;
  workerTimeoutMs: number;
  cpuTimeSoftLimitMs: number;
  cpuTimeHardLimitMs: number;
}

declare const EdgeRuntime: {
  userWorkers: { create(options: UserWorkerOptions): Promise<UserWorker> };
};

/// Function names: a DNS-label-like word, never a path (no `.`, no `/`).
const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/// What user workers may see of the main service's environment: how to call the Supabase API.
/// Never the JWT secret, never the database password.
const FORWARDED = ["SUPABASE_URL", "SUPABASE_PUBLIC_URL", "SUPABASE_ANON_KEY", "SUPABASE_SERVICE_ROLE_KEY"];

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function base64url(text: string): Uint8Array {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "=");
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

type Jwks = { keys?: { kty?: string; crv?: string; x?: string; y?: string; kid?: string }[] };

/// The key that verifies a token's signature: the HMAC secret for HS256, the JWKS key with the
/// token's kid for ES256; null when there is none.
async function verifier(header: { alg?: string; kid?: string }, secret: string, jwks: Jwks): Promise<[CryptoKey, AlgorithmIdentifier | EcdsaParams] | null> {
  if (header.alg === "HS256") {
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    return [key, "HMAC"];
  }
  const jwk = (jwks.keys ?? []).find((k) => typeof header.kid === "string" && k.kid === header.kid && k.kty === "EC" && k.crv === "P-256");
  if (!jwk) return null;
  const key = await crypto.subtle.importKey("jwk", { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y }, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
  return [key, { name: "ECDSA", hash: "SHA-256" }];
}

/// Verifies a JWT: HS256 against `secret`, ES256 against the key of `jwks` with its kid; then
/// `exp`/`nbf` when present. The reason it is refused, or null.
export async function refusal(token: string, secret: string, jwks: Jwks = {}, now = Date.now() / 1000): Promise<string | null> {
  const parts = token.split(".");
  if (parts.length !== 3) return "the token is not a JWT";
  let header: { alg?: string; kid?: string };
  let claims: { exp?: number; nbf?: number };
  try {
    header = JSON.parse(new TextDecoder().decode(base64url(parts[0])));
    claims = JSON.parse(new TextDecoder().decode(base64url(parts[1])));
  } catch {
    return "the token is not a JWT";
  }
  // Only what the project signs: no `none`, no algorithm confusion.
  if (header.alg !== "HS256" && header.alg !== "ES256") return `tokens signed with ${header.alg} are not accepted`;
  let found: Awaited<ReturnType<typeof verifier>>;
  try {
    found = await verifier(header, secret, jwks);
  } catch {
    return "the signing key of the token is unusable";
  }
  if (!found) return "the token's signing key is unknown";
  const [key, algorithm] = found;
  const signed = new TextEncoder().encode(`${parts[0]}.${parts[1]}`);
  let signature: Uint8Array;
  try {
    signature = base64url(parts[2]);
  } catch {
    return "the token's signature is invalid";
  }
  if (!(await crypto.subtle.verify(algorithm, key, signature, signed))) return "the token's signature is invalid";
  if (typeof claims.exp === "number" && claims.exp <= now) return "the token has expired";
  if (typeof claims.nbf === "number" && claims.nbf > now) return "the token is not valid yet";
  return null;
}

/// The secrets operators give functions (Secrets Manager -> External Secrets -> files named like
/// the variable), read anew for each worker so a rotated secret reaches new workers.
async function functionSecrets(dir: string | undefined): Promise<[string, string][]> {
  if (!dir) return [];
  const secrets: [string, string][] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      // Kubernetes' own entries of a Secret volume (..data, the timestamped directory) start with a dot.
      if (entry.name.startsWith(".") || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(entry.name)) continue;
      secrets.push([entry.name, await Deno.readTextFile(`${dir}/${entry.name}`)]);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return secrets.sort(([a], [b]) => (a < b ? -1 : 1));
}

export async function handler(request: Request): Promise<Response> {
  const env = Deno.env.toObject();
  const path = new URL(request.url).pathname;
  const name = path.split("/")[1] ?? "";
  if (path === "/_health") return json(200, { status: "ok" });
  if (!name) return json(400, { msg: "missing function name in the request path" });
  if (!NAME.test(name)) return json(404, { msg: `no function named ${JSON.stringify(name)}` });

  // CORS preflights carry no credentials: the function answers them.
  if (env.VERIFY_JWT !== "false" && request.method !== "OPTIONS") {
    const match = /^Bearer (\S+)$/.exec(request.headers.get("authorization") ?? "");
    if (!match) return json(401, { msg: "missing authorization header" });
    let jwks: Jwks = {};
    try {
      jwks = JSON.parse(env.JWT_JWKS || "{}");
    } catch {
      console.error("JWT_JWKS is not JSON: only HS256 tokens verify");
    }
    const why = await refusal(match[1], env.JWT_SECRET ?? "", jwks);
    if (why) return json(401, { msg: why });
  }

  const servicePath = `${env.FUNCTIONS_DIR ?? "/home/deno/functions"}/${name}`;
  try {
    await Deno.stat(`${servicePath}/index.ts`);
  } catch {
    return json(404, { msg: `no function named ${JSON.stringify(name)}` });
  }
  const envVars: [string, string][] = [
    ...FORWARDED.filter((k) => env[k] !== undefined).map((k): [string, string] => [k, env[k]]),
    ...(await functionSecrets(env.FUNCTION_SECRETS_DIR)),
  ];
  try {
    const worker = await EdgeRuntime.userWorkers.create({
      servicePath,
      envVars,
      noModuleCache: false,
      forceCreate: false,
      memoryLimitMb: Number(env.FUNCTION_MEMORY_MB ?? "150"),
      workerTimeoutMs: Number(env.FUNCTION_TIMEOUT_MS ?? "60000"),
      cpuTimeSoftLimitMs: Number(env.FUNCTION_CPU_SOFT_MS ?? "1000"),
      cpuTimeHardLimitMs: Number(env.FUNCTION_CPU_HARD_MS ?? "2000"),
    });
    return await worker.fetch(request);
  } catch (e) {
    // The function's own failure: logged here, not echoed to the caller.
    console.error(`function ${name}: ${e}`);
    return json(500, { msg: `function ${name} failed` });
  }
}
