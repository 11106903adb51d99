#!/usr/bin/env node
// Builds the admin SPA and user portal (web/ → web/dist/static/web/), writes the Workers assets
// `_headers` (hashed files immutable), and prints each entry's first-load size: the HTML's
// script, modulepreloads and stylesheets, gzipped. Fails above the 300 KiB budget.
//   node scripts/build-web.mjs            build + report
//   node scripts/build-web.mjs --if-stale build only when web/ changed since the last build
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const web = join(root, "web");
const dist = join(web, "dist");
const out = join(dist, "static", "web");
const BUDGET_KIB = 300;
const ENTRIES = ["admin", "user"];

function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((f) => newest(join(path, f))));
}

export function isStale() {
  const built = ENTRIES.map((e) => join(out, `${e}.html`));
  if (!built.every(existsSync) || !existsSync(join(dist, "_headers"))) return true;
  const builtAt = Math.min(...built.map((f) => statSync(f).mtimeMs));
  const inputs = ["src", "admin.html", "user.html", "vite.config.ts", "package.json"].map((f) => join(web, f)).filter(existsSync);
  return Math.max(...inputs.map(newest)) > builtAt;
}

export async function buildWeb({ quiet = false } = {}) {
  const { build } = await import("vite");
  await build({
    configFile: join(web, "vite.config.ts"),
    logLevel: quiet ? "error" : "warn",
  });
  // Workers static assets: content-hashed files never change (https://developers.cloudflare.com/workers/static-assets/headers/).
  writeFileSync(join(dist, "_headers"), "/static/web/assets/*\n  Cache-Control: public, max-age=31536000, immutable\n");
}

/** First-load bytes of one entry: everything its HTML loads before the app runs. */
export function entrySize(entry) {
  const html = readFileSync(join(out, `${entry}.html`), "utf8");
  const urls = [...html.matchAll(/(?:src|href)="\/static\/web\/([^"]+)"/g)].map((m) => m[1]);
  let raw = 0;
  let gz = 0;
  for (const url of new Set(urls)) {
    const bytes = readFileSync(join(out, url));
    raw += bytes.length;
    gz += gzipSync(bytes, { level: 9 }).length;
  }
  return { entry, files: urls.length, raw, gzip: gz };
}

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--if-stale") && !isStale()) {
    console.log("web: up to date");
  } else {
    await buildWeb();
    let over = false;
    console.log("web: first load per entry (HTML's scripts, preloads and CSS)");
    for (const e of ENTRIES) {
      const s = entrySize(e);
      over ||= s.gzip > BUDGET_KIB * 1024;
      console.log(`  /if/${e}/  ${String(s.files).padStart(2)} files  ${kib(s.raw).padStart(10)}  ${kib(s.gzip).padStart(10)} gzip`);
    }
    if (over) {
      console.error(`web: first load exceeds the ${BUDGET_KIB} KiB gzip budget`);
      process.exit(1);
    }
  }
}
