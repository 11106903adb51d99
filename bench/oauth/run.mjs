#!/usr/bin/env node
// Token endpoint benchmark (issue 4): Threshold's Node host on PostgreSQL, Threshold's Worker under
// `wrangler dev` (Neon driver through the local WebSocket proxy, as in test/e2e/worker.test.ts)
// and oidc-provider 9 (bench/oauth/oidc-provider-server.mjs) under the same load, one after the
// other on this machine, with autocannon:
//   client_credentials   POST token, client_secret_basic → JWT access token
//   code + refresh       per connection: redeem a fresh code (access + ID + refresh token), then
//                        refresh it (rotation) — codes are minted beforehand, outside the timing
// once per signing algorithm: RS256 (RSA-2048, the install default) and ES256 (P-256), the same
// algorithm on both sides. Prints req/s, p50, p99 and the server's CPU ms per request (user +
// system time of the target's process group from /proc, over the measured run; PostgreSQL's own
// time is not in it) per target, algorithm and scenario, and Threshold's ratio to oidc-provider.
//
//   node bench/oauth/run.mjs [--duration=10] [--connections=10] [--codes=1500] [--alg=RS256,ES256]
//                            [--only=node,worker,oidc-provider,oidc-provider-pg]
//                            [--scenarios=client_credentials,code] [--loadgen=wrk|autocannon] [--rounds=1]
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres (the server; a fresh database is
//   created in it and dropped at the end)
//   BENCH_CPU_PROF=/tmp/prof  writes a V8 CPU profile of the Node host (--cpu-prof) there
//
// All targets start first and stay up; each is measured alone (the others idle). With --rounds=N
// the measurements alternate between targets N times (every other round in reverse order) and
// the table shows medians, the ratios being the median of each round's paired ratio: on a shared
// machine whose speed drifts by tens of percent over minutes, back-to-back pairs stay comparable
// where one run per target does not (one run each showed ES256 oidc-provider at 1,678 and 2,807
// req/s an hour apart). The load generator shares the machine (2 cores here), so absolute
// figures are pessimistic and ratios are what to compare. client_credentials is driven by wrk
// (Debian's package; one thread, written in C) where it is installed, else by autocannon: at ~8,000
// req/s autocannon's own JavaScript needs most of a core and, on 2 cores, caps both targets at the
// same rate. The "loadgen CPU" column tells which side was the limit. code + refresh needs
// per-connection state (each refresh uses the token its code returned), so it stays on autocannon.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { freshDatabase } from "./fresh-database.mjs";
import { register } from "tsx/esm/api";

process.env.WRANGLER_SEND_METRICS = "false";
process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";
process.env.WRANGLER_HIDE_BANNER = "true";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")));
const DURATION = Number(args.duration ?? 10);
const CONNECTIONS = Number(args.connections ?? 10);
const CODES = Number(args.codes ?? 1500);
const ONLY = new Set((args.only ?? "node,worker,oidc-provider,oidc-provider-pg").split(","));
const ALGS = (args.alg ?? "RS256,ES256").split(",");
const SCENARIOS = new Set((args.scenarios ?? "client_credentials,code").split(","));
const ROUNDS = Number(args.rounds ?? 1);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error("--rounds takes a positive integer");
const hasWrk = (process.env.PATH ?? "").split(":").some((d) => {
  try {
    return readdirSync(d).includes("wrk");
  } catch {
    return false;
  }
});
const LOADGEN = args.loadgen ?? (hasWrk ? "wrk" : "autocannon");
if (LOADGEN !== "wrk" && LOADGEN !== "autocannon") throw new Error("--loadgen takes wrk or autocannon");
if (LOADGEN === "wrk" && !hasWrk) throw new Error("--loadgen=wrk: wrk is not on PATH (apt-get install wrk)");
if (ALGS.some((a) => a !== "RS256" && a !== "ES256")) throw new Error("--alg takes RS256 and/or ES256");
const SERVER_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const SECRET = "bench-oauth-secret-key-".padEnd(48, "k");
const REDIRECT = "https://rp.example.com/callback";

register();
const { loadConfig } = await import("../../src/core/config.ts");
const { buildNodeDeps } = await import("../../src/node/deps.ts");
const { createOAuth2Provider } = await import("../../src/protocols/oauth2/settings.ts");
const { generateKeyPairRow } = await import("../../src/protocols/oauth2/keys.ts");
const { sha256Hex } = await import("../../src/core/encoding.ts");
const { startNeonWsProxy } = await import("../../test/support/neon-ws-proxy.ts");

const children = new Set();
function spawnChild(cmd, argv, env) {
  const child = spawn(cmd, argv, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  children.add(child);
  return {
    child,
    output: () => out,
    async stop() {
      children.delete(child);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((r) => child.once("exit", r));
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {}
      const t = setTimeout(() => {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {}
      }, 10_000);
      await gone;
      clearTimeout(t);
    },
  };
}
process.on("exit", () => {
  for (const c of children) {
    try {
      process.kill(-c.pid, "SIGKILL");
    } catch {}
  }
});

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

async function waitFor(url, proc, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.child.exitCode !== null) throw new Error(`process exited before ${url} was ready:\n${proc.output().slice(-3000)}`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
      if (r.ok) return;
    } catch {}
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${url}\n${proc.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * CPU time (user + system, ms) of every process in the process group `pgid` (a target and its
 * children: wrangler's workerd, say), read from /proc; null where /proc is absent.
 */
function groupCpuMs(pgid) {
  if (!pgid) return null;
  let ticks = 0;
  try {
    for (const pid of readdirSync("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      let stat;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      } catch {
        continue;
      }
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // f[0] is field 3 (state)
      if (Number(f[2]) === pgid) ticks += Number(f[11]) + Number(f[12]); // pgrp; utime, stime
    }
  } catch {
    return null;
  }
  return ticks * 10; // USER_HZ = 100
}

const basic = (id, secret) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;

function summary(r) {
  return {
    // completed requests over the run's exact length (autocannon's `duration` is whole seconds,
    // which made a fixed-size run's rate jump between 600, 750 and 1,000)
    rps: (r.requests.total ?? r.requests.sent) / (r.finish && r.start ? (new Date(r.finish) - new Date(r.start)) / 1000 : r.duration),
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total ?? r.requests.sent,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
}

/** One autocannon run; with `pgid`, also the target's CPU ms per request over the run, and autocannon's. */
function run(opts, pgid) {
  const cpu0 = groupCpuMs(pgid);
  const own0 = process.cpuUsage(); // autocannon runs in this process
  return new Promise((res, rej) => {
    const inst = autocannon({ connections: CONNECTIONS, ...opts }, (err, result) => {
      if (err) return rej(err);
      const s = summary(result);
      const cpu1 = groupCpuMs(pgid);
      const own = process.cpuUsage(own0);
      res({
        ...s,
        cpuMs: cpu0 === null || cpu1 === null || !s.requests ? undefined : (cpu1 - cpu0) / s.requests,
        loadgenCpuMs: s.requests ? (own.user + own.system) / 1000 / s.requests : undefined,
      });
    });
    autocannon.track(inst, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false });
  });
}

/**
 * One wrk run (one thread, CONNECTIONS connections) of a single fixed request; with `pgid`, also the
 * target's CPU ms per request. The Lua script's done() prints the figures as JSON; the shell's
 * `times` prints wrk's own CPU (its children's user and system time) after it exits.
 */
function runWrk(opts, pgid, duration) {
  const dir = mkdtempSync(join(tmpdir(), "threshold-bench-wrk-"));
  const lua = join(dir, "req.lua");
  const q = (v) => JSON.stringify(v); // a JSON string is a valid Lua string literal for this ASCII
  writeFileSync(
    lua,
    [
      `wrk.method = ${q(opts.method)}`,
      `wrk.body = ${q(opts.body)}`,
      ...Object.entries(opts.headers).map(([k, v]) => `wrk.headers[${q(k)}] = ${q(v)}`),
      "function done(s, latency, requests)",
      '  io.write(string.format(\'\\n{"requests":%d,"duration":%d,"p50":%f,"p99":%f,"non2xx":%d,"errors":%d}\\n\',',
      "    s.requests, s.duration, latency:percentile(50) / 1000, latency:percentile(99) / 1000, s.errors.status,",
      "    s.errors.connect + s.errors.read + s.errors.write + s.errors.timeout))",
      "end",
    ].join("\n"),
  );
  const cpu0 = groupCpuMs(pgid);
  return new Promise((res, rej) => {
    const sh = spawn("sh", ["-c", `wrk -t1 -c${CONNECTIONS} -d${duration}s -s "$1" "$2" && times`, "sh", lua, opts.url], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    sh.stdout.on("data", (d) => (out += d));
    sh.stderr.on("data", (d) => (out += d));
    sh.on("exit", (code) => {
      rmSync(dir, { recursive: true, force: true });
      const cpu1 = groupCpuMs(pgid);
      const line = out.split("\n").find((l) => l.startsWith('{"requests"'));
      if (code !== 0 || !line) return rej(new Error(`wrk failed (${code}):\n${out}`));
      const w = JSON.parse(line);
      // `times`: the shell's own user/system time, then its children's (wrk's), as 0m1.234s each
      const secs = (t) => Number(t.match(/(\d+)m([\d.]+)s/)[1]) * 60 + Number(t.match(/(\d+)m([\d.]+)s/)[2]);
      const children = out.trim().split("\n").at(-1).trim().split(/\s+/);
      const loadgenMs = children.length === 2 ? (secs(children[0]) + secs(children[1])) * 1000 : undefined;
      res({
        rps: w.requests / (w.duration / 1e6),
        p50: w.p50,
        p99: w.p99,
        requests: w.requests,
        non2xx: w.non2xx,
        errors: w.errors,
        cpuMs: cpu0 === null || cpu1 === null || !w.requests ? undefined : (cpu1 - cpu0) / w.requests,
        loadgenCpuMs: loadgenMs === undefined || !w.requests ? undefined : loadgenMs / w.requests,
      });
    });
  });
}

/**
 * Until the server answers fast: the first requests load and compile modules (tsx on the Node
 * host, isolate start-up in workerd), which on a busy machine takes seconds and would otherwise
 * land in the measured run's tail.
 */
async function warmUp(opts) {
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    const res = await fetch(opts.url, { method: opts.method, headers: opts.headers, body: opts.body });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`warm-up request failed: ${res.status}`);
    if (performance.now() - t0 < 50 && i >= 20) break;
  }
  await run({ ...opts, duration: 3 });
}

/** client_credentials for `duration` seconds after a warm-up. */
async function clientCredentials(t) {
  const opts = {
    url: t.tokenUrl,
    method: "POST",
    headers: { authorization: basic(t.clientId, t.clientSecret), "content-type": "application/x-www-form-urlencoded" },
    body: `grant_type=client_credentials&scope=${t.ccScope}`,
  };
  await warmUp(opts);
  return LOADGEN === "wrk" ? runWrk(opts, t.pgid, DURATION) : run({ ...opts, duration: DURATION }, t.pgid);
}

/** Each connection: redeem a code, then refresh the tokens it got; `codes` pairs in all. */
async function codeAndRefresh(t) {
  const codes = await t.mint(CODES + 20);
  for (let i = 0; i < 20; i++) {
    // warm-up: the grant code paths load on first use
    const res = await fetch(t.tokenUrl, { method: "POST", headers: { authorization: basic(t.clientId, t.clientSecret), "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ grant_type: "authorization_code", code: codes.pop(), redirect_uri: t.redirect }) });
    const { refresh_token } = await res.json();
    await (await fetch(t.tokenUrl, { method: "POST", headers: { authorization: basic(t.clientId, t.clientSecret), "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ grant_type: "refresh_token", refresh_token }) })).arrayBuffer();
  }
  const headers = { authorization: basic(t.clientId, t.clientSecret), "content-type": "application/x-www-form-urlencoded" };
  let bad = 0;
  return run({
    url: t.tokenUrl,
    amount: codes.length * 2,
    requests: [
      {
        method: "POST",
        headers,
        setupRequest: (req, ctx) => {
          ctx.refresh = null;
          const code = codes.pop();
          return { ...req, body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: t.redirect }).toString() };
        },
        onResponse: (status, body, ctx) => {
          if (status !== 200) bad++;
          else ctx.refresh = JSON.parse(body).refresh_token ?? null;
        },
      },
      {
        method: "POST",
        headers,
        setupRequest: (req, ctx) => ({ ...req, body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: ctx.refresh ?? "missing" }).toString() }),
        onResponse: (status) => {
          if (status !== 200) bad++;
        },
      },
    ],
  }, t.pgid).then((s) => ({ ...s, bad }));
}

// ── Threshold: fresh database, one provider, a user; codes minted through the repository ──
async function setupThreshold() {
  const db = await freshDatabase(SERVER_URL, "threshold_bench");
  const databaseUrl = db.url;
  const config = loadConfig({ THRESHOLD_ENVIRONMENT: "test", DATABASE_URL: databaseUrl, THRESHOLD_SECRET_KEY: SECRET, THRESHOLD_LOG_LEVEL: "error" }, "node");
  const deps = await buildNodeDeps(config); // migrates
  await deps.applyDefaults();
  const user = await deps.store.users.create({ username: "bench", name: "Bench User", email: "bench@example.com", emailVerified: true });
  const flow = await deps.store.flows.bySlug("default-provider-authorization-implicit-consent");
  // One provider per algorithm: RS256 signs with the install's default key, ES256 with a P-256 pair.
  const ecPair = await deps.store.crypto.create(await generateKeyPairRow(deps, "ES256", "bench ES256"));
  const clients = {};
  for (const alg of ALGS) {
    const created = await createOAuth2Provider(deps, {
      name: `bench-${alg}`,
      authorizationFlowPk: flow.pk,
      settings: { redirect_uris: [{ matching_mode: "strict", url: REDIRECT }], access_code_validity: "minutes=10", ...(alg === "ES256" ? { signing_key: ecPair.pk } : {}) },
    });
    await deps.store.oauth2.createApplication({ name: `bench-${alg}`, slug: `bench-${alg.toLowerCase()}`, providerPk: created.provider.pk });
    clients[alg] = { clientId: created.clientId, clientSecret: created.clientSecret, mint: minter(created.provider.pk) };
  }
  function minter(providerPk) {
    return async (n) => {
      const codes = [];
      const expires = new Date(Date.now() + 10 * 60_000);
      for (let i = 0; i < n; i++) {
        const code = randomBytes(32).toString("base64url");
        await deps.store.oauth2.createCode({
          codeHash: await sha256Hex(code),
          providerPk,
          userPk: user.pk,
          redirectUri: REDIRECT,
          scope: ["openid", "email", "profile", "offline_access"],
          nonce: null,
          codeChallenge: null,
          codeChallengeMethod: null,
          authTime: new Date(),
          sessionId: null,
          expires,
        });
        codes.push(code);
      }
      return codes;
    };
  }
  return {
    databaseUrl,
    clients,
    async drop() {
      await deps.shutdown();
      await db.drop();
    },
  };
}

async function startNodeHost(th) {
  const port = await freePort();
  const proc = spawnChild(process.execPath, [...(process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []), "--import", "tsx", "src/node/main.ts"], {
    PORT: String(port),
    HOST: "127.0.0.1",
    DATABASE_URL: th.databaseUrl,
    THRESHOLD_SECRET_KEY: SECRET,
    THRESHOLD_ENVIRONMENT: "test",
    THRESHOLD_LOG_LEVEL: "warn",
    NODE_ENV: "production",
  });
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`${base}/-/health/ready/`, proc);
  return { base, pgid: proc.child.pid, stop: () => proc.stop() };
}

async function startWorker(th) {
  const proxy = await startNeonWsProxy();
  const port = await freePort();
  const inspector = await freePort();
  const stateDir = mkdtempSync(join(tmpdir(), "threshold-bench-wrangler-"));
  const vars = { THRESHOLD_ENVIRONMENT: "test", THRESHOLD_SECRET_KEY: SECRET, DATABASE_URL: th.databaseUrl, THRESHOLD_NEON_WS_PROXY: `127.0.0.1:${proxy.port}`, THRESHOLD_LOG_LEVEL: "warn" };
  const argv = ["wrangler", "dev", "--port", String(port), "--ip", "127.0.0.1", "--inspector-port", String(inspector), "--persist-to", stateDir, "--log-level", "warn"];
  for (const [k, v] of Object.entries(vars)) argv.push("--var", `${k}:${v}`);
  const proc = spawnChild("npx", argv, {});
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`${base}/-/health/ready/`, proc, 180_000);
  return {
    base,
    pgid: proc.child.pid,
    async stop() {
      await proc.stop();
      await proxy.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

async function startOidcProvider(databaseUrl, alg) {
  const proc = spawnChild(process.execPath, [join(here, "oidc-provider-server.mjs")], { PORT: "0", NODE_ENV: "production", OIDC_DATABASE_URL: databaseUrl ?? "", OIDC_ALG: alg });
  const info = await new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error(`oidc-provider did not start:\n${proc.output()}`)), 30_000);
    proc.child.stdout.on("data", () => {
      const line = proc.output().split("\n").find((l) => l.startsWith("{"));
      if (line) {
        clearTimeout(t);
        res(JSON.parse(line));
      }
    });
  });
  return {
    ...info,
    tokenUrl: `${info.url}/token`,
    ccScope: "api",
    pgid: proc.child.pid,
    mint: async (n) => (await (await fetch(`${info.url}/__mint?n=${n}`)).json()).codes,
    stop: () => proc.stop(),
  };
}

const fmt = (n, d = 1) => (n === undefined || Number.isNaN(n) ? "-" : n.toFixed(d));

const median = (xs) => {
  const v = xs.filter((x) => x !== undefined && !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};

async function main() {
  const runs = [];
  const record = (target, alg, scenario, round, s) => {
    s.loadgen = scenario === "client_credentials" ? LOADGEN : "autocannon";
    runs.push({ target, alg, scenario, round, ...s });
    const extra = s.bad ? `, ${s.bad} failed grants` : s.non2xx ? `, ${s.non2xx} non-2xx` : "";
    const tag = ROUNDS > 1 ? `#${round + 1} ` : "";
    console.error(`  ${tag}${target.padEnd(26)} ${alg} ${scenario.padEnd(18)} ${fmt(s.rps).padStart(8)} req/s  p50 ${fmt(s.p50)} ms  p99 ${fmt(s.p99)} ms  CPU ${fmt(s.cpuMs, 3)} ms/req (${s.loadgen} ${fmt(s.loadgenCpuMs, 3)})${extra}`);
  };
  console.error(`bench/oauth: ${CONNECTIONS} connections, client_credentials ${DURATION} s, code+refresh ${CODES} pairs, ${ALGS.join(" and ")}${ROUNDS > 1 ? `, ${ROUNDS} rounds` : ""}\n`);

  // Every target is started first and stays up (idle) while the others are measured, so that
  // rounds can alternate between them: on a shared machine whose speed drifts, the paired ratio
  // of one round (measured minutes apart at most) is what stays comparable.
  const th = ONLY.has("node") || ONLY.has("worker") || ONLY.has("oidc-provider-pg") ? await setupThreshold() : null;
  const started = [];
  const targets = []; // { label, alg, target }
  try {
    for (const alg of ALGS) {
      for (const [name, url] of [["oidc-provider", null], ["oidc-provider-pg", th?.databaseUrl]]) {
        if (!ONLY.has(name)) continue;
        const op = await startOidcProvider(url, alg);
        started.push(op);
        targets.push({ label: url ? "oidc-provider 9 (pg)" : "oidc-provider 9 (memory)", alg, target: op });
      }
    }
    const thresholdTarget = (host, alg) => ({ ...th.clients[alg], pgid: host.pgid, tokenUrl: `${host.base}/application/o/token/`, ccScope: "openid", redirect: REDIRECT });
    for (const [key, label, start] of [
      ["node", "threshold node (pg)", startNodeHost],
      ["worker", "threshold worker (neon)", startWorker],
    ]) {
      if (!ONLY.has(key)) continue;
      const host = await start(th);
      started.push(host);
      for (const alg of ALGS) targets.push({ label, alg, target: thresholdTarget(host, alg) });
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const alg of ALGS) {
        const mine = targets.filter((t) => t.alg === alg);
        // Odd rounds run the targets in reverse order: neither side always goes first.
        const order = round % 2 ? [...mine].reverse() : mine;
        for (const scenario of ["client_credentials", "code"]) {
          if (!SCENARIOS.has(scenario)) continue;
          for (const t of order) {
            if (scenario === "client_credentials") record(t.label, alg, "client_credentials", round, await clientCredentials(t.target));
            else record(t.label, alg, "code + refresh", round, await codeAndRefresh(t.target));
          }
        }
      }
    }
  } finally {
    for (const s of started) await s.stop();
    await th?.drop();
  }

  // One row per target, algorithm and scenario: medians over the rounds.
  const keys = [...new Set(runs.map((r) => `${r.target}|${r.alg}|${r.scenario}`))];
  const results = keys.map((k) => {
    const rs = runs.filter((r) => `${r.target}|${r.alg}|${r.scenario}` === k);
    const [target, alg, scenario] = k.split("|");
    const pick = (f) => median(rs.map((r) => r[f]));
    return { target, alg, scenario, rounds: rs, rps: pick("rps"), p50: pick("p50"), p99: pick("p99"), cpuMs: pick("cpuMs"), loadgen: rs[0].loadgen, loadgenCpuMs: pick("loadgenCpuMs") };
  });
  // Threshold ÷ oidc-provider: the median of the per-round ratios (each round's pair measured back to back).
  const pairedRatio = (r, storage) => {
    const peer = results.find((p) => p.target === `oidc-provider 9 (${storage})` && p.alg === r.alg && p.scenario === r.scenario);
    if (!peer || !r.target.startsWith("threshold")) return undefined;
    const ratios = r.rounds.map((x) => x.rps / peer.rounds.find((y) => y.round === x.round)?.rps).filter((x) => Number.isFinite(x));
    return { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
  };
  const showRatio = (q) => (q ? `${fmt(q.median, 2)}×${ROUNDS > 1 ? ` (${fmt(q.min, 2)}–${fmt(q.max, 2)})` : ""}` : "");
  const heading = ROUNDS > 1 ? ` (medians of ${ROUNDS} rounds; ratios: median of the rounds' paired ratios, min–max)` : "";
  console.log(`\n${heading ? `Figures${heading}\n\n` : ""}| target | alg | scenario | req/s | p50 ms | p99 ms | server CPU ms/req | load generator, its CPU ms/req | ÷ oidc-provider (memory) | ÷ oidc-provider (pg) |\n|---|---|---|---:|---:|---:|---:|---|---:|---:|`);
  for (const r of results) {
    console.log(`| ${r.target} | ${r.alg} | ${r.scenario} | ${fmt(r.rps, 0)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.cpuMs, 3)} | ${r.loadgen} ${fmt(r.loadgenCpuMs, 3)} | ${showRatio(pairedRatio(r, "memory"))} | ${showRatio(pairedRatio(r, "pg"))} |`);
  }
  for (const alg of ALGS) {
    const cc = results.find((r) => r.target.startsWith("threshold node") && r.alg === alg && r.scenario === "client_credentials");
    const q = cc && pairedRatio(cc, "memory");
    if (cc && q) {
      const ok = q.median >= 2 && cc.p99 <= 10;
      console.log(`Goal ${alg} (Node host, client_credentials ≥ 2× oidc-provider and p99 ≤ 10 ms): ${ok ? "met" : "NOT met"} (${fmt(q.median, 2)}×, p99 ${fmt(cc.p99)} ms)`);
    }
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
