/**
 * A single-page app in Chromium, on its own origin, talking to the Node host's OAuth2 endpoints
 * directly (public client + PKCE, the way oidc-client-ts and friends work): after the login in
 * Threshold's flow pages, the app's callback page redeems the code, reads userinfo, refreshes and
 * revokes with `fetch()` across origins. The browser's own CORS checks (preflights included) are
 * what is tested; a page on another origin cannot read the same endpoints.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as oauth from "oauth4webapi";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NodeServer } from "../../src/node/server.js";
import { createOAuth2Provider } from "../../src/protocols/oauth2/settings.js";
import { launchChromium, type LaunchedBrowser } from "../support/browser.js";
import { startTestNodeHost, type TestNodeHost } from "../support/node-host.js";

const PASSWORD = "a-long-and-Unusual-passphrase-42";

/** What the callback page does, with the verifier the test made: every step's outcome, in order. */
const appScript = (issuer: string, clientId: string, verifier: string, redirectUri: string) => `
(async () => {
  const out = [];
  const step = async (name, fn) => { try { out.push({ name, ok: true, value: await fn() }); } catch (e) { out.push({ name, ok: false, error: String(e) }); } };
  const form = (o) => ({ method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(o) });
  const code = new URLSearchParams(location.search).get("code");
  let tokens;
  await step("token", async () => { const r = await fetch(${JSON.stringify(`${issuer}/application/o/token/`)}, form({ grant_type: "authorization_code", code, redirect_uri: ${JSON.stringify(redirectUri)}, code_verifier: ${JSON.stringify(verifier)}, client_id: ${JSON.stringify(clientId)} })); tokens = await r.json(); return { status: r.status, type: tokens.token_type, refresh: !!tokens.refresh_token }; });
  await step("userinfo", async () => { const r = await fetch(${JSON.stringify(`${issuer}/application/o/userinfo/`)}, { headers: { Authorization: "Bearer " + tokens.access_token } }); return { status: r.status, body: await r.json() }; });
  await step("replay", async () => { const r = await fetch(${JSON.stringify(`${issuer}/application/o/token/`)}, form({ grant_type: "refresh_token", refresh_token: "not-a-refresh-token", client_id: ${JSON.stringify(clientId)} })); return { status: r.status, body: await r.json() }; });
  await step("refresh", async () => { const r = await fetch(${JSON.stringify(`${issuer}/application/o/token/`)}, form({ grant_type: "refresh_token", refresh_token: tokens.refresh_token, client_id: ${JSON.stringify(clientId)} })); const t = await r.json(); tokens = t; return { status: r.status, rotated: !!t.refresh_token }; });
  await step("revoke", async () => { const r = await fetch(${JSON.stringify(`${issuer}/application/o/revoke/`)}, form({ token: tokens.access_token, client_id: ${JSON.stringify(clientId)} })); return { status: r.status }; });
  await step("after", async () => { const r = await fetch(${JSON.stringify(`${issuer}/application/o/userinfo/`)}, { headers: { Authorization: "Bearer " + tokens.access_token } }); return { status: r.status }; });
  document.body.dataset.result = JSON.stringify(out);
})();`;

describe("a single-page app calls the OAuth2 endpoints across origins (CORS, Chromium)", () => {
  let server: NodeServer;
  let chrome: LaunchedBrowser;
  let page: Page;
  let host: TestNodeHost;
  let app: Server;
  let appOrigin: string;
  let clientId: string;
  let script = "";

  beforeAll(async () => {
    host = await startTestNodeHost("spa-cors", { adminPassword: PASSWORD });
    server = host.server;
    // The app: its own origin (127.0.0.1 and another port; Threshold answers on localhost).
    app = createServer((req, res) => {
      res.writeHead(200, { "Content-Type": "text/html" });
      res.end(`<!doctype html><html><body><script>${req.url?.startsWith("/callback") ? script : ""}</script></body></html>`);
    });
    await new Promise<void>((r) => app.listen(0, "127.0.0.1", r));
    appOrigin = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
    const deps = server.deps;
    const flow = await deps.store.flows.bySlug("default-provider-authorization-implicit-consent");
    const created = await createOAuth2Provider(deps, {
      name: "SPA",
      authorizationFlowPk: flow!.pk,
      settings: { client_type: "public", redirect_uris: [{ matching_mode: "strict", url: `${appOrigin}/callback` }] },
    });
    await deps.store.oauth2.createApplication({ name: "SPA", slug: "spa", providerPk: created.provider.pk });
    clientId = created.clientId;
    chrome = await launchChromium();
    page = await chrome.context.newPage();
  }, 120_000);
  afterAll(async () => {
    await chrome?.close();
    await host?.close();
    await new Promise((r) => app?.close(r));
  });

  it("redeems, reads userinfo, refreshes and revokes from the app's origin", async () => {
    expect(new URL(server.url).origin).not.toBe(appOrigin);
    const verifier = oauth.generateRandomCodeVerifier();
    script = appScript(server.url, clientId, verifier, `${appOrigin}/callback`);
    const authorize = new URL(`${server.url}/application/o/authorize/`);
    for (const [k, v] of Object.entries({ client_id: clientId, redirect_uri: `${appOrigin}/callback`, response_type: "code", scope: "openid profile offline_access", code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: "S256" })) {
      authorize.searchParams.set(k, v);
    }
    await page.goto(authorize.href);
    await page.fill('input[name="uid_field"]', "akadmin");
    await Promise.all([page.waitForLoadState("load"), page.click('button[type="submit"]')]);
    await page.fill('input[name="password"]', PASSWORD);
    await Promise.all([page.waitForURL(`${appOrigin}/callback**`), page.click('button[type="submit"]')]);
    await page.waitForFunction(() => document.body.dataset.result, undefined, { timeout: 15_000 });
    const steps = JSON.parse((await page.evaluate(() => document.body.dataset.result))!) as { name: string; ok: boolean; value?: Record<string, unknown>; error?: string }[];
    const by = Object.fromEntries(steps.map((s) => [s.name, s]));
    for (const s of steps) expect(s.ok, `${s.name}: ${s.error}`).toBe(true);
    expect(by.token!.value).toEqual({ status: 200, type: "Bearer", refresh: true });
    expect(by.userinfo!.value).toMatchObject({ status: 200, body: { preferred_username: "akadmin" } });
    expect(by.replay!.value).toMatchObject({ status: 400, body: { error: "invalid_grant" } }); // errors are readable too
    expect(by.refresh!.value).toEqual({ status: 200, rotated: true });
    expect(by.revoke!.value).toEqual({ status: 200 });
    expect(by.after!.value).toEqual({ status: 401 });
  });

  it("a page on another origin cannot read the token endpoint", async () => {
    const other = await chrome.context.newPage();
    // Threshold's own origin is not one of the client's redirect origins either: use it as "another site".
    await other.goto(`${server.url}/-/health/live/`);
    const outcome = await other.evaluate(async ([url, id]) => {
      try {
        const r = await fetch(url!, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: "x", client_id: id! }) });
        return `read ${r.status}`;
      } catch (e) {
        return `blocked: ${String(e)}`;
      }
    }, [`http://127.0.0.1:${new URL(server.url).port}/application/o/token/`, clientId]);
    expect(outcome).toMatch(/^blocked: TypeError/);
    await other.close();
  });
});
