/**
 * Threshold's side of `bench/oauth/instructions.mjs`, run under callgrind: the Node host
 * (src/node/server.ts) on PostgreSQL with one client_credentials client, whose token URL and
 * credentials it prints as a JSON line; it serves until SIGTERM.
 *
 * env: DATABASE_URL (a fresh database), ALG (ES256 | RS256)
 */
import { loadConfig } from "../../src/core/config.js";
import { startNodeServer } from "../../src/node/server.js";
import { generateKeyPairRow } from "../../src/protocols/oauth2/keys.js";
import { createOAuth2Provider } from "../../src/protocols/oauth2/settings.js";

const ALG = process.env.ALG ?? "ES256";

const config = {
  ...loadConfig({ THRESHOLD_ENVIRONMENT: "test", DATABASE_URL: process.env.DATABASE_URL, THRESHOLD_SECRET_KEY: "bench-oauth-secret-key-".padEnd(48, "k"), THRESHOLD_LOG_LEVEL: "warn" }, "node"),
  PORT: 0,
};
const server = await startNodeServer(config, { hostname: "127.0.0.1" });
const { deps } = server;
const flow = await deps.store.flows.bySlug("default-provider-authorization-implicit-consent");
const key = ALG === "ES256" ? await deps.store.crypto.create(await generateKeyPairRow(deps, "ES256", "bench ES256")) : null;
const created = await createOAuth2Provider(deps, {
  name: "bench",
  authorizationFlowPk: flow!.pk,
  settings: { redirect_uris: [{ matching_mode: "strict", url: "https://rp.example.com/cb" }], ...(key ? { signing_key: key.pk } : {}) },
});
await deps.store.oauth2.createApplication({ name: "bench", slug: "bench", providerPk: created.provider.pk });

// What the driver needs to send requests; then serve until SIGTERM.
process.on("SIGTERM", () => void server.close().then(() => process.exit(0)));
process.stdout.write(`${JSON.stringify({ tokenUrl: `http://127.0.0.1:${server.port}/application/o/token/`, clientId: created.clientId, clientSecret: created.clientSecret, scope: "openid" })}\n`);
