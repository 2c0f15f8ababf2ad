// An example Edge Function, served at https://<api host>/functions/v1/hello. Every file in
// functions/<name>/ next to service-tiers.yaml is deployed with `generate` (see the README,
// "Edge Functions"). Callers send a JWT of the project (the anon key, or a user's session).

Deno.serve(async (request) => {
  const { name } = request.method === "POST" ? await request.json().catch(() => ({})) : {};
  const body = { message: `Hello ${typeof name === "string" && name ? name : "from Edge Functions"}!` };
  return new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });
});
