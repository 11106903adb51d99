/**
 * The outpost as it ships (the esbuild bundle of `npm run build -w outpost`, run by plain node and
 * configured by env) next
 * to the Node host: LDAPS on its own port with a self-signed certificate generated here (Debian's
 * ldapwhoami verifying it against the CA file, ldapts with the CA), and restarts that lose
 * nothing: proxy sessions survive (the cookie is self-contained, its key comes back with the
 * configuration), LDAP clients reconnect, signed-out sessions stay signed out, and with the
 * issuer unreachable the saved configuration keeps sessions working while binds fail fast (52).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import { Client, UnavailableError } from "ldapts";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/core/config.js";
import { startNodeServer, type NodeServer } from "../../src/node/server.js";
import { createOutpost } from "../../src/protocols/ldap/outposts.js";
import type { LaunchedBrowser } from "../support/browser.js";
import { BASE_DN, LDAP_PASSWORD, seedLdapDirectory, userDn } from "../support/ldap.js";
import { cleanEnv, freePort, start, waitForHttp, type Spawned } from "../support/process.js";
import { launchChromiumWithHosts, PROXY_PASSWORD, rawGet, seedProxyProvider, seedProxyUser, startUpstream, type Echo, type Upstream } from "../support/proxy.js";

const run = promisify(execFile);

describe("outpost process: LDAPS and restarts", () => {
  let server: NodeServer;
  let upstream: Upstream;
  let chrome: LaunchedBrowser;
  let dir: string;
  let outpost: Spawned | null = null;
  let ports: { ldap: number; ldaps: number; http: number; health: number };
  let env: NodeJS.ProcessEnv;
  let site: string;
  let idp: string;
  const ca = () => join(dir, "cert.pem");

  async function startProcess(extra: Record<string, string> = {}): Promise<Spawned> {
    const proc = start(process.execPath, [join(dir, "outpost.cjs")], { ...env, ...extra });
    outpost = proc;
    return proc;
  }

  async function stopProcess(): Promise<void> {
    const code = await outpost!.stop("SIGTERM");
    expect(code, outpost!.output().slice(-2000)).toBe(0);
    expect(outpost!.output()).toContain('"msg":"outpost stopped"');
    outpost = null;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "threshold-outpost-"));
    // outpost/package.json's `build` (CJS: ldapjs assigns to getter-only properties, which only sloppy mode ignores).
    await build({ entryPoints: ["outpost/src/main.ts"], bundle: true, minify: true, keepNames: true, platform: "node", format: "cjs", target: "node20", outfile: join(dir, "outpost.cjs"), logLevel: "warning" });
    // A self-signed certificate for 127.0.0.1, as an admin would make one for a LAN outpost.
    await run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", join(dir, "key.pem"), "-out", ca(), "-days", "1", "-subj", "/CN=outpost.test", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"]);
    const config = { ...loadConfig({ THRESHOLD_ENVIRONMENT: "test", THRESHOLD_DATA_DIR: join(dir, "data"), THRESHOLD_SECRET_KEY: "s".repeat(40) }), PORT: 0 };
    server = await startNodeServer(config, { hostname: "127.0.0.1" });
    const deps = server.deps;
    const fx = await seedLdapDirectory(deps);
    await seedProxyUser(deps);
    upstream = await startUpstream();
    ports = { ldap: await freePort(), ldaps: await freePort(), http: await freePort(), health: await freePort() };
    site = `http://app.test:${ports.http}`;
    idp = `http://idp.test:${server.port}`;
    const proxy = await seedProxyProvider(deps, { name: "Restart app", slug: "restart-app", settings: { mode: "proxy", external_host: site, internal_host: upstream.url } });
    const { token } = await createOutpost(deps, { name: "lan-outpost", type: "proxy", providerPks: [fx.providerPk, proxy.providerPk] });
    env = cleanEnv({
      THRESHOLD_HOST: `http://127.0.0.1:${server.port}`,
      THRESHOLD_HOST_BROWSER: idp,
      THRESHOLD_TOKEN: token,
      THRESHOLD_LISTEN: "127.0.0.1",
      THRESHOLD_LDAP_PORT: String(ports.ldap),
      THRESHOLD_LDAPS_PORT: String(ports.ldaps),
      THRESHOLD_HTTP_PORT: String(ports.http),
      THRESHOLD_HEALTH_PORT: String(ports.health),
      THRESHOLD_TLS_CERT: ca(),
      THRESHOLD_TLS_KEY: join(dir, "key.pem"),
      THRESHOLD_STATE_DIR: join(dir, "state"),
    });
    const proc = await startProcess();
    await waitForHttp(`http://127.0.0.1:${ports.health}/-/health/ready/`, { proc, timeoutMs: 60_000 });
    chrome = await launchChromiumWithHosts();
  });
  afterAll(async () => {
    await chrome?.close();
    await outpost?.stop("SIGKILL");
    await upstream?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves LDAPS with the configured certificate (ldapwhoami verifies it against the CA; ldapts too)", async () => {
    // (No LDAPNOINIT here: it would make libldap ignore the LDAPTLS_* variables too.)
    const ldaps = (caFile: string) =>
      run("ldapwhoami", ["-x", "-H", `ldaps://127.0.0.1:${ports.ldaps}`, "-D", userDn("alice"), "-w", LDAP_PASSWORD], { env: { ...process.env, LDAPTLS_CACERT: caFile, LDAPTLS_REQCERT: "demand" } });
    expect((await ldaps(ca())).stdout.trim()).toBe(`dn:${userDn("alice")}`);
    // A client trusting another CA is refused at the handshake.
    await run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", join(dir, "other-key.pem"), "-out", join(dir, "other.pem"), "-days", "1", "-subj", "/CN=other", "-addext", "subjectAltName=IP:127.0.0.1"]);
    const untrusted = await ldaps(join(dir, "other.pem")).then(() => null, (e: { code: number; stderr: string }) => e);
    expect(untrusted?.stderr).toContain("Can't contact LDAP server");
    const client = new Client({ url: `ldaps://127.0.0.1:${ports.ldaps}`, tlsOptions: { ca: [readFileSync(ca())] } });
    await client.bind(userDn("bob"), LDAP_PASSWORD);
    const { searchEntries } = await client.search(`ou=users,${BASE_DN}`, { filter: "(cn=bob)" });
    expect(searchEntries.map((e) => e.dn)).toEqual([userDn("bob")]);
    await client.unbind();
    // Plain LDAP on its own port is unaffected.
    const plain = new Client({ url: `ldap://127.0.0.1:${ports.ldap}` });
    await plain.bind(userDn("alice"), LDAP_PASSWORD);
    await plain.unbind();
  });

  const echoOf = async (page: Page, url: string) => {
    await page.goto(url);
    expect(page.url()).toBe(url);
    return JSON.parse((await page.textContent("body"))!) as Echo;
  };
  async function login(page: Page, url: string): Promise<void> {
    await page.goto(url);
    expect(page.url()).toMatch(new RegExp(`^${idp}/if/flow/`));
    await page.fill('input[name="uid_field"]', "pat");
    await Promise.all([page.waitForLoadState("load"), page.click('button[type="submit"]')]);
    await page.fill('input[name="password"]', PROXY_PASSWORD);
    await Promise.all([page.waitForURL(url), page.click('button[type="submit"]')]);
  }
  const sessionCookie = async () => {
    const c = (await chrome.context.cookies(site)).find((k) => /^authentik_proxy_[0-9a-f]{8}$/.test(k.name));
    return `${c!.name}=${c!.value}`;
  };

  it("a restart loses nothing: the proxy session still works, LDAP clients reconnect, the configuration comes back", async () => {
    const page = await chrome.context.newPage();
    await login(page, `${site}/before`);
    const ldap = new Client({ url: `ldap://127.0.0.1:${ports.ldap}` });
    await ldap.bind(userDn("alice"), LDAP_PASSWORD);
    expect((await ldap.search(`ou=users,${BASE_DN}`, { filter: "(cn=alice)" })).searchEntries).toHaveLength(1);

    await stopProcess();
    const proc = await startProcess();
    const ready = await waitForHttp(`http://127.0.0.1:${ports.health}/-/health/ready/`, { proc, timeoutMs: 60_000 });
    expect(await ready.res.json()).toMatchObject({ status: "ok", providers: 2 });

    // Same browser, no new login: the session cookie is still accepted.
    expect((await echoOf(page, `${site}/after`)).headers["x-authentik-username"]).toBe("pat");
    // The LDAP client's connection was closed by the restart; it reconnects and binds again.
    await ldap.bind(userDn("alice"), LDAP_PASSWORD);
    expect((await ldap.search(`ou=users,${BASE_DN}`, { filter: "(cn=alice)" })).searchEntries).toHaveLength(1);
    await ldap.unbind();
    await page.close();
  });

  it("signed-out sessions stay signed out across a restart; with the issuer unreachable, sessions keep working from the saved configuration and binds fail fast", async () => {
    const page = await chrome.context.newPage();
    const old = await sessionCookie();
    await page.goto(`${site}/outpost.goauthentik.io/sign_out`);
    await login(page, `${site}/again`);
    const current = await sessionCookie();
    expect(current).not.toBe(old);

    await stopProcess();
    // The issuer is gone (a closed port) when the outpost comes back.
    const proc = await startProcess({ THRESHOLD_HOST: `http://127.0.0.1:${await freePort()}` });
    await waitForHttp(`http://127.0.0.1:${ports.health}/-/health/live/`, { proc, timeoutMs: 60_000 });
    await waitForHttp(`http://127.0.0.1:${ports.http}/outpost.goauthentik.io/ping`, { proc, status: 204, timeoutMs: 60_000 });
    expect(proc.output()).toContain("serving the saved configuration");

    const host = new URL(site).host;
    const ok = await rawGet(ports.http, "/offline", { Host: host, Cookie: current });
    expect(ok.status).toBe(200);
    expect((JSON.parse(ok.body) as Echo).headers["x-authentik-username"]).toBe("pat");
    const revoked = await rawGet(ports.http, "/offline", { Host: host, Cookie: old, Accept: "text/html" });
    expect(revoked.status).toBe(302);

    const ldap = new Client({ url: `ldap://127.0.0.1:${ports.ldap}`, timeout: 10_000 });
    await expect(ldap.bind(userDn("bob"), LDAP_PASSWORD)).rejects.toBeInstanceOf(UnavailableError);
    await ldap.unbind();
    await page.close();
  });
});
