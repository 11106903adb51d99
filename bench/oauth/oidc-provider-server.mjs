#!/usr/bin/env node
// The peer of bench/oauth/run.mjs: oidc-provider 9 on an unbounded in-memory adapter (its most
// favourable storage; the built-in quick-start adapter is an LRU that evicts codes and grants
// under this load), configured to do the same work as Threshold per request: JWT
// access tokens (resource indicator with accessTokenFormat "jwt"), ID tokens signed with OIDC_ALG (RS256 or ES256), refresh
// tokens for offline_access, client_secret_basic. `/__mint?n=N` (bench harness only, not
// measured) creates N authorization codes through oidc-provider's own models.
//
// With OIDC_DATABASE_URL set it stores its models in PostgreSQL instead (one jsonb table, the
// shape of oidc-provider's example adapters), the same storage Threshold uses.
//
//   PORT=0 [OIDC_DATABASE_URL=postgres://…] node bench/oauth/oidc-provider-server.mjs   → prints {"url": …} on stdout
import { generateKeyPairSync } from "node:crypto";
import { createServer } from "node:http";
import Provider from "oidc-provider";
import pg from "pg";

const CLIENT = { client_id: "bench-client", client_secret: "bench-secret-".padEnd(64, "s") };
const REDIRECT = "https://rp.example.com/callback";
const RESOURCE = "https://api.example.com";
// OIDC_ALG: RS256 (RSA-2048, default) or ES256 (P-256), for access and ID tokens alike.
const ALG = process.env.OIDC_ALG || "RS256";
const { privateKey } = ALG === "ES256" ? generateKeyPairSync("ec", { namedCurve: "P-256" }) : generateKeyPairSync("rsa", { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: "jwk" }), use: "sig", alg: ALG, kid: "bench" };

/** oidc-provider's adapter interface over plain Maps (one per model). */
const stores = new Map();
class MemoryAdapter {
  constructor(name) {
    this.rows = stores.get(name) ?? new Map();
    stores.set(name, this.rows);
  }
  async upsert(id, payload, expiresIn) {
    this.rows.set(id, { payload, expires: expiresIn ? Date.now() + expiresIn * 1000 : Infinity });
  }
  async find(id) {
    const row = this.rows.get(id);
    if (!row || row.expires < Date.now()) return undefined;
    return row.payload;
  }
  async findByUid(uid) {
    for (const [id, row] of this.rows) if (row.payload.uid === uid) return this.find(id);
    return undefined;
  }
  async findByUserCode(userCode) {
    for (const [id, row] of this.rows) if (row.payload.userCode === userCode) return this.find(id);
    return undefined;
  }
  async consume(id) {
    const row = this.rows.get(id);
    if (row) row.payload.consumed = Math.floor(Date.now() / 1000);
  }
  async destroy(id) {
    this.rows.delete(id);
  }
  async revokeByGrantId(grantId) {
    for (const model of stores.values()) for (const [id, row] of model) if (row.payload.grantId === grantId) model.delete(id);
  }
}

