/**
 * Issue 4 acceptance: Debian's Apache with `mod_auth_openidc` (a relying party nobody here wrote)
 * protects a CGI page through Threshold. Headless Chromium logs in through Threshold's flow pages,
 * the page shows the claims mod_auth_openidc passes as `OIDC_CLAIM_*`, and logout through
 * mod_auth_openidc's `?logout=` goes through Threshold's end-session and back, after which the
 * page asks for a login again. Then back-channel logout with mod_auth_openidc as the receiver: it
 * verifies Threshold's logout token (JWKS, iss, aud, events, sid) and ends its own session.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/core/config.js";
import { sha256Hex } from "../../src/core/encoding.js";
import { startNodeServer, type NodeServer } from "../../src/node/server.js";
import { createOAuth2Provider } from "../../src/protocols/oauth2/settings.js";
import { launchChromium, type LaunchedBrowser } from "../support/browser.js";
import { freePort, start, waitForHttp, type Spawned } from "../support/process.js";

const APACHE = "/usr/sbin/apache2";
const MODULES = "/usr/lib/apache2/modules";
const PASSWORD = "a-long-and-Unusual-passphrase-42";

/** Apache config: prefork + CGI, one protected location, one public page to come back to. */
function apacheConf(root: string, port: number, issuerMetadata: string, clientId: string, clientSecret: string): string {
  const mods = ["mpm_prefork", "authz_core", "authz_user", "authn_core", "auth_openidc", "cgi", "mime", "alias", "env", "headers", "dir"];
  const base = `http://127.0.0.1:${port}`;
  return [
    `ServerRoot "${root}"`,
    `ServerName 127.0.0.1`,
    `Listen 127.0.0.1:${port}`,
    `PidFile "${root}/apache2.pid"`,
    `ErrorLog "${root}/error.log"`,
    `LogLevel warn auth_openidc:info`,
    `Mutex file:${root} default`,
    `DefaultRuntimeDir "${root}"`,
    ...mods.map((m) => `LoadModule ${m === "auth_openidc" ? "auth_openidc_module" : `${m}_module`} ${MODULES}/mod_${m}.so`),
    `TypesConfig /etc/mime.types`,
    `DocumentRoot "${root}/htdocs"`,
    `<Directory "${root}/htdocs">`,
    `  Require all granted`,
    `</Directory>`,
    `OIDCProviderMetadataURL ${issuerMetadata}`,
    `OIDCClientID ${clientId}`,
    `OIDCClientSecret ${clientSecret}`,
    `OIDCRedirectURI ${base}/protected/redirect_uri`,
    `OIDCCryptoPassphrase ${"p".repeat(32)}`,
    `OIDCScope "openid email profile"`,
    `OIDCPKCEMethod S256`,
    `OIDCSSLValidateServer Off`,
    `OIDCCookieSameSite On`,
    `OIDCPassClaimsAs environment`,
    `ScriptAlias /protected/ "${root}/cgi/"`,
    `<Location /protected/>`,
    `  AuthType openid-connect`,
    `  Require valid-user`,
    `</Location>`,
    "",
  ].join("\n");
}

const CLAIMS_CGI = `#!/bin/sh
printf 'Content-Type: text/plain\\r\\n\\r\\n'
env | grep '^OIDC_CLAIM_' | sort
echo "REMOTE_USER=$REMOTE_USER"
`;

