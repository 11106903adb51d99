/**
 * Issue 5 acceptance: Debian's Apache with `mod_auth_mellon` (Lasso; an SP nobody here wrote)
 * protects a CGI page through Threshold. The SP's key, certificate and metadata come from
 * mellon's own `mellon_create_metadata`; the Threshold provider is created from that metadata
 * (signed AuthnRequests required, assertions encrypted to mellon's key), and mellon trusts
 * Threshold's published metadata. Headless Chromium logs in through the flow pages; mellon's
 * logout runs SAML SLO through Threshold and back.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/core/config.js";
import { sha256Hex } from "../../src/core/encoding.js";
import { startNodeServer, type NodeServer } from "../../src/node/server.js";
import { parseSamlProvider } from "../../src/protocols/saml/settings.js";
import { createSamlProviderFromMetadata } from "../../src/protocols/saml/sp-metadata.js";
import { launchChromium, type LaunchedBrowser } from "../support/browser.js";
import { freePort, start, waitForHttp, type Spawned } from "../support/process.js";

const APACHE = "/usr/sbin/apache2";
const MODULES = "/usr/lib/apache2/modules";
const PASSWORD = "a-long-and-Unusual-passphrase-42";
const USERNAME_ATTR = "http://schemas.goauthentik.io/2021/02/saml/username";
const EMAIL_ATTR = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress";

function apacheConf(root: string, port: number): string {
  const mods = ["mpm_prefork", "authz_core", "authz_user", "authn_core", "auth_mellon", "cgi", "mime", "alias", "env", "setenvif", "dir"];
  return [
    `ServerRoot "${root}"`,
    `ServerName 127.0.0.1`,
    `Listen 127.0.0.1:${port}`,
    `PidFile "${root}/apache2.pid"`,
    `ErrorLog "${root}/error.log"`,
    `LogLevel warn auth_mellon:info`,
    `Mutex file:${root} default`,
    `DefaultRuntimeDir "${root}"`,
    ...mods.map((m) => `LoadModule ${m}_module ${MODULES}/mod_${m}.so`),
    `TypesConfig /etc/mime.types`,
    `DocumentRoot "${root}/htdocs"`,
    `<Directory "${root}/htdocs">`,
    `  Require all granted`,
    `</Directory>`,
    `ScriptAlias /protected/ "${root}/cgi/"`,
    `<Location />`,
    `  MellonEnable info`,
    `  MellonEndpointPath /mellon`,
    `  MellonSPPrivateKeyFile "${root}/sp.key"`,
    `  MellonSPCertFile "${root}/sp.cert"`,
    `  MellonSPMetadataFile "${root}/sp.xml"`,
    `  MellonIdPMetadataFile "${root}/idp.xml"`,
    `  MellonSetEnvNoPrefix SAML_USERNAME "${USERNAME_ATTR}"`,
    `  MellonSetEnvNoPrefix SAML_EMAIL "${EMAIL_ATTR}"`,
    `  MellonSecureCookie Off`,
    // Plain http in the test: mellon marks its cookie "SameSite=None" without Secure on the way
    // to the IdP, which Chromium drops; without SameSite it is Lax, enough for a same-site POST.
    `  SetEnvIf Request_URI "." MELLON_DISABLE_SAMESITE=1`,
    `</Location>`,
    `<Location /protected/>`,
    `  AuthType Mellon`,
    `  MellonEnable auth`,
    `  Require valid-user`,
    `</Location>`,
    "",
  ].join("\n");
}

const CGI = `#!/bin/sh
printf 'Content-Type: text/plain\\r\\n\\r\\n'
echo "REMOTE_USER=$REMOTE_USER"
echo "SAML_USERNAME=$SAML_USERNAME"
echo "SAML_EMAIL=$SAML_EMAIL"
echo "MELLON_NAME_ID=$MELLON_NAME_ID"
`;

describe("Apache mod_auth_mellon protects a page through Threshold's SAML IdP", () => {
  let server: NodeServer;
  let apache: Spawned;
  let chrome: LaunchedBrowser;
  let page: Page;
  let root: string;
  let dataDir: string;
  let apacheUrl: string;
  let thresholdUrl: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "threshold-mellon-"));
    root = mkdtempSync(join(tmpdir(), "threshold-apache-mellon-"));
    const cfg = { ...loadConfig({ THRESHOLD_ENVIRONMENT: "test", THRESHOLD_DATA_DIR: dataDir, THRESHOLD_SECRET_KEY: "s".repeat(40) }), PORT: 0 };
    server = await startNodeServer(cfg, { hostname: "127.0.0.1" });
    thresholdUrl = `http://127.0.0.1:${server.port}`;
    const deps = server.deps;
    await deps.store.users.create({ username: "dave", name: "Dave D", email: "dave@example.com", emailVerified: true, passwordHash: await deps.passwords.hash(PASSWORD) });

    const port = await freePort();
    apacheUrl = `http://127.0.0.1:${port}`;
    // mellon's own tool makes the SP key, certificate and metadata (AuthnRequestsSigned="true").
    execFileSync("mellon_create_metadata", [`${apacheUrl}/mellon/metadata`, `${apacheUrl}/mellon`], { cwd: root, stdio: "ignore" });
    for (const f of readdirSync(root)) {
      const ext = f.split(".").pop()!;
      if (["key", "cert", "xml"].includes(ext)) renameSync(join(root, f), join(root, `sp.${ext}`));
    }
    chmodSync(join(root, "sp.key"), 0o644); // Apache's children run as another user
    chmodSync(root, 0o755);

    const flow = await deps.store.flows.bySlug("default-provider-authorization-implicit-consent");
    const provider = await createSamlProviderFromMetadata(deps, {
      name: "Apache mellon",
      authorizationFlowPk: flow!.pk,
      metadata: readFileSync(join(root, "sp.xml"), "utf8"),
      settings: { issuer: `${thresholdUrl}/application/saml/mellon/metadata/` },
    });
    const parsed = parseSamlProvider(deps, provider)!;
    expect(parsed.settings).toMatchObject({ acs_url: `${apacheUrl}/mellon/postResponse`, sp_binding: "post", audience: `${apacheUrl}/mellon/metadata`, sls_url: `${apacheUrl}/mellon/logout`, sls_binding: "redirect" });
    expect(parsed.settings.verification_kp).toBeTruthy();
    expect(parsed.settings.encryption_kp).toBeTruthy();
    await deps.store.oauth2.createApplication({ name: "Apache mellon", slug: "mellon", providerPk: provider.pk });

    writeFileSync(join(root, "idp.xml"), await (await fetch(`${thresholdUrl}/application/saml/mellon/metadata/`)).text());
    mkdirSync(join(root, "htdocs"));
    mkdirSync(join(root, "cgi"));
    writeFileSync(join(root, "htdocs", "bye.html"), "<!doctype html><title>bye</title><p>Signed out of the app</p>\n");
    writeFileSync(join(root, "cgi", "whoami"), CGI);
    chmodSync(join(root, "cgi", "whoami"), 0o755);
    const conf = join(root, "apache2.conf");
    writeFileSync(conf, apacheConf(root, port));
    apache = start(APACHE, ["-X", "-f", conf, "-DFOREGROUND"], { PATH: process.env.PATH ?? "/usr/bin:/bin", APACHE_RUN_DIR: root, APACHE_LOCK_DIR: root });
    await waitForHttp(`${apacheUrl}/bye.html`, { proc: apache });

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
  const errorLog = () => readFileSync(join(root, "error.log"), "utf8");

  it("logs in through the flow pages; mellon accepts the signed, encrypted assertion and the page sees the attributes", async () => {
    await page.goto(`${apacheUrl}/protected/whoami`);
    // mellon sent a signed AuthnRequest (Redirect binding) to Threshold → login flow.
    expect(page.url()).toContain(`127.0.0.1:${server.port}/if/flow/`);
    await page.fill('input[name="uid_field"]', "dave");
    await submit();
    await page.fill('input[name="password"]', PASSWORD);
    await Promise.all([page.waitForURL(`${apacheUrl}/protected/whoami`), page.click('button[type="submit"]')]);
    const body = (await page.textContent("body")) ?? "";
    expect(body, errorLog()).toMatch(/^SAML_USERNAME=dave$/m);
    expect(body).toMatch(/^SAML_EMAIL=dave@example\.com$/m);
    expect(body).toMatch(/^REMOTE_USER=\S+$/m);
    expect(body).toMatch(/^MELLON_NAME_ID=\S+$/m);
  });

  it("mellon's logout runs SLO through Threshold (signed both ways) and the page requires a login again", async () => {
    const sessionKey = (await chrome.context.cookies(thresholdUrl)).find((c) => c.name === "authentik_session")!.value;
    expect(await server.deps.store.sessions.byKeyHash(await sha256Hex(sessionKey))).not.toBeNull();
    const back = `${apacheUrl}/bye.html`;
    await page.goto(`${apacheUrl}/mellon/logout?ReturnTo=${encodeURIComponent(back)}`);
    await page.waitForURL(back);
    expect(await page.textContent("body"), errorLog()).toMatch(/Signed out of the app/);
    expect(await server.deps.store.sessions.byKeyHash(await sha256Hex(sessionKey))).toBeNull();
    await page.goto(`${apacheUrl}/protected/whoami`);
    expect(page.url()).toContain(`127.0.0.1:${server.port}/if/flow/`);
  });
});
