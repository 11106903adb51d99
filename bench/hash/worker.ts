/**
 * Benchmark worker, run in workerd by bench/hash/run.mjs.
 *
 * workerd's clocks (Date.now, performance.now) stand still while JavaScript runs and move only
 * when I/O completes (a Spectre mitigation). So each timed run is bracketed by a zero-delay
 * timer, which is I/O: the clock read after it includes the run's time. Resolution is 1 ms.
 *
 *   GET /cases                 → names and default run counts
 *   GET /time?case=i&n=N       → N runs, each timed in the isolate: { samples: [ms, …] }
 *   GET /loop?case=i&n=N       → N runs back to back, no timers (timed from outside by run.mjs)
 */
import argon2Module from "../../workers/argon2.js";
import { createCases } from "./cases.js";

const cases = createCases(argon2Module);
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/cases") return Response.json(cases.map(({ name, runs }) => ({ name, runs })));
    const selected = cases[Number(url.searchParams.get("case"))];
    const n = Number(url.searchParams.get("n") ?? 1);
    if (!selected && url.pathname !== "/loop") return new Response("no such case", { status: 404 });
    try {
      if (url.pathname === "/time") {
        const samples: number[] = [];
        for (let i = 0; i < n; i++) {
          await tick();
          const start = performance.now();
          await selected!.run();
          await tick();
          samples.push(performance.now() - start);
        }
        return Response.json({ samples });
      }
      if (url.pathname === "/loop") {
        // case=-1 is a no-op: the request overhead that run.mjs subtracts.
        for (let i = 0; i < n; i++) await selected?.run();
        return Response.json({ ok: true });
      }
    } catch (error) {
      return new Response(String(error), { status: 500 });
    }
    return new Response("not found", { status: 404 });
  },
};
