#!/usr/bin/env node
// PostgreSQL round trips per token grant: redeems a code and refreshes the tokens it gave, in
// process against a fresh database on the PostgreSQL server, and prints every statement each grant
// sent (node-postgres queries, counted at the client). Round trips, not CPU, bound the code +
// refresh scenario of bench/oauth/run.mjs.
//   node bench/oauth/round-trips.mjs        DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres
import pg from "pg";
import { randomUUID, randomBytes } from "node:crypto";
import { register } from "tsx/esm/api";
register();
const { loadConfig } = await import("../../src/core/config.ts");
const { buildNodeDeps } = await import("../../src/node/deps.ts");
const { createOAuth2Provider } = await import("../../src/protocols/oauth2/settings.ts");
const { generateKeyPairRow } = await import("../../src/protocols/oauth2/keys.ts");
const { sha256Hex } = await import("../../src/core/encoding.ts");
const { createApp } = await import("../../src/app.ts");
const SERVER_URL = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";
const name = `th_q_${randomUUID().replace(/-/g, "").slice(0, 8)}`;
const a = new pg.Client({ connectionString: SERVER_URL }); await a.connect(); await a.query(`CREATE DATABASE ${name}`); await a.end();
const u = new URL(SERVER_URL); u.pathname = `/${name}`;
const config = loadConfig({ THRESHOLD_ENVIRONMENT: "test", DATABASE_URL: u.toString(), THRESHOLD_SECRET_KEY: "bench-oauth-secret-key-".padEnd(48, "k"), THRESHOLD_LOG_LEVEL: "warn" }, "node");
const deps = await buildNodeDeps(config);
await deps.applyDefaults();
const user = await deps.store.users.create({ username: "bench", name: "Bench User", email: "bench@example.com", emailVerified: true });
const flow = await deps.store.flows.bySlug("default-provider-authorization-implicit-consent");
const ec = await deps.store.crypto.create(await generateKeyPairRow(deps, "ES256", "e"));
const created = await createOAuth2Provider(deps, { name: "b", authorizationFlowPk: flow.pk, settings: { redirect_uris: [{ matching_mode: "strict", url: "https://rp/cb" }], signing_key: ec.pk } });
await deps.store.oauth2.createApplication({ name: "b", slug: "b", providerPk: created.provider.pk });
const app = createApp();
const auth = `Basic ${Buffer.from(`${encodeURIComponent(created.clientId)}:${encodeURIComponent(created.clientSecret)}`).toString("base64")}`;
async function mint() {
  const code = randomBytes(32).toString("base64url");
  await deps.store.oauth2.createCode({ codeHash: await sha256Hex(code), providerPk: created.provider.pk, userPk: user.pk, redirectUri: "https://rp/cb", scope: ["openid", "email", "profile", "offline_access"], nonce: null, codeChallenge: null, codeChallengeMethod: null, authTime: new Date(), sessionId: null, expires: new Date(Date.now() + 600000) });
  return code;
}
const post = async (body) => { const r = await app.fetch(new Request("http://127.0.0.1/application/o/token/", { method: "POST", headers: { authorization: auth, "content-type": "application/x-www-form-urlencoded" }, body }), { ...deps, client: { ip: "127.0.0.1", country: null, asn: null } }); const j = await r.json(); if (r.status !== 200) throw new Error(JSON.stringify(j)); return j; };
// warm
let t = await post(new URLSearchParams({ grant_type: "authorization_code", code: await mint(), redirect_uri: "https://rp/cb" }).toString());
await post(new URLSearchParams({ grant_type: "refresh_token", refresh_token: t.refresh_token }).toString());
const code = await mint();
const log = [];
const orig = pg.Client.prototype.query;
pg.Client.prototype.query = function (q, ...rest) { log.push(typeof q === "string" ? q : q.text); return orig.call(this, q, ...rest); };
t = await post(new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: "https://rp/cb" }).toString());
console.log(`authorization_code grant: ${log.length} round trips`); log.forEach((q) => console.log("  ", q.slice(0, 200).replace(/\s+/g, " "))); log.length = 0;
await post(new URLSearchParams({ grant_type: "refresh_token", refresh_token: t.refresh_token }).toString());
console.log(`refresh_token grant: ${log.length} round trips`); log.forEach((q) => console.log("  ", q.slice(0, 200).replace(/\s+/g, " ")));
pg.Client.prototype.query = orig;
await deps.shutdown?.();
const b = new pg.Client({ connectionString: SERVER_URL }); await b.connect(); await b.query(`DROP DATABASE ${name} WITH (FORCE)`); await b.end();
process.exit(0);
