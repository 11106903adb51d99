#!/usr/bin/env node
// Instructions per client_credentials request, counted by valgrind's callgrind, for Threshold's
// Node host and for oidc-provider 9 (bench/oauth/oidc-provider-server.mjs, in memory): the
// figures to compare versions, and the two servers, by on a shared machine, where req/s swing by
// tens of percent within an hour (bench/oauth/run.mjs) but these counts stay within ~1-2%.
// Per request it counts the event loop's thread — every request passes through it, so it is what
// bounds req/s — and all threads together (libuv's pool signing, V8's compiler and GC helpers,
// whose share under valgrind's serialised threads is only indicative). The load comes from this
// process (a raw-socket client, CONNECTIONS keep-alive requests in flight, not under valgrind);
// each server runs under callgrind with instrumentation switched on only for the counted requests.
//
//   node bench/oauth/instructions.mjs [--alg=ES256|RS256] [--requests=2000] [--warmup=5000]
//                                     [--runs=2] [--only=threshold,oidc-provider]
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres (the server; a fresh database is
//   created in it and dropped at the end). Needs valgrind (Debian's package), ~2 min per run.
//
// Threshold runs as an esbuild bundle of bench/oauth/instructions-target.ts: under valgrind,
// tsx's compilation of every module at start-up takes tens of minutes, and the bundle runs the
// same code (the same count within 1%). Callgrind runs a program ~50× slower, so the wall-clock
// TTLs of the OAuth2 client and signing-key caches (5 and 10 s) would expire every few hundred
// requests instead of every ~20,000 and count refills a real run hardly does: the bundle's copies
// of those two constants are raised.
import { execFileSync, spawn } from "node:child_process";
import net from "node:net";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { freshDatabase } from "./fresh-database.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")));
const ALG = args.alg ?? "ES256";
const REQUESTS = Number(args.requests ?? 2000);
const WARMUP = Number(args.warmup ?? 5000);
const RUNS = Number(args.runs ?? 2);
const ONLY = (args.only ?? "threshold,oidc-provider").split(",");
if (ONLY.some((w) => w !== "threshold" && w !== "oidc-provider")) throw new Error("--only takes threshold and/or oidc-provider");
const CONNECTIONS = 10;
if (ALG !== "ES256" && ALG !== "RS256") throw new Error("--alg takes ES256 or RS256");
const SERVER_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

// Three levels below the root, like src/adapters/postgres/migrate.ts: its "../../../migrations/"
// (relative to the module) then still names the migrations folder from the bundle.
const outDir = join(here, ".build");
const bundle = join(outDir, "instructions-target.mjs");
mkdirSync(outDir, { recursive: true });
await build({ entryPoints: [join(here, "instructions-target.ts")], bundle: true, platform: "node", format: "esm", packages: "external", target: "node20", outfile: bundle, logLevel: "warning" });
let code = readFileSync(bundle, "utf8");
for (const name of ["CLIENT_CACHE_MS", "CHOSEN_KEY_CACHE_MS"]) {
  const re = new RegExp(`\\b${name} = [0-9e_]+;`);
  if (!re.test(code)) throw new Error(`${name} not found in the bundle: update bench/oauth/instructions.mjs`);
  code = code.replace(re, `${name} = 1e9;`);
}
writeFileSync(bundle, code);

const totals = (file) => Number(/^totals: (\d+)/m.exec(readFileSync(file, "utf8"))?.[1] ?? NaN);