/** The same interface over one PostgreSQL table (id per model, jsonb payload, expiry). */
async function postgresAdapter(url) {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  await pool.query(`CREATE TABLE IF NOT EXISTS oidc_payloads (
    model text NOT NULL, id text NOT NULL, payload jsonb NOT NULL, grant_id text, user_code text, uid text,
    expires_at timestamptz, consumed_at timestamptz, PRIMARY KEY (model, id))`);
  await pool.query("CREATE INDEX IF NOT EXISTS oidc_payloads_grant ON oidc_payloads (grant_id)");
  const live = "(expires_at IS NULL OR expires_at > now())";
  const row = (r) => r.rows[0] && { ...r.rows[0].payload, ...(r.rows[0].consumed_at ? { consumed: Math.floor(r.rows[0].consumed_at.getTime() / 1000) } : {}) };
  return class PostgresAdapter {
    constructor(model) {
      this.model = model;
    }
    async upsert(id, payload, expiresIn) {
      await pool.query(
        `INSERT INTO oidc_payloads (model, id, payload, grant_id, user_code, uid, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (model, id) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id, user_code = excluded.user_code, uid = excluded.uid, expires_at = excluded.expires_at`,
        [this.model, id, payload, payload.grantId ?? null, payload.userCode ?? null, payload.uid ?? null, expiresIn ? new Date(Date.now() + expiresIn * 1000) : null],
      );
    }
    async find(id) {
      return row(await pool.query(`SELECT payload, consumed_at FROM oidc_payloads WHERE model = $1 AND id = $2 AND ${live}`, [this.model, id]));
    }
    async findByUid(uid) {
      return row(await pool.query(`SELECT payload, consumed_at FROM oidc_payloads WHERE model = $1 AND uid = $2 AND ${live}`, [this.model, uid]));
    }
    async findByUserCode(userCode) {
      return row(await pool.query(`SELECT payload, consumed_at FROM oidc_payloads WHERE model = $1 AND user_code = $2 AND ${live}`, [this.model, userCode]));
    }
    async consume(id) {
      await pool.query("UPDATE oidc_payloads SET consumed_at = now() WHERE model = $1 AND id = $2", [this.model, id]);
    }
    async destroy(id) {
      await pool.query("DELETE FROM oidc_payloads WHERE model = $1 AND id = $2", [this.model, id]);
    }
    async revokeByGrantId(grantId) {
      await pool.query("DELETE FROM oidc_payloads WHERE grant_id = $1", [grantId]);
    }
  };
}

const server = createServer();
await new Promise((r) => server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", r));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  adapter: process.env.OIDC_DATABASE_URL ? await postgresAdapter(process.env.OIDC_DATABASE_URL) : MemoryAdapter,
  clients: [{ ...CLIENT, redirect_uris: [REDIRECT], grant_types: ["authorization_code", "refresh_token", "client_credentials"], response_types: ["code"], id_token_signed_response_alg: ALG }],
  jwks: { keys: [jwk] },
  findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub, email: `${sub}@example.com`, name: "Bench User" }) }),
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({ scope: "api", audience: RESOURCE, accessTokenFormat: "jwt", accessTokenTTL: 3600, jwt: { sign: { alg: ALG } } }),
    },
  },
  pkce: { required: () => false },
  ttl: { AuthorizationCode: 600, AccessToken: 3600, ClientCredentials: 3600, IdToken: 3600, RefreshToken: 86_400 * 30, Grant: 86_400 * 30 },
  rotateRefreshToken: true,
});
provider.proxy = false;

async function mint(n) {
  const client = await provider.Client.find(CLIENT.client_id);
  const codes = [];
  for (let i = 0; i < n; i++) {
    const accountId = `user-${i % 50}`;
    const grant = new provider.Grant({ accountId, clientId: client.clientId });
    grant.addOIDCScope("openid offline_access");
    grant.addResourceScope(RESOURCE, "api");
    const grantId = await grant.save();
    const code = new provider.AuthorizationCode({
      accountId,
      client,
      grantId,
      scope: "openid offline_access",
      redirectUri: REDIRECT,
      resource: RESOURCE,
      authTime: Math.floor(Date.now() / 1000),
    });
    codes.push(await code.save());
  }
  return codes;
}

const callback = provider.callback();
server.on("request", (req, res) => {
  if (req.url?.startsWith("/__mint")) {
    const n = Number(new URL(req.url, issuer).searchParams.get("n") ?? 1);
    mint(n).then(
      (codes) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ codes })),
      (e) => res.writeHead(500).end(String(e?.stack ?? e)),
    );
    return;
  }
  callback(req, res);
});
process.on("SIGTERM", () => server.close(() => process.exit(0))); // (callgrind writes its profile at exit)
process.stdout.write(JSON.stringify({ url: issuer, clientId: CLIENT.client_id, clientSecret: CLIENT.client_secret, redirect: REDIRECT }) + "\n");
