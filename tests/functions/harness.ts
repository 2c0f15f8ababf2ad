// Runs the chart's functions main service (helm-charts/supabase-custom/files/functions-main/
// router.ts) with a stand-in of the edge runtime's EdgeRuntime.userWorkers.create (which
// records its options and answers for the worker) and prints one JSON line per scenario for
// tests/functions.rs. Scenarios come as JSON in argv[0]: [{name, method, path, token}].

const created: unknown[] = [];
(globalThis as Record<string, unknown>).EdgeRuntime = {
  userWorkers: {
    create(options: { servicePath: string }) {
      created.push(options);
      if (options.servicePath.endsWith("/broken")) return Promise.reject(new Error("boot failed: secret detail"));
      return Promise.resolve({
        fetch: (request: Request) => Promise.resolve(new Response(`worker ${options.servicePath} ${new URL(request.url).pathname}`)),
      });
    },
  },
};

const { handler } = await import(Deno.env.get("ROUTER")!);
const scenarios: { name: string; method?: string; path: string; token?: string }[] = JSON.parse(Deno.args[0]);
for (const s of scenarios) {
  created.length = 0;
  const headers = s.token ? { authorization: `Bearer ${s.token}` } : undefined;
  const response: Response = await handler(new Request(`http://functions:9000${s.path}`, { method: s.method ?? "GET", headers }));
  console.log(JSON.stringify({ name: s.name, status: response.status, body: await response.text(), created }));
}