describe("Apache mod_auth_openidc protects a page through Threshold", () => {
  let server: NodeServer;
  let apache: Spawned;
  let chrome: LaunchedBrowser;
  let page: Page;
  let root: string;
  let dataDir: string;
  let apacheUrl: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "threshold-modoidc-"));
    root = mkdtempSync(join(tmpdir(), "threshold-apache-"));
    const cfg = { ...loadConfig({ THRESHOLD_ENVIRONMENT: "test", THRESHOLD_DATA_DIR: dataDir, THRESHOLD_SECRET_KEY: "s".repeat(40) }), PORT: 0 };
    server = await startNodeServer(cfg, { hostname: "127.0.0.1" });
    const deps = server.deps;
    const admin = await deps.store.users.byUsername("akadmin");
    await deps.store.users.setPassword(admin!.pk, await deps.passwords.hash(PASSWORD), deps.clock.now());

    const port = await freePort();
    apacheUrl = `http://127.0.0.1:${port}`;
    const flow = await deps.store.flows.bySlug("default-provider-authorization-implicit-consent");
    const created = await createOAuth2Provider(deps, {
      name: "Apache",
      authorizationFlowPk: flow!.pk,
      settings: {
        sub_mode: "user_username",
        // mod_auth_openidc's back-channel logout receiver (OIDC Back-Channel Logout 1.0).
        backchannel_logout_uri: `http://127.0.0.1:${port}/protected/redirect_uri?logout=backchannel`,
        redirect_uris: [
          { matching_mode: "strict", url: `${apacheUrl}/protected/redirect_uri` },
          { matching_mode: "strict", url: `${apacheUrl}/loggedout.html` },
        ],
      } as Record<string, unknown>,
    });
    await deps.store.oauth2.createApplication({ name: "Apache", slug: "apache", providerPk: created.provider.pk });

    // Threshold listens on 127.0.0.1; the issuer is built from the origin Apache and the browser use.
    const thresholdUrl = `http://127.0.0.1:${server.port}`;
    mkdirSync(join(root, "htdocs"));
    mkdirSync(join(root, "cgi"));
    writeFileSync(join(root, "htdocs", "loggedout.html"), "<!doctype html><title>bye</title><p>Signed out of the app</p>\n");
    writeFileSync(join(root, "cgi", "claims"), CLAIMS_CGI);
    chmodSync(join(root, "cgi", "claims"), 0o755);
    const conf = join(root, "apache2.conf");
    writeFileSync(conf, apacheConf(root, port, `${thresholdUrl}/application/o/apache/.well-known/openid-configuration`, created.clientId, created.clientSecret));
    apache = start(APACHE, ["-X", "-f", conf, "-DFOREGROUND"], { PATH: process.env.PATH ?? "/usr/bin:/bin", APACHE_RUN_DIR: root, APACHE_LOCK_DIR: root });
    await waitForHttp(`${apacheUrl}/loggedout.html`, { proc: apache });

    chrome = await launchChromium();
    page = await chrome.context.newPage();
  });
  afterAll(async () => {
    await chrome?.close();
    await apache?.stop();
    await server?.close();
    rmSync(root, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  const submit = () => Promise.all([page.waitForLoadState("load"), page.click('button[type="submit"]')]);

  it("logs in through the flow pages and the CGI page sees the claims", async () => {
    await page.goto(`${apacheUrl}/protected/claims`);
    // mod_auth_openidc sent the browser to Threshold's authorize → login flow.
    expect(page.url()).toContain(`127.0.0.1:${server.port}/if/flow/`);
    await page.fill('input[name="uid_field"]', "akadmin");
    await submit();
    await page.fill('input[name="password"]', PASSWORD);
    await Promise.all([page.waitForURL(`${apacheUrl}/protected/claims`), page.click('button[type="submit"]')]);
    const body = (await page.textContent("body")) ?? "";
    expect(body).toMatch(/^OIDC_CLAIM_preferred_username=akadmin$/m);
    expect(body).toMatch(/^OIDC_CLAIM_sub=akadmin$/m);
    expect(body).toMatch(new RegExp(`^OIDC_CLAIM_iss=http://127\\.0\\.0\\.1:${server.port}/application/o/apache/$`, "m"));
    expect(body).toMatch(/^OIDC_CLAIM_groups=authentik Admins$/m);
    expect(body).toMatch(/^REMOTE_USER=\S+$/m);
  });

  it("logs out through Threshold's end-session and then requires a login again", async () => {
    const back = `${apacheUrl}/loggedout.html`;
    const sessionKey = (await chrome.context.cookies(`http://127.0.0.1:${server.port}`)).find((c) => c.name === "authentik_session")!.value;
    expect(await server.deps.store.sessions.byKeyHash(await sha256Hex(sessionKey))).not.toBeNull();
    await page.goto(`${apacheUrl}/protected/redirect_uri?logout=${encodeURIComponent(back)}`);
    // mod_auth_openidc → end_session_endpoint (id_token_hint + post_logout_redirect_uri) → back.
    await page.waitForURL(back);
    expect(await page.textContent("body")).toMatch(/Signed out of the app/);
    expect(await server.deps.store.sessions.byKeyHash(await sha256Hex(sessionKey))).toBeNull();

    await page.goto(`${apacheUrl}/protected/claims`);
    expect(page.url()).toContain(`127.0.0.1:${server.port}/if/flow/`);
    expect(await page.locator('input[name="uid_field"]').count()).toBe(1);
  });

  it("back-channel logout: Threshold's logout token ends mod_auth_openidc's session", async () => {
    // Log in again (Threshold's session ended above).
    await page.goto(`${apacheUrl}/protected/claims`);
    await page.fill('input[name="uid_field"]', "akadmin");
    await submit();
    await page.fill('input[name="password"]', PASSWORD);
    await Promise.all([page.waitForURL(`${apacheUrl}/protected/claims`), page.click('button[type="submit"]')]);
    expect(await page.textContent("body")).toMatch(/^OIDC_CLAIM_sub=akadmin$/m);

    // Log out at Threshold directly: mod_auth_openidc learns of it only through the back channel.
    const clientId = /^OIDC_CLAIM_aud=(\S+)$/m.exec((await page.textContent("body")) ?? "")![1]!;
    await page.goto(`http://127.0.0.1:${server.port}/application/o/apache/end-session/?client_id=${clientId}`);
    expect(await page.textContent("body")).toMatch(/logged out/i);
    await (server.deps.queue as unknown as { drain(): Promise<void> }).drain();
    expect(readFileSync(join(root, "error.log"), "utf8")).not.toMatch(/logout_token|backchannel.*error/i);

    await page.goto(`${apacheUrl}/protected/claims`);
    expect(page.url()).toContain(`127.0.0.1:${server.port}/if/flow/`);
    expect(await page.locator('input[name="uid_field"]').count()).toBe(1);
  });
});
