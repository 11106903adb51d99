#!/usr/bin/env node
// Worker bundle size: builds workers/index.ts the way `wrangler deploy` does (dry run) and prints
// the size of every emitted module, raw and gzip (Cloudflare's limit applies to the gzip size).
//   node bench/bundle/run.mjs
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
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
rmSync(out, { recursive: true, force: true });
