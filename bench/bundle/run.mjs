#!/usr/bin/env node
// Worker bundle size: builds workers/index.ts the way `wrangler deploy` does (dry run) and prints
// the size of every emitted module, raw and gzip (Cloudflare's limit applies to the gzip size),
// then the start-up cost in workerd: a fresh Miniflare per run, time until the first response of
// the built bundle minus the same for a one-line Worker (median of 7; includes compiling and
// evaluating the module graph, i.e. what a cold isolate pays before its first request).
//   node bench/bundle/run.mjs
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { Miniflare } from "miniflare";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const out = mkdtempSync(join(tmpdir(), "threshold-bundle-"));
const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_HIDE_BANNER: "true" };
execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--minify", "--outdir", out], { env, stdio: ["ignore", "ignore", "inherit"] });

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
let raw = 0;
let gz = 0;
const rows = [];
for (const name of readdirSync(out)) {
  const path = join(out, name);
  if (!statSync(path).isFile() || name.endsWith(".map")) continue;
  const data = readFileSync(path);
  const z = gzipSync(data, { level: 9 }).length;
  raw += data.length;
  gz += z;
  rows.push([name, kib(data.length), kib(z)]);
}
rows.sort((a, b) => a[0].localeCompare(b[0]));
console.log("Worker bundle (wrangler deploy --dry-run --minify)");
console.log(["module".padEnd(48), "raw".padStart(12), "gzip".padStart(12)].join(""));
for (const [n, r, z] of rows) console.log([n.padEnd(48), r.padStart(12), z.padStart(12)].join(""));
console.log(["total".padEnd(48), kib(raw).padStart(12), kib(gz).padStart(12)].join(""));

async function coldStart(dir, main) {
  const t0 = performance.now();
  const mf = new Miniflare({
    modules: true,
    scriptPath: join(dir, main),
    modulesRoot: dir,
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate: "2026-04-20",
    compatibilityFlags: ["nodejs_compat"],
    bindings: { THRESHOLD_ENVIRONMENT: "development", THRESHOLD_SECRET_KEY: "b".repeat(48), DATABASE_URL: "postgres://bench@127.0.0.1:1/bench" },
  });
  const res = await mf.dispatchFetch("http://localhost/-/health/live/");
  await res.text();
  const ms = performance.now() - t0;
  await mf.dispose();
  if (res.status !== 200) throw new Error(`${main}: /-/health/live/ answered ${res.status}`);
  return ms;
}
const trivial = mkdtempSync(join(tmpdir(), "threshold-trivial-"));
writeFileSync(join(trivial, "index.js"), "export default { fetch() { return new Response('ok'); } };\n");
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = [];
const full = [];
for (let i = 0; i < 7; i++) {
  base.push(await coldStart(trivial, "index.js"));
  full.push(await coldStart(out, "index.js"));
}
console.log("");
console.log("Cold start in workerd (Miniflare, first response; median of 7)");
console.log(`  one-line Worker  ${median(base).toFixed(0)} ms`);
console.log(`  Threshold        ${median(full).toFixed(0)} ms  (+${(median(full) - median(base)).toFixed(0)} ms to compile and evaluate the bundle)`);
rmSync(trivial, { recursive: true, force: true });
rmSync(out, { recursive: true, force: true });
