/**
 * The proxy provider through the outpost, end to end: the Node host (real HTTP) with three proxy
 * providers seeded through its store, one outpost in-process serving them, real nginx
 * (`auth_request`) and real Caddy (`forward_auth`) in front of an upstream that echoes the
 * headers it receives, and Debian's Chromium logging in through Threshold's flow pages. Sites
 * have their own names (`*.test` → 127.0.0.1 in Chromium), so each has its own cookie jar.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt } from "jose";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../outpost/src/log.js";
import { startOutpost, type RunningOutpost } from "../../outpost/src/outpost.js";
import { loadConfig } from "../../src/core/config.js";
import { startNodeServer, type NodeServer } from "../../src/node/server.js";
import type { User } from "../../src/ports/store.js";
import { parseProvider } from "../../src/protocols/oauth2/settings.js";
import { issueTokens } from "../../src/protocols/oauth2/tokens.js";
import type { LaunchedBrowser } from "../support/browser.js";
import { freePort } from "../support/process.js";
import {
  launchChromiumWithHosts,
  PROXY_PASSWORD,
  rawGet,
  seedProxyOutpost,
  seedProxyProvider,
  seedProxyUser,
  startCaddy,
  startNginx,
  startUpstream,
  type Echo,
  type SeededProxy,
  type Served,
  type Upstream,
} from "../support/proxy.js";

const SPOOFED = { "X-authentik-username": "akadmin", "X-authentik-groups": "authentik Admins", "X-authentik-email": "root@evil.test", "X-authentik-uid": "0", "X-authentik-jwt": "forged" };

describe("proxy provider through the outpost (nginx, Caddy, reverse proxy)", () => {
  let server: NodeServer;
  let upstream: Upstream;
  let outpost: RunningOutpost;
  let nginx: Served;
  let caddy: Served;
  let chrome: LaunchedBrowser;
  let dataDir: string;
  let user: User;
  let idp: string;
  let providers: Record<"nginx" | "caddy" | "proxied" | "domain", SeededProxy>;
  let outpostToken: string;
  const logs: string[] = [];
  const site: Record<"nginx" | "caddy" | "proxied", string> = { nginx: "", caddy: "", proxied: "" };
  /** forward_domain: every host under corp.test behind the same nginx, one login for all. */
  const corp = (name: string) => `http://${name}.corp.test:${nginx.port}`;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "threshold-proxy-"));
    const config = { ...loadConfig({ THRESHOLD_ENVIRONMENT: "test", THRESHOLD_DATA_DIR: dataDir, THRESHOLD_SECRET_KEY: "s".repeat(40) }), PORT: 0 };
    server = await startNodeServer(config, { hostname: "127.0.0.1" });
    const deps = server.deps;
    idp = `http://idp.test:${server.port}`;
    user = await seedProxyUser(deps);
    upstream = await startUpstream();
    const [nginxPort, caddyPort, outpostPort] = [await freePort(), await freePort(), await freePort()];
    site.nginx = `http://nginx.test:${nginxPort}`;
    site.caddy = `http://caddy.test:${caddyPort}`;
    site.proxied = `http://proxied.test:${outpostPort}`;
    providers = {} as typeof providers;
    Object.assign(providers, {
      nginx: await seedProxyProvider(deps, { name: "Nginx app", slug: "nginx-app", settings: { mode: "forward_single", external_host: site.nginx } }),
      caddy: await seedProxyProvider(deps, { name: "Caddy app", slug: "caddy-app", settings: { mode: "forward_single", external_host: site.caddy } }),
      proxied: await seedProxyProvider(deps, {
        name: "Proxied app",
        slug: "proxied-app",
        settings: {
          mode: "proxy",
          external_host: site.proxied,
          internal_host: upstream.url,
          skip_path_regex: "^/public/",
          basic_auth_enabled: true,
          basic_auth_user_attribute: "legacy_user",
          basic_auth_password_attribute: "legacy_password",
        },
      }),
    });
    providers.domain = await seedProxyProvider(deps, {
      name: "Corp domain",
      slug: "corp-domain",
      settings: { mode: "forward_domain", external_host: `http://auth.corp.test:${nginxPort}`, cookie_domain: "corp.test" },
    });
    const token = await seedProxyOutpost(deps, "proxy-outpost", Object.values(providers).map((p) => p.providerPk));
    outpostToken = token;
    outpost = await startOutpost(
      { host: `http://127.0.0.1:${server.port}`, hostBrowser: idp, token, insecure: false, ldapPort: 0, healthPort: 0, httpPort: outpostPort, listen: "127.0.0.1", refreshIntervalMs: 60_000, logLevel: "debug" },
      { log: createLogger({ level: "debug", write: (l) => logs.push(l) }) },
    );
    nginx = await startNginx(nginxPort, outpostPort, upstream.port);
    caddy = await startCaddy(caddyPort, outpostPort, upstream.port);
    chrome = await launchChromiumWithHosts();
  });
  afterAll(async () => {
    await chrome?.close();
    await nginx?.stop();
    await caddy?.stop();
    await outpost?.close(100);
    await upstream?.close();
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Did a request for `url` (path + query) reach the upstream? */
  const reached = (url: string) => upstream.seen.some((e) => e.url === url);
  const submit = (page: Page) => Promise.all([page.waitForLoadState("load"), page.click('button[type="submit"]')]);

  /** Opens `url`, expecting Threshold's login; logs in and lands back on `url`. */
  async function loginThrough(page: Page, url: string, username = user.username): Promise<Echo> {
    await page.goto(url);
    expect(page.url()).toMatch(new RegExp(`^${idp}/if/flow/default-authentication-flow/`));
    await page.fill('input[name="uid_field"]', username);
    await submit(page);
    await page.fill('input[name="password"]', PROXY_PASSWORD);
    await Promise.all([page.waitForURL(url), page.click('button[type="submit"]')]);
    return JSON.parse((await page.textContent("body"))!) as Echo;
  }

  async function echoOf(page: Page, url: string): Promise<Echo> {
    const res = await page.goto(url);
    expect(page.url()).toBe(url);
    expect(res!.headers()["content-type"]).toContain("application/json");
    return JSON.parse((await page.textContent("body"))!) as Echo;
  }

  function expectIdentity(echo: Echo, clientId: string): void {
    const h = echo.headers;
    expect(h["x-authentik-username"]).toBe("pat");
    expect(String(h["x-authentik-groups"]).split("|")).toContain("staff");
    expect(h["x-authentik-email"]).toBe("pat@example.com");
    expect(h["x-authentik-name"]).toBe("Pat Proxy");
    expect(h["x-authentik-uid"]).toMatch(/^[0-9a-f]{64}$/);
    const jwt = decodeJwt(h["x-authentik-jwt"] as string);
    expect(jwt).toMatchObject({ aud: clientId, sub: h["x-authentik-uid"], preferred_username: "pat" });
  }

  /** The outpost session cookie Chromium holds for `url`'s site. */
  async function sessionCookie(url: string): Promise<string> {
    const cookies = await chrome.context.cookies(url);
    const c = cookies.find((k) => k.name.startsWith("authentik_proxy_") && !k.name.startsWith("authentik_proxy_state"));
    expect(c, "session cookie").toBeDefined();
    return `${c!.name}=${c!.value}`;
  }

  describe("nginx auth_request (forward_single)", () => {
    it("unauthenticated requests are redirected to the outpost's login start, never reaching the upstream", async () => {
      const res = await rawGet(nginx.port, "/private?x=1", { Host: new URL(site.nginx).host, ...SPOOFED });
      expect(res.status).toBe(302);
      // nginx's own redirect (error_page 401 → @goauthentik_proxy_signin): rd is $scheme://$http_host$request_uri.
      expect(res.headers.location).toBe(`${site.nginx}/outpost.goauthentik.io/start?rd=${site.nginx}/private?x=1`);
      expect(reached("/private?x=1")).toBe(false);
    });

    it("Chromium logs in through the flow pages and the upstream receives the identity headers", async () => {
      const page = await chrome.context.newPage();
      const echo = await loginThrough(page, `${site.nginx}/private?x=1`);
      expect(echo.url).toBe("/private?x=1");
      expectIdentity(echo, providers.nginx.clientId);
      await page.close();
    });

    it("spoofed X-authentik-* headers never reach the upstream", async () => {
      const page = await chrome.context.newPage();
      await page.setExtraHTTPHeaders(SPOOFED);
      const echo = await echoOf(page, `${site.nginx}/again`);
      expectIdentity(echo, providers.nginx.clientId);
      await page.close();
    });

    it("sign_out ends the session (the cookie, a saved copy of it, and the issuer's session)", async () => {
      const copy = await sessionCookie(site.nginx);
      const page = await chrome.context.newPage();
      await page.goto(`${site.nginx}/outpost.goauthentik.io/sign_out`);
      expect(page.url()).toMatch(new RegExp(`^${idp}/application/o/nginx-app/end-session/`));
      expect(await page.textContent("h1")).toMatch(/logged out/i);
      const replay = await rawGet(nginx.port, "/private", { Host: new URL(site.nginx).host, Cookie: copy });
      expect(replay.status).toBe(302);
      await page.goto(`${site.nginx}/private`);
      expect(page.url()).toMatch(new RegExp(`^${idp}/if/flow/default-authentication-flow/`));
      await page.close();
    });
  });

  describe("nginx auth_request (forward_domain)", () => {
    it("one login on the auth host covers every host under the cookie domain", async () => {
      const page = await chrome.context.newPage();
      const echo = await loginThrough(page, `${corp("app1")}/inbox`);
      expectIdentity(echo, providers.domain.clientId);
      // The session cookie is the domain's: a second app needs no login.
      const other = await echoOf(page, `${corp("app2")}/reports`);
      expectIdentity(other, providers.domain.clientId);
      const cookie = (await chrome.context.cookies(corp("app2"))).find((c) => c.name.startsWith("authentik_proxy_") && c.domain.endsWith("corp.test"));
      expect(cookie?.domain).toMatch(/^\.?corp\.test$/);
      // After login only hosts of the domain are redirect targets (no open redirect).
      await page.goto(`${corp("auth")}/outpost.goauthentik.io/start?rd=${encodeURIComponent("http://evil.test/steal")}`);
      expect(page.url()).toBe(`${corp("auth")}/`);
      await page.goto(`${corp("auth")}/outpost.goauthentik.io/start?rd=${encodeURIComponent(`${corp("app3")}/deep?x=1`)}`);
      expect(page.url()).toBe(`${corp("app3")}/deep?x=1`);
      await page.goto(`${corp("app1")}/outpost.goauthentik.io/sign_out`);
      await page.goto(`${corp("app2")}/reports`);
      expect(page.url()).toMatch(new RegExp(`^${idp}/if/flow/default-authentication-flow/`));
      await page.close();
    });
  });

  describe("outpost API (/api/v3/outposts/proxy/)", () => {
    const api = (path: string, init: RequestInit = {}, token = outpostToken) =>
      fetch(`${server.url.replace("localhost", "127.0.0.1")}/api/v3/outposts/proxy/${path}`, { ...init, headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...init.headers } });

    it("serves this outpost's providers with an ETag; other tokens and bad input get protocol errors", async () => {
      const list = await api("");
      expect(list.status).toBe(200);
      const body = (await list.json()) as { results: { pk: number; mode: string; client_secret: string; cookie_secret: string; assigned_application_slug: string }[] };
      expect(body.results.map((r) => r.assigned_application_slug).sort()).toEqual(["caddy-app", "corp-domain", "nginx-app", "proxied-app"]);
      expect(body.results.every((r) => r.client_secret.length === 128 && r.cookie_secret.length > 20)).toBe(true);
      expect((await api("", { headers: { "If-None-Match": list.headers.get("etag")! } })).status).toBe(304);

      const deps = server.deps;
      const other = "some-other-api-token-0123456789abcdef";
      await deps.store.tokens.create({ identifier: "not-an-outpost", intent: "api", userPk: user.pk, key: other });
      expect((await api("", {}, other)).status).toBe(403);
      expect((await api("", {}, "nope")).status).toBe(401);
      const check = (pk: number | string, body: unknown) => api(`${pk}/check_access/`, { method: "POST", body: JSON.stringify(body) });
      expect((await check(providers.proxied.providerPk, { nope: 1 })).status).toBe(400);
      expect((await check(providers.proxied.providerPk, { authorization: "Bearer unknown" })).status).toBe(401);
      expect((await check(999999, { authorization: "Bearer unknown" })).status).toBe(404);
      expect((await check("x", { authorization: "Bearer unknown" })).status).toBe(404);
      const bad = await api(`${providers.proxied.providerPk}/check_access/`, { method: "POST", body: "{not json" });
      expect(bad.status).toBe(400);
      expect(bad.headers.get("content-type")).toContain("json");
    });
  });

  // No Traefik or Envoy binary here: their requests as their docs describe them (Traefik
  // forwardAuth sends X-Forwarded-Proto/-Host/-Uri; Envoy ext_authz appends the path).
  it("the traefik and envoy forms read the original URL from their headers", async () => {
    const deps = server.deps;
    const provider = parseProvider(deps, await deps.store.oauth2.providerByPk(providers.nginx.providerPk))!;
    const tokens = await issueTokens(deps, { provider, issuer: `${idp}/application/o/nginx-app/`, user, scope: ["openid", "profile", "email"], auth: { authTime: Math.floor(Date.now() / 1000) } });
    const host = new URL(site.nginx).host;
    const traefik = { Host: "outpost.internal", "X-Forwarded-Proto": "http", "X-Forwarded-Host": host, "X-Forwarded-Uri": "/reports?q=1" };
    const anonymous = await rawGet(outpost.httpPort!, "/outpost.goauthentik.io/auth/traefik", traefik);
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.location).toBe(`${site.nginx}/outpost.goauthentik.io/start?rd=${encodeURIComponent(`${site.nginx}/reports?q=1`)}`);
    const ok = await rawGet(outpost.httpPort!, "/outpost.goauthentik.io/auth/traefik", { ...traefik, Authorization: `Bearer ${tokens.access_token}` });
    expect(ok.status).toBe(200);
    expect(ok.headers).toMatchObject({ "x-authentik-username": "pat", "x-authentik-email": "pat@example.com", "x-authentik-meta-app": "nginx-app" });
    const envoy = await rawGet(outpost.httpPort!, "/outpost.goauthentik.io/auth/envoy/reports?q=1", { Host: host });
    expect(envoy.status).toBe(302);
    expect(envoy.headers.location).toBe(`${site.nginx}/outpost.goauthentik.io/start?rd=${encodeURIComponent(`${site.nginx}/reports?q=1`)}`);
    const unknown = await rawGet(outpost.httpPort!, "/outpost.goauthentik.io/auth/traefik", { ...traefik, "X-Forwarded-Host": "elsewhere.test", Authorization: `Bearer ${tokens.access_token}` });
    expect(unknown.status).toBe(400);
  });

  describe("Caddy forward_auth (forward_single)", () => {
    it("unauthenticated requests are redirected to the login start", async () => {
      const res = await rawGet(caddy.port, "/dashboard", { Host: new URL(site.caddy).host, ...SPOOFED });
      expect(res.status).toBe(302);
      expect(res.headers.location).toBe(`${site.caddy}/outpost.goauthentik.io/start?rd=${encodeURIComponent(`${site.caddy}/dashboard`)}`);
      expect(reached("/dashboard")).toBe(false);
    });

    it("logs in through the flow pages; identity headers arrive, spoofed ones never do; sign_out ends it", async () => {
      const page = await chrome.context.newPage();
      await page.setExtraHTTPHeaders({ ...SPOOFED, "X-authentik-meta-app": "spoofed-app", "X-authentik-entitlements": "admin", "X-authentik-custom": "spoofed" });
      const echo = await loginThrough(page, `${site.caddy}/dashboard`);
      expectIdentity(echo, providers.caddy.clientId);
      expect(echo.headers["x-authentik-meta-app"]).toBe("caddy-app");
      expect(echo.headers["x-authentik-entitlements"]).toBeUndefined();
      expect(echo.headers["x-authentik-custom"]).toBeUndefined();
      await page.goto(`${site.caddy}/outpost.goauthentik.io/sign_out`);
      expect(page.url()).toMatch(new RegExp(`^${idp}/application/o/caddy-app/end-session/`));
      await page.goto(`${site.caddy}/dashboard`);
      expect(page.url()).toMatch(new RegExp(`^${idp}/if/flow/default-authentication-flow/`));
      await page.close();
    });
  });

  describe("reverse proxy mode", () => {
    const host = () => new URL(site.proxied).host;

    it("a browser is sent to login, an API client gets 401; skip paths pass without identity", async () => {
      const browser = await rawGet(outpost.httpPort!, "/app", { Host: host(), Accept: "text/html", ...SPOOFED });
      expect(browser.status).toBe(302);
      expect(browser.headers.location).toBe(`${site.proxied}/outpost.goauthentik.io/start?rd=${encodeURIComponent(`${site.proxied}/app`)}`);
      expect((await rawGet(outpost.httpPort!, "/api", { Host: host() })).status).toBe(401);
      expect(reached("/app") || reached("/api")).toBe(false);
      const open = await rawGet(outpost.httpPort!, "/public/logo.svg", { Host: host(), ...SPOOFED, "X-Authentik-Custom": "x" });
      expect(open.status).toBe(200);
      const echo = JSON.parse(open.body) as Echo;
      expect(Object.keys(echo.headers).filter((k) => k.startsWith("x-authentik-"))).toEqual([]);
    });

    it("logs in, forwards identity + Basic auth from attributes, strips spoofed headers, proxies WebSockets", async () => {
      const page = await chrome.context.newPage();
      await page.setExtraHTTPHeaders({ ...SPOOFED, "X-authentik-custom": "spoofed" });
      const echo = await loginThrough(page, `${site.proxied}/app?tab=1`);
      expectIdentity(echo, providers.proxied.clientId);
      expect(echo.headers["x-authentik-custom"]).toBeUndefined();
      expect(echo.headers.authorization).toBe(`Basic ${Buffer.from("pat-legacy:upstream-secret").toString("base64")}`);
      expect(echo.headers["x-forwarded-host"]).toBe(host());

      // A WebSocket opened by the page goes through the outpost with the session cookie.
      const first = await page.evaluate(
        () =>
          new Promise<string[]>((resolve, reject) => {
            const ws = new WebSocket(`ws://${location.host}/socket`);
            const got: string[] = [];
            ws.onmessage = (e) => {
              got.push(String(e.data));
              if (got.length === 1) ws.send("ping");
              else {
                ws.close();
                resolve(got);
              }
            };
            ws.onerror = () => reject(new Error("websocket failed"));
          }),
      );
      const upgrade = JSON.parse(first[0]!) as Echo;
      expect(upgrade.method).toBe("WEBSOCKET");
      expect(upgrade.headers["x-authentik-username"]).toBe("pat");
      expect(first[1]).toBe("echo:ping");
      // Without a session the upgrade is refused.
      const refused = await rawGet(outpost.httpPort!, "/socket", { Host: host(), Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==" });
      expect(refused.status).toBe(401);
      await page.close();
    });

    it("header auth: a Bearer access token of this provider, or Basic with an app password", async () => {
      const deps = server.deps;
      const provider = parseProvider(deps, await deps.store.oauth2.providerByPk(providers.proxied.providerPk))!;
      const tokens = await issueTokens(deps, { provider, issuer: `${idp}/application/o/proxied-app/`, user, scope: ["openid", "profile", "email"], auth: { authTime: Math.floor(Date.now() / 1000) } });
      const bearer = await rawGet(outpost.httpPort!, "/api/me", { Host: host(), Authorization: `Bearer ${tokens.access_token}`, ...SPOOFED });
      expect(bearer.status).toBe(200);
      expect(JSON.parse(bearer.body).headers).toMatchObject({ "x-authentik-username": "pat", "x-authentik-jwt": tokens.access_token });

      const key = "app-password-for-pat-0123456789";
      await deps.store.tokens.create({ identifier: "pat-app-password", intent: "app_password", userPk: user.pk, key, expiring: false });
      const basic = await rawGet(outpost.httpPort!, "/api/me", { Host: host(), Authorization: `Basic ${Buffer.from(`pat:${key}`).toString("base64")}` });
      expect(basic.status).toBe(200);
      expect(JSON.parse(basic.body).headers["x-authentik-username"]).toBe("pat");

      for (const bad of [`Basic ${Buffer.from("pat:wrong-password").toString("base64")}`, `Basic ${Buffer.from(`akadmin:${key}`).toString("base64")}`, "Bearer not-a-token", "Basic %%%"]) {
        expect((await rawGet(outpost.httpPort!, "/api/me", { Host: host(), Authorization: bad })).status).toBe(401);
      }
    });

    it("sign_out ends the proxied session", async () => {
      const page = await chrome.context.newPage();
      expect((await echoOf(page, `${site.proxied}/still-in`)).headers["x-authentik-username"]).toBe("pat");
      await page.goto(`${site.proxied}/outpost.goauthentik.io/sign_out`);
      expect(page.url()).toMatch(new RegExp(`^${idp}/application/o/proxied-app/end-session/`));
      await page.goto(`${site.proxied}/app`);
      expect(page.url()).toMatch(new RegExp(`^${idp}/if/flow/default-authentication-flow/`));
      await page.close();
    });

    it("a session too large for one cookie (60 groups) is split across cookies and still works", async () => {
      const deps = server.deps;
      const many = await seedProxyUser(deps, "many");
      for (let i = 0; i < 60; i++) {
        const g = await deps.store.groups.create({ name: `department-with-a-rather-long-name-${String(i).padStart(3, "0")}` });
        await deps.store.groups.addMember(g.pk, many.pk);
      }
      // After the sign-out above, the issuer asks for a login again.
      const context = chrome.context;
      const page = await context.newPage();
      const echo = await loginThrough(page, `${site.proxied}/big`, "many");
      expect(echo.headers["x-authentik-username"]).toBe("many");
      expect(String(echo.headers["x-authentik-groups"]).split("|")).toHaveLength(61);
      const names = (await context.cookies(site.proxied)).map((c) => c.name);
      expect(names.filter((n) => /^authentik_proxy_[0-9a-f]{8}(_\d)?$/.test(n)).length).toBeGreaterThan(1);
      await page.goto(`${site.proxied}/outpost.goauthentik.io/sign_out`);
      expect((await context.cookies(site.proxied)).filter((c) => c.name.startsWith("authentik_proxy_"))).toEqual([]);
      await page.close();
    });
  });
});
