#!/usr/bin/env node
// Password hash benchmark (DESIGN §4, §8): ms per hash/verify in workerd and on Node.
//
//   node bench/hash/run.mjs [--only=workerd|node] [--scale=0.5]
//
// workerd: bench/hash/worker.ts runs under wrangler's unstable_dev (local workerd, the same
// bundling as `wrangler deploy`, so argon2.wasm is a compiled module as in production).
// Two measurements, because workerd's clocks only advance across I/O:
//   "isolate": each run bracketed by `await setTimeout(0)` inside the Worker, then
//              performance.now() differences (1 ms resolution);
//   "request": one run per HTTP request timed from Node, minus the median time of a no-op
//              request (sub-ms resolution, includes nothing but the run and loopback noise).
// Node: the same cases (bench/hash/cases.ts) in this process, timed with performance.now().
// Times are wall time of single-threaded, synchronous work on an idle machine, i.e. CPU time.
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import os from "node:os";

process.env.WRANGLER_SEND_METRICS ??= "false";
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";
process.env.WRANGLER_HIDE_BANNER ??= "true";

const here = dirname(fileURLToPath(import.meta.url));
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")));
const scale = Number(args.scale ?? 1);
const runsFor = (c) => Math.max(3, Math.round(c.runs * scale));

function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  const mean = samples.reduce((s, x) => s + x, 0) / samples.length;
  return { n: samples.length, mean, p50: at(0.5), p99: at(0.99) };
}

async function benchWorkerd() {
  const { unstable_dev } = await import("wrangler");
  const worker = await unstable_dev(resolve(here, "worker.ts"), {
    config: resolve(here, "wrangler.toml"),
    logLevel: "error",
    experimental: { disableExperimentalWarning: true, testMode: true },
  });
  const rows = [];
  try {
    const get = async (path) => {
      const response = await worker.fetch(path);
      if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
      return response.json();
    };
    const cases = await get("/cases");
    const timeRequest = async (path) => {
      const start = performance.now();
      await get(path);
      return performance.now() - start;
    };
    const noop = [];
    for (let i = 0; i < 50; i++) noop.push(await timeRequest("/loop?case=-1&n=1"));
    const overhead = stats(noop).p50;
    for (const [index, c] of cases.entries()) {
      const n = runsFor(c);
      await get(`/loop?case=${index}&n=1`); // warm-up: instantiation, first memory growth, JIT
      const { samples } = await get(`/time?case=${index}&n=${n}`);
      rows.push({ runtime: "workerd", method: "isolate", name: c.name, ...stats(samples) });
      const outside = [];
      for (let i = 0; i < n; i++) outside.push((await timeRequest(`/loop?case=${index}&n=1`)) - overhead);
      rows.push({ runtime: "workerd", method: "request", name: c.name, ...stats(outside) });
      process.stderr.write(".");
    }
    process.stderr.write(`\n(no-op request overhead subtracted: ${overhead.toFixed(2)} ms)\n`);
  } finally {
    await worker.stop();
  }
  return rows;
}

async function benchNode() {
  const { register } = await import("tsx/esm/api");
  const unregister = register();
  const { createCases } = await import("./cases.ts");
  const { loadArgon2Module } = await import("../../src/node/argon2.ts");
  unregister();
  const cases = createCases(await loadArgon2Module());
  const rows = [];
  for (const c of cases) {
    await c.run(); // warm-up
    const samples = [];
    for (let i = 0; i < runsFor(c); i++) {
      const start = performance.now();
      await c.run();
      samples.push(performance.now() - start);
    }
    rows.push({ runtime: `node ${process.versions.node}`, method: "in-process", name: c.name, ...stats(samples) });
    process.stderr.write(".");
  }
  process.stderr.write("\n");
  return rows;
}

function print(rows) {
  const header = ["case", "runtime", "timing", "n", "mean ms", "p50 ms", "p99 ms"];
  const body = rows.map((r) => [r.name, r.runtime, r.method, String(r.n), ...[r.mean, r.p50, r.p99].map((x) => x.toFixed(1))]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells) => cells.map((cell, i) => (i >= 3 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of body) console.log(line(row));
}

const rows = [];
if (args.only !== "node") rows.push(...(await benchWorkerd()));
if (args.only !== "workerd") rows.push(...(await benchNode()));
console.log(`\nPassword hashing, ${os.cpus()[0]?.model ?? "unknown CPU"}, ${new Date().toISOString().slice(0, 10)}`);
console.log("workerd isolate: per run, clock advanced by awaiting setTimeout(0) around it (1 ms resolution)");
console.log("workerd request: one run per request timed from Node, minus a no-op request's median");
console.log("p99 of n < 100 runs is the slowest run or close to it\n");
print(rows);