/** `n` client_credentials requests over CONNECTIONS keep-alive sockets; the number of non-200 answers. */
function load(target, n) {
  const { hostname, port, pathname } = new URL(target.tokenUrl);
  const body = `grant_type=client_credentials&scope=${target.scope}`;
  const basic = Buffer.from(`${encodeURIComponent(target.clientId)}:${encodeURIComponent(target.clientSecret)}`).toString("base64");
  const request = Buffer.from(`POST ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: Basic ${basic}\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  let sent = 0;
  let done = 0;
  let failed = 0;
  return new Promise((res, rej) => {
    for (let c = 0; c < CONNECTIONS; c++) {
      const socket = net.connect(Number(port), hostname);
      socket.setNoDelay(true);
      socket.on("error", rej);
      let buffered = "";
      socket.on("data", (chunk) => {
        buffered += chunk.toString("latin1");
        for (;;) {
          const end = buffered.indexOf("\r\n\r\n");
          if (end < 0) return;
          const length = Number(/\r\ncontent-length: *(\d+)/i.exec(buffered.slice(0, end))?.[1] ?? NaN);
          if (!Number.isFinite(length)) return rej(new Error(`no content-length in ${buffered.slice(0, end)}`));
          if (buffered.length < end + 4 + length) return;
          if (!buffered.startsWith("HTTP/1.1 200")) failed++;
          buffered = buffered.slice(end + 4 + length);
          done++;
          if (sent < n) {
            sent++;
            socket.write(request);
          } else {
            socket.end();
            if (done === n) res(failed);
          }
        }
      });
      if (sent < n) {
        sent++;
        socket.write(request);
      }
    }
  });
}

/** One server under callgrind: start, warm up, count REQUESTS requests, stop; instructions per request. */
async function once(which, i) {
  const dir = mkdtempSync(join(tmpdir(), "threshold-callgrind-"));
  const out = join(dir, "cg.out");
  const program = which === "threshold" ? [bundle] : [join(here, "oidc-provider-server.mjs")];
  const db = which === "threshold" ? await freshDatabase(SERVER_URL, "threshold_instr") : null;
  const env = db ? { DATABASE_URL: db.url, ALG } : { PORT: "0", OIDC_ALG: ALG, OIDC_DATABASE_URL: "" };
  const child = spawn("valgrind", ["--tool=callgrind", "--separate-threads=yes", "--instr-atstart=no", `--callgrind-out-file=${out}`, process.execPath, ...program], {
    cwd: root,
    env: { ...process.env, NODE_ENV: "production", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const exited = new Promise((r) => child.on("exit", r));
  try {
    const info = await new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`${which} did not start:\n${log.slice(-3000)}`)), 600_000);
      const poll = setInterval(() => {
        const line = log.split("\n").find((l) => l.startsWith("{"));
        if (line || child.exitCode !== null) {
          clearInterval(poll);
          clearTimeout(timer);
          if (line) res(JSON.parse(line));
          else rej(new Error(`${which} exited:\n${log.slice(-3000)}`));
        }
      }, 200);
    });
    const target = which === "threshold" ? info : { tokenUrl: `${info.url}/token`, clientId: info.clientId, clientSecret: info.clientSecret, scope: "api" };
    const warm = await load(target, WARMUP);
    if (warm) throw new Error(`${which}: ${warm} of ${WARMUP} warm-up requests failed`);
    execFileSync("callgrind_control", ["-i", "on", String(child.pid)], { stdio: "ignore" });
    const failed = await load(target, REQUESTS);
    execFileSync("callgrind_control", ["-i", "off", String(child.pid)], { stdio: "ignore" });
    if (failed) throw new Error(`${which}: ${failed} requests failed`);
    child.kill("SIGTERM");
    const status = await exited;
    if (status !== 0) throw new Error(`${which} run ${i + 1} ended with ${status}:\n${log.slice(-3000)}`);
    // One file per thread: -01 is the main thread (the event loop).
    const files = readdirSync(dir).filter((f) => /^cg\.out-\d+$/.test(f));
    const main = totals(join(dir, "cg.out-01"));
    const all = files.reduce((sum, f) => sum + totals(join(dir, f)), 0);
    return { main: main / REQUESTS, all: all / REQUESTS };
  } finally {
    if (child.exitCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
    await db?.drop();
  }
}

const k = (n) => `${(n / 1000).toFixed(0)} k`;
const med = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
console.error(`bench/oauth/instructions: ${ALG} client_credentials, ${REQUESTS} requests counted after ${WARMUP}, ${RUNS} run(s) per server under callgrind`);
const summary = {};
for (const which of ONLY) {
  const results = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await once(which, i);
    results.push(r);
    console.error(`  ${which.padEnd(14)} run ${i + 1}: event loop ${k(r.main)} instructions/request, all threads ${k(r.all)}`);
  }
  summary[which] = { main: med(results.map((r) => r.main)), all: med(results.map((r) => r.all)) };
  console.log(`${which.padEnd(14)} ${ALG} client_credentials: event loop ${k(summary[which].main)} instructions/request, all threads ${k(summary[which].all)} (median of ${RUNS})`);
}
if (summary.threshold && summary["oidc-provider"]) {
  const r = (f) => (summary["oidc-provider"][f] / summary.threshold[f]).toFixed(2);
  console.log(`oidc-provider ÷ Threshold: event loop ${r("main")}×, all threads ${r("all")}×`);
}
