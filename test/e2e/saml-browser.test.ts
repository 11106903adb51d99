/**
 * Issue 5 in a real browser: Debian's Chromium through Threshold's login and consent pages on
 * the Node host, with @node-saml/node-saml as the SP (its endpoints intercepted in the browser):
 * SP-initiated over Redirect and POST (a real cross-site form post), IdP-initiated, and SLO.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SAML } from "@node-saml/node-saml";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/core/config.js";
import { sha256Hex } from "../../src/core/encoding.js";
import { startNodeServer, type NodeServer } from "../../src/node/server.js";
import { importCertificate } from "../../src/protocols/saml/keys.js";
import { createSamlProvider } from "../../src/protocols/saml/settings.js";
import { launchChromium, type LaunchedBrowser } from "../support/browser.js";
import { ACS, metadataCertificate, opensslKeyPair, SLS, SP_ENTITY } from "../support/saml.js";

const PASSWORD = "a-long-and-Unusual-passphrase-42";
const USERNAME_ATTR = "http://schemas.goauthentik.io/2021/02/saml/username";

describe("SAML SSO through the flow pages in headless Chromium, node-saml as the SP", () => {
  let server: NodeServer;
  let chrome: LaunchedBrowser;
  let page: Page;
  let dataDir: string;
  let sp: SAML;
  let base: string;
  const posts: Record<string, string>[] = [];
  const gets: URL[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "threshold-saml-"));
    const cfg = { ...loadConfig({ THRESHOLD_ENVIRONMENT: "test", THRESHOLD_DATA_DIR: dataDir, THRESHOLD_SECRET_KEY: "s".repeat(40) }), PORT: 0 };
    server = await startNodeServer(cfg, { hostname: "127.0.0.1" });
    const deps = server.deps;
    await deps.store.users.create({ username: "carol", name: "Carol C", email: "carol@example.com", emailVerified: true, passwordHash: await deps.passwords.hash(PASSWORD) });
    const flow = await deps.store.flows.bySlug("default-provider-authorization-explicit-consent");
    const keys = opensslKeyPair();
    const spCert = await importCertificate(deps, "node-saml SP", keys.cert);
    const provider = await createSamlProvider(deps, {
      name: "Wiki",
      authorizationFlowPk: flow!.pk,
      settings: {
        acs_url: ACS,
        audience: SP_ENTITY,
        issuer: "threshold-e2e",
        sp_binding: "post",
        sls_url: SLS,
        verification_kp: spCert.pk,
        sign_response: true,
        default_relay_state: "idp-initiated",
      },
    });
    await deps.store.oauth2.createApplication({ name: "Wiki", slug: "wiki", providerPk: provider.pk });
    base = `${server.url}/application/saml/wiki`;
    const metadata = await (await fetch(`${base}/metadata/`)).text();
    sp = new SAML({
      callbackUrl: ACS,
      entryPoint: `${base}/sso/binding/redirect/`,
      logoutUrl: `${base}/slo/binding/redirect/`,
      issuer: SP_ENTITY,
      audience: SP_ENTITY,
      idpIssuer: "threshold-e2e",
      idpCert: metadataCertificate(metadata),
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: true,
      privateKey: keys.key,
      signatureAlgorithm: "sha256",
      identifierFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
    });
    chrome = await launchChromium();
    page = await chrome.context.newPage();
    // The SP's endpoints never leave the machine: the browser hands them to the test.
    await page.route("https://sp.example.com/**", async (route) => {
      const req = route.request();
      if (req.method() === "POST") posts.push(Object.fromEntries(new URLSearchParams(req.postData() ?? "")));
      else gets.push(new URL(req.url()));
      const login = new URL(req.url()).pathname === "/login";
      await route.fulfill({ status: 200, contentType: "text/html", body: login ? loginForm : "<p>sp</p>" });
    });
  });
  afterAll(async () => {
    await chrome?.close();
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  let loginForm = "";
  const submit = () => Promise.all([page.waitForLoadState("load"), page.click('button[type="submit"]')]);
  const consentToAcs = () => Promise.all([page.waitForURL(ACS), page.click('button[type="submit"]')]);

  it("SP-initiated over HTTP-Redirect: log in, consent, and node-saml validates the posted Response", async () => {
    const url = await sp.getAuthorizeUrlAsync("relay-1", undefined, {});
    await page.goto(url);
    await page.fill('input[name="uid_field"]', "carol");
    await submit();
    await page.fill('input[name="password"]', PASSWORD);
    await submit();
    expect(await page.textContent("body")).toMatch(/Wiki/);
    await consentToAcs();
    const fields = posts.pop()!;
    expect(fields.RelayState).toBe("relay-1");
    const { profile } = await sp.validatePostResponseAsync(fields);
    expect(profile!.nameID).toBe("carol@example.com");
    expect(profile![USERNAME_ATTR]).toBe("carol");
  });

  it("SP-initiated over HTTP-POST: the SP's auto-submitting form crosses sites; the session still applies", async () => {
    const postSp = new SAML({ ...sp.options, authnRequestBinding: "HTTP-POST", entryPoint: `${base}/sso/binding/post/` });
    loginForm = await postSp.getAuthorizeFormAsync("relay-2", undefined);
    await page.goto("https://sp.example.com/login");
    // Logged in already: straight to the consent page (no login form).
    await page.waitForSelector('button[type="submit"]');
    expect(await page.locator('input[name="password"]').count()).toBe(0);
    await consentToAcs();
    const fields = posts.pop()!;
    expect(fields.RelayState).toBe("relay-2");
    const { profile } = await postSp.validatePostResponseAsync(fields);
    expect(profile![USERNAME_ATTR]).toBe("carol");
  });

  it("IdP-initiated login from Threshold's init URL", async () => {
    await page.goto(`${base}/sso/binding/init/`);
    await consentToAcs();
    const fields = posts.pop()!;
    expect(fields.RelayState).toBe("idp-initiated");
    const { profile } = await sp.validatePostResponseAsync(fields);
    expect(profile![USERNAME_ATTR]).toBe("carol");
  });

  it("SP-initiated SLO ends the browser's session and returns to the SP's SLS", async () => {
    await page.goto(await sp.getAuthorizeUrlAsync("", undefined, {}));
    await consentToAcs();
    const { profile } = await sp.validatePostResponseAsync(posts.pop()!);
    const sessionKey = (await chrome.context.cookies()).find((c) => c.name === "authentik_session")!.value;
    expect(await server.deps.store.sessions.byKeyHash(await sha256Hex(sessionKey))).not.toBeNull();
    const logout = new URL(await sp.getLogoutUrlAsync(profile!, "bye", {}));
    await Promise.all([page.waitForURL((u) => u.toString().startsWith(SLS)), page.goto(`${server.url}${logout.pathname}${logout.search}`)]);
    const back = gets.at(-1)!;
    expect(back.origin + back.pathname).toBe(SLS);
    const result = await sp.validateRedirectAsync(Object.fromEntries(back.searchParams), back.search.slice(1));
    expect(result.loggedOut).toBe(true);
    expect(await server.deps.store.sessions.byKeyHash(await sha256Hex(sessionKey))).toBeNull();
  });
});
