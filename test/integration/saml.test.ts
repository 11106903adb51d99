/**
 * SAML 2.0 IdP in-process with @node-saml/node-saml 5 as the SP: SP-initiated SSO over the
 * Redirect and POST bindings (signed AuthnRequests verified), IdP-initiated SSO, SLO, encrypted
 * assertions, NameID and attribute mappings, and xmlsec1 verifying both signatures with the
 * certificate from Threshold's metadata.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer } from "node:http";
import { inflateRawSync } from "node:zlib";
import type { AddressInfo } from "node:net";
import { applyBlueprint } from "../../src/adapters/postgres/blueprints.js";
import type { DrizzleStore } from "../../src/adapters/postgres/store.js";
import { parseBlueprint } from "../../src/blueprints/parse.js";
import { certificateBody as certificateBodyOf, createSamlKeyPair } from "../../src/protocols/saml/keys.js";
import { parseSamlProvider } from "../../src/protocols/saml/settings.js";
import { createSamlProviderFromMetadata, fetchMetadata, parseSpMetadata, refreshFromMetadata } from "../../src/protocols/saml/sp-metadata.js";
import { seedFlow } from "../support/flows.js";
import { login } from "../support/oauth2.js";
import { ACS, ORIGIN, certificatePem, metadataCertificate, readForm, readRedirectPage, responseXml, setupSaml, signXml, SLS, SP_ENTITY, type SamlEnv } from "../support/saml.js";
import type { FlowClient } from "../support/flows.js";

const EMAIL_ATTR = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress";
const USERNAME_ATTR = "http://schemas.goauthentik.io/2021/02/saml/username";
const UID_ATTR = "http://schemas.goauthentik.io/2021/02/saml/uid";
const GROUP_ATTR = "http://schemas.xmlsoap.org/claims/Group";

/** Follows same-origin redirects; returns the final (non-redirect) response. */
async function follow(browser: FlowClient, path: string, init: RequestInit = {}): Promise<Response> {
  let res = await browser.request(path, init);
  for (let i = 0; i < 10 && res.status >= 300 && res.status < 400; i++) {
    const next = new URL(res.headers.get("location")!, "http://localhost");
    res = await browser.request(next.pathname + next.search);
  }
  return res;
}

function postForm(fields: Record<string, string>): RequestInit {
  return { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(fields).toString() };
}

/** Runs `xmlsec1 --verify` on the signature at `node` of `xml` with the IdP certificate (PEM). */
function xmlsecVerify(xml: string, certPem: string, node: string): void {
  const dir = mkdtempSync(join(tmpdir(), "threshold-xmlsec-"));
  try {
    writeFileSync(join(dir, "response.xml"), xml);
    writeFileSync(join(dir, "idp.pem"), certPem);
    execFileSync(
      "xmlsec1",
      [
        "--verify",
        "--pubkey-cert-pem",
        join(dir, "idp.pem"),
        "--id-attr:ID",
        "urn:oasis:names:tc:SAML:2.0:protocol:Response",
        "--id-attr:ID",
        "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
        "--id-attr:ID",
        "urn:oasis:names:tc:SAML:2.0:protocol:LogoutResponse",
        "--node-xpath",
        node,
        join(dir, "response.xml"),
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const RESPONSE_SIG = "/*[local-name()='Response']/*[local-name()='Signature']";
const ASSERTION_SIG = "//*[local-name()='Assertion']/*[local-name()='Signature']";

describe("SAML IdP with node-saml as the SP (in-process)", () => {
  let env: SamlEnv;
  let browser: FlowClient;

  beforeAll(async () => {
    env = await setupSaml({ verify: true, settings: { sign_response: true } });
    browser = env.browser();
    await login(browser);
  });
  afterAll(async () => {
    await env.deps.queue.drain();
    await env.deps.store.close();
  });

  it("publishes metadata with the signing certificate, both bindings and WantAuthnRequestsSigned", async () => {
    const res = await env.app.request(`${env.base}/metadata/`, {}, env.deps);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/xml/);
    const xml = await res.text();
    expect(xml).toContain(`entityID="threshold-`);
    expect(xml).toContain('WantAuthnRequestsSigned="true"');
    expect(xml).toContain(`Location="${env.base}/sso/binding/redirect/"`);
    expect(xml).toContain(`Location="${env.base}/sso/binding/post/"`);
    expect(xml).toContain(`Location="${env.base}/slo/binding/redirect/"`);
    const cert = execFileSync("openssl", ["x509", "-noout", "-subject"], { input: certificatePem(metadataCertificate(xml)) }).toString();
    expect(cert).toMatch(/CN\s*=\s*threshold/);
  });

  it("SP-initiated over HTTP-Redirect with a signed request: node-saml validates NameID and attributes", async () => {
    const sp = await env.client();
    const url = new URL(await sp.getAuthorizeUrlAsync("relay-redirect", undefined, {}));
    expect(url.searchParams.get("Signature")).toBeTruthy();
    const res = await follow(browser, url.pathname + url.search);
    expect(res.status).toBe(200);
    const { action, fields } = readForm(await res.text());
    expect(action).toBe(ACS);
    expect(fields.RelayState).toBe("relay-redirect");
    const { profile } = await sp.validatePostResponseAsync(fields);
    expect(profile!.nameID).toBe("alice@example.com");
    expect(profile!.nameIDFormat).toBe("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress");
    expect(profile![EMAIL_ATTR]).toBe("alice@example.com");
    expect(profile![USERNAME_ATTR]).toBe("alice");
    expect(profile![UID_ATTR]).toBe(String(env.user.pk));
    expect(profile![GROUP_ATTR]).toEqual(expect.arrayContaining(["engineers", "staff"]));
    expect(profile!["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"]).toBe("alice@example.com");
    expect(profile!["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"]).toBe("Alice A");
    expect(profile!["http://schemas.microsoft.com/ws/2008/06/identity/claims/windowsaccountname"]).toBe("alice");
    expect(profile!.issuer).toMatch(/^threshold-/);
    expect(env.deps.logLines.filter((l) => l.includes("saml property mapping failed"))).toEqual([]);
  });

  it("SP-initiated over HTTP-POST with an enveloped signature", async () => {
    const sp = await env.client({ authnRequestBinding: "HTTP-POST", entryPoint: `${env.base}/sso/binding/post/` });
    const html = await sp.getAuthorizeFormAsync("relay-post", undefined);
    const request = readForm(html);
    expect(request.action).toBe(`${env.base}/sso/binding/post/`);
    const res = await follow(browser, new URL(request.action).pathname, postForm(request.fields));
    const { fields } = readForm(await res.text());
    expect(fields.RelayState).toBe("relay-post");
    const { profile } = await sp.validatePostResponseAsync(fields);
    expect(profile!.nameID).toBe("alice@example.com");
  });

  it("xmlsec1 accepts the Response and Assertion signatures with the certificate from the metadata", async () => {
    const sp = await env.client();
    const url = new URL(await sp.getAuthorizeUrlAsync("", undefined, {}));
    const { fields } = readForm(await (await follow(browser, url.pathname + url.search)).text());
    const xml = responseXml(fields);
    const metadata = await (await env.app.request(`${env.base}/metadata/`, {}, env.deps)).text();
    const cert = certificatePem(metadataCertificate(metadata));
    xmlsecVerify(xml, cert, RESPONSE_SIG);
    xmlsecVerify(xml, cert, ASSERTION_SIG);
    // A tampered assertion fails.
    const tampered = xml.replace("alice@example.com</saml:AttributeValue>", "mallory@example.com</saml:AttributeValue>");
    expect(tampered).not.toBe(xml);
    expect(() => xmlsecVerify(tampered, cert, ASSERTION_SIG)).toThrow();
  });

  it("signs with an ECDSA P-256 key (ecdsa-sha256); xmlsec1 accepts both signatures", async () => {
    const pair = await createSamlKeyPair(env.deps, "saml-ec", "ES256");
    const idp = await setupSaml({
      deps: env.deps,
      settings: { signing_kp: pair.pk, signature_algorithm: "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256", sign_response: true },
    });
    const sp = await idp.client();
    const url = new URL(await sp.getAuthorizeUrlAsync("", undefined, {}));
    const { fields } = readForm(await (await follow(browser, url.pathname + url.search)).text());
    const xml = responseXml(fields);
    expect(xml).toContain('SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"');
    const metadata = await (await env.app.request(`${idp.base}/metadata/`, {}, env.deps)).text();
    const cert = certificatePem(metadataCertificate(metadata));
    expect(execFileSync("openssl", ["x509", "-noout", "-text"], { input: cert }).toString()).toMatch(/id-ecPublicKey|prime256v1/);
    xmlsecVerify(xml, cert, RESPONSE_SIG);
    xmlsecVerify(xml, cert, ASSERTION_SIG);
  });

  it("IdP-initiated login posts an unsolicited Response with the default relay state", async () => {
    const idp = await setupSaml({ deps: env.deps, settings: { default_relay_state: "https://sp.example.com/home", default_name_id_policy: "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent" } });
    const sp = await idp.client({ validateInResponseTo: "never" as never });
    const res = await follow(browser, `/application/saml/${idp.slug}/sso/binding/init/`);
    const { action, fields } = readForm(await res.text());
    expect(action).toBe(ACS);
    expect(fields.RelayState).toBe("https://sp.example.com/home");
    expect(responseXml(fields)).not.toContain("InResponseTo");
    const { profile } = await sp.validatePostResponseAsync(fields);
    expect(profile!.nameIDFormat).toBe("urn:oasis:names:tc:SAML:2.0:nameid-format:persistent");
    expect(profile!.nameID).toMatch(/^[0-9a-f]{64}$/);
  });

  it("encrypts the assertion to the SP's certificate; node-saml decrypts it with the SP key", async () => {
    const idp = await setupSaml({ deps: env.deps, encrypt: true });
    const sp = await idp.client();
    const url = new URL(await sp.getAuthorizeUrlAsync("", undefined, {}));
    const { fields } = readForm(await (await follow(browser, url.pathname + url.search)).text());
    const xml = responseXml(fields);
    expect(xml).toContain("EncryptedAssertion");
    expect(xml).toContain("http://www.w3.org/2009/xmlenc11#aes256-gcm");
    expect(xml).not.toContain("alice@example.com");
    const { profile } = await sp.validatePostResponseAsync(fields);
    expect(profile!.nameID).toBe("alice@example.com");
    expect(profile![USERNAME_ATTR]).toBe("alice");
  });

  it("applies a CEL NameID mapping and custom attribute mappings", async () => {
    const idp = await setupSaml({
      deps: env.deps,
      settings: {
        name_id_mapping: `"u-" + request.user.username`,
        property_mappings: [{ name: "display", saml_name: "displayName", friendly_name: "Display", expression: `request.user.name + " (" + string(size(request.user.groups)) + ")"` }],
      },
    });
    const sp = await idp.client();
    const url = new URL(await sp.getAuthorizeUrlAsync("", undefined, {}));
    const { fields } = readForm(await (await follow(browser, url.pathname + url.search)).text());
    const { profile } = await sp.validatePostResponseAsync(fields);
    expect(profile!.nameID).toBe("u-alice");
    expect(profile!.displayName).toBe("Alice A (2)");
    expect(profile![EMAIL_ATTR]).toBeUndefined();
  });

  it("SP-initiated SLO ends the session and returns a signed LogoutResponse node-saml accepts", async () => {
    const b = env.browser();
    await login(b);
    const sp = await env.client();
    const url = new URL(await sp.getAuthorizeUrlAsync("", undefined, {}));
    const { fields } = readForm(await (await follow(b, url.pathname + url.search)).text());
    const { profile } = await sp.validatePostResponseAsync(fields);
    const logout = new URL(await sp.getLogoutUrlAsync(profile!, "relay-slo", {}));
    expect(logout.searchParams.get("Signature")).toBeTruthy();
    const res = await b.request(logout.pathname + logout.search);
    expect(res.status).toBe(200);
    const back = readRedirectPage(await res.text());
    expect(back.origin + back.pathname).toBe(SLS);
    expect(back.searchParams.get("RelayState")).toBe("relay-slo");
    const originalQuery = back.search.slice(1);
    const result = await sp.validateRedirectAsync(Object.fromEntries(back.searchParams), originalQuery);
    expect(result.loggedOut).toBe(true);
    // The browser session is gone: the next SSO goes to the login flow.
    const again = new URL(await sp.getAuthorizeUrlAsync("", undefined, {}));
    const first = await b.request(again.pathname + again.search);
    const resume = await b.request(new URL(first.headers.get("location")!, "http://localhost").pathname);
    expect(resume.status).toBe(302);
    expect(resume.headers.get("location")).toMatch(/^\/if\/flow\/default-authentication-flow\/\?next=/);
  });

  it("an anonymous browser is sent to the login flow and back to the request", async () => {
    const b = env.browser();
    const sp = await env.client();
    const url = new URL(await sp.getAuthorizeUrlAsync("", undefined, {}));
    const first = await b.request(url.pathname + url.search);
    expect(first.status).toBe(303);
    const resume = await b.request(first.headers.get("location")!);
    const loginUrl = new URL(resume.headers.get("location")!, "http://localhost");
    const next = loginUrl.searchParams.get("next")!;
    expect(next).toMatch(new RegExp(`^/application/saml/${env.slug}/sso/resume/`));
    const q = `next=${encodeURIComponent(next)}`;
    await b.get("default-authentication-flow", q);
    await b.post("default-authentication-flow", { component: "ak-stage-identification", uid_field: "alice" }, { query: q });
    const done = await b.post("default-authentication-flow", { component: "ak-stage-password", password: "correct horse" }, { query: q });
    expect(done.body).toMatchObject({ component: "xak-flow-redirect", to: next });
    const { fields } = readForm(await (await follow(b, next)).text());
    const { profile } = await sp.validatePostResponseAsync(fields);
    expect(profile!.nameID).toBe("alice@example.com");
    expect(SP_ENTITY).toBeTruthy();
  });

  it("an authentik-format blueprint creates a SAML provider and application (managed mapping names)", async () => {
    const { flow } = await seedFlow(env.deps, { slug: "saml-bp-authz", designation: "authorization", authentication: "require_authenticated", stages: [] });
    const yaml = [
      "version: 1",
      "entries:",
      "  - model: authentik_providers_saml.samlprovider",
      "    id: bp-provider",
      "    identifiers: { name: bp-saml }",
      "    attrs:",
      `      authorization_flow: !Find [authentik_flows.flow, [slug, ${flow.slug}]]`,
      `      acs_url: ${ACS}`,
      `      audience: ${SP_ENTITY}`,
      "      issuer: threshold-bp",
      "      sp_binding: post",
      "      property_mappings: [goauthentik.io/providers/saml/email, goauthentik.io/providers/saml/username]",
      "  - model: authentik_core.application",
      "    identifiers: { slug: bp-saml }",
      "    attrs: { name: Blueprint SAML, provider: !KeyOf bp-provider }",
    ].join("\n");
    await applyBlueprint((env.deps.store as DrizzleStore).db, parseBlueprint(yaml));
    const metadata = await (await env.app.request("/application/saml/bp-saml/metadata/", {}, env.deps)).text();
    expect(metadata).toContain('entityID="threshold-bp"');
    const sp = await env.client({ entryPoint: `${ORIGIN}/application/saml/bp-saml/sso/binding/redirect/`, idpIssuer: "threshold-bp", privateKey: undefined });
    const url = new URL(await sp.getAuthorizeUrlAsync("", undefined, {}));
    const { fields } = readForm(await (await follow(browser, url.pathname + url.search)).text());
    const { profile } = await sp.validatePostResponseAsync(fields);
    expect(profile![EMAIL_ATTR]).toBe("alice@example.com");
    expect(profile![USERNAME_ATTR]).toBe("alice");
    expect(profile![GROUP_ATTR]).toBeUndefined();
  });

  it("creates a provider from SP metadata and refreshes it from the SP's metadata URL", async () => {
    const spCert = certificateBodyOf(env.sp.cert);
    const spMetadata = (acs: string) =>
      `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://meta.example.com/sp">` +
      `<md:SPSSODescriptor AuthnRequestsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` +
      `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${spCert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
      `<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://meta.example.com/slo"/>` +
      `<md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>` +
      `<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://meta.example.com/acs-redirect" index="2"/>` +
      `<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${acs}" index="1"/>` +
      `</md:SPSSODescriptor></md:EntityDescriptor>`;
    const { flow } = await seedFlow(env.deps, { slug: "saml-meta-authz", designation: "authorization", authentication: "require_authenticated", stages: [] });
    const record = await createSamlProviderFromMetadata(env.deps, { name: "from-metadata", authorizationFlowPk: flow.pk, metadata: spMetadata("https://meta.example.com/acs") });
    const created = parseSamlProvider(env.deps, record)!;
    expect(created.settings).toMatchObject({
      acs_url: "https://meta.example.com/acs",
      acs_urls: ["https://meta.example.com/acs-redirect"],
      sp_binding: "post",
      audience: "https://meta.example.com/sp",
      sls_url: "https://meta.example.com/slo",
      sls_binding: "post",
      default_name_id_policy: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
      encryption_kp: null,
    });
    expect(created.settings.verification_kp).toBeTruthy();

    // The SP moves its ACS; Threshold re-reads the metadata from the SP's URL (a real HTTP server).
    const server = createServer((_req, res) => res.writeHead(200, { "Content-Type": "application/samlmetadata+xml" }).end(spMetadata("https://meta.example.com/acs-v2")));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const { port } = server.address() as AddressInfo;
      const refreshed = await refreshFromMetadata(env.deps, record.pk, await fetchMetadata(`http://127.0.0.1:${port}/metadata.xml`));
      expect(refreshed.acs_url).toBe("https://meta.example.com/acs-v2");
      expect(refreshed.verification_kp).toBe(created.settings.verification_kp);
      expect(parseSamlProvider(env.deps, await env.deps.store.saml.providerByPk(record.pk))!.settings.acs_url).toBe("https://meta.example.com/acs-v2");
    } finally {
      server.close();
    }
    await expect(fetchMetadata("file:///etc/passwd")).rejects.toThrow(/http/);
    expect(() => parseSpMetadata("<x/>")).toThrow(/EntityDescriptor/);
  });

  it("IsPassive without a session answers the ACS with a NoPassive status and no assertion", async () => {
    const anonymous = env.browser();
    const sp = await env.client({ passive: true });
    const url = new URL(await sp.getAuthorizeUrlAsync("", undefined, {}));
    const res = await follow(anonymous, url.pathname + url.search);
    const { action, fields } = readForm(await res.text());
    expect(action).toBe(ACS);
    const xml = responseXml(fields);
    expect(xml).toContain("urn:oasis:names:tc:SAML:2.0:status:NoPassive");
    expect(xml).not.toContain("Assertion");
    // node-saml reads NoPassive as "no user, no error" (SAML Core §3.4.1.4).
    expect(await sp.validatePostResponseAsync(fields)).toEqual({ profile: null, loggedOut: false });
  });

  it("ForceAuthn ends the current session and sends the browser to log in again", async () => {
    const b = env.browser();
    await login(b);
    const sp = await env.client({ forceAuthn: true });
    const url = new URL(await sp.getAuthorizeUrlAsync("", undefined, {}));
    const first = await b.request(url.pathname + url.search);
    const resume = await b.request(first.headers.get("location")!);
    expect(resume.status).toBe(302);
    expect(resume.headers.get("location")).toMatch(/^\/if\/flow\/default-authentication-flow\/\?next=/);
    // Coming back after the new login does not loop (ForceAuthn is honoured once).
    const again = await b.request(first.headers.get("location")!);
    expect(again.status).toBe(302);
    const q = `next=${encodeURIComponent(new URL(again.headers.get("location")!, ORIGIN).searchParams.get("next")!)}`;
    await b.get("default-authentication-flow", q);
    await b.post("default-authentication-flow", { component: "ak-stage-identification", uid_field: "alice" }, { query: q });
    await b.post("default-authentication-flow", { component: "ak-stage-password", password: "correct horse" }, { query: q });
    const { fields } = readForm(await (await follow(b, first.headers.get("location")!)).text());
    expect((await sp.validatePostResponseAsync(fields)).profile!.nameID).toBe("alice@example.com");
  });

  it("an application policy that denies the user answers with RequestDenied and no assertion", async () => {
    const idp = await setupSaml({ deps: env.deps });
    const policy = await env.deps.store.policies.create({ name: `deny-${idp.slug}`, type: "expression", config: { expression: "false" } });
    await env.deps.store.policies.bind({ targetPk: idp.applicationPk, policyPk: policy.pk, order: 0 });
    const sp = await idp.client();
    const url = new URL(await sp.getAuthorizeUrlAsync("", undefined, {}));
    const { fields } = readForm(await (await follow(browser, url.pathname + url.search)).text());
    const xml = responseXml(fields);
    expect(xml).toContain("urn:oasis:names:tc:SAML:2.0:status:RequestDenied");
    expect(xml).not.toContain("Assertion");
    await expect(sp.validatePostResponseAsync(fields)).rejects.toThrow();
  });

  it("HTTP-Redirect delivery to the ACS: deflated Response, query signed (openssl verifies), assertion signature intact (xmlsec1)", async () => {
    const idp = await setupSaml({ deps: env.deps, settings: { sp_binding: "redirect", default_relay_state: "rs" } });
    const res = await follow(browser, `/application/saml/${idp.slug}/sso/binding/init/`);
    const target = readRedirectPage(await res.text());
    expect(target.origin + target.pathname).toBe(ACS);
    const raw = new Map(target.search.slice(1).split("&").map((kv) => kv.split("=") as [string, string]));
    expect([...raw.keys()]).toEqual(["SAMLResponse", "RelayState", "SigAlg", "Signature"]);
    const octets = `SAMLResponse=${raw.get("SAMLResponse")}&RelayState=${raw.get("RelayState")}&SigAlg=${raw.get("SigAlg")}`;
    const metadata = await (await env.app.request(`${idp.base}/metadata/`, {}, env.deps)).text();
    const cert = certificatePem(metadataCertificate(metadata));
    const dir = mkdtempSync(join(tmpdir(), "threshold-redirect-sig-"));
    try {
      writeFileSync(join(dir, "octets"), octets);
      writeFileSync(join(dir, "sig"), Buffer.from(decodeURIComponent(raw.get("Signature")!), "base64"));
      writeFileSync(join(dir, "pub.pem"), execFileSync("openssl", ["x509", "-pubkey", "-noout"], { input: cert }));
      const out = execFileSync("openssl", ["dgst", "-sha256", "-verify", join(dir, "pub.pem"), "-signature", join(dir, "sig"), join(dir, "octets")]).toString();
      expect(out).toMatch(/Verified OK/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const xml = inflateRawSync(Buffer.from(decodeURIComponent(raw.get("SAMLResponse")!), "base64")).toString();
    expect(xml).toContain("<saml:Assertion");
    xmlsecVerify(xml, cert, ASSERTION_SIG);
  });

  it("SLO over HTTP-POST: a signed LogoutRequest; the signed LogoutResponse is posted to the SLS (xmlsec1 and node-saml accept it)", async () => {
    const idp = await setupSaml({ deps: env.deps, verify: true, settings: { sls_binding: "post" } });
    const b = idp.browser();
    await login(b);
    const logoutRequest = signXml(
      `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_logout1" Version="2.0" IssueInstant="${new Date().toISOString()}" Destination="${idp.base}/slo/binding/post/">` +
        `<saml:Issuer>${SP_ENTITY}</saml:Issuer><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">alice@example.com</saml:NameID></samlp:LogoutRequest>`,
      idp.sp.key,
      idp.sp.cert,
    );
    const post = (xml: string) => b.request(`/application/saml/${idp.slug}/slo/binding/post/`, postForm({ SAMLRequest: Buffer.from(xml).toString("base64"), RelayState: "slo-post" }));
    // Unsigned is refused (verification certificate set) and the session survives it.
    expect((await post(logoutRequest.replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, ""))).status).toBe(400);
    expect(await b.request(`/application/saml/${idp.slug}/sso/binding/init/`).then((r) => r.status)).toBe(303);
    const res = await post(logoutRequest);
    expect(res.status).toBe(200);
    const { action, fields } = readForm(await res.text());
    expect(action).toBe(SLS);
    expect(fields.RelayState).toBe("slo-post");
    const xml = responseXml(fields);
    expect(xml).toContain('InResponseTo="_logout1"');
    const metadata = await (await env.app.request(`${idp.base}/metadata/`, {}, env.deps)).text();
    xmlsecVerify(xml, certificatePem(metadataCertificate(metadata)), "/*[local-name()='LogoutResponse']/*[local-name()='Signature']");
    // The LogoutRequest was made here, not by node-saml, so its InResponseTo cache does not know it.
    const sp = await idp.client({ validateInResponseTo: "never" as never });
    expect((await sp.validatePostResponseAsync(fields)).loggedOut).toBe(true);
    // The session is gone.
    expect((await b.request(`/application/saml/${idp.slug}/sso/binding/init/`).then((r) => b.request(r.headers.get("location")!))).headers.get("location")).toMatch(/^\/if\/flow\/default-authentication-flow\//);
  });

  it.each([
    "http://www.w3.org/2009/xmlenc11#aes128-gcm",
    "http://www.w3.org/2001/04/xmlenc#aes256-cbc",
    "http://www.w3.org/2001/04/xmlenc#aes128-cbc",
  ] as const)("encrypts with %s (RSA-OAEP key transport); node-saml decrypts", async (algorithm) => {
    const idp = await setupSaml({ deps: env.deps, encrypt: true, settings: { encryption_algorithm: algorithm } });
    const sp = await idp.client();
    const url = new URL(await sp.getAuthorizeUrlAsync("", undefined, {}));
    const { fields } = readForm(await (await follow(browser, url.pathname + url.search)).text());
    const xml = responseXml(fields);
    expect(xml).toContain(`EncryptionMethod Algorithm="${algorithm}"`);
    expect(xml).toContain("http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p");
    expect((await sp.validatePostResponseAsync(fields)).profile!.nameID).toBe("alice@example.com");
  });

  it("signs only the Response when configured (sign_assertion false, sign_response true)", async () => {
    const idp = await setupSaml({ deps: env.deps, settings: { sign_assertion: false, sign_response: true } });
    const sp = await idp.client({ wantAssertionsSigned: false, wantAuthnResponseSigned: true });
    const url = new URL(await sp.getAuthorizeUrlAsync("", undefined, {}));
    const { fields } = readForm(await (await follow(browser, url.pathname + url.search)).text());
    const xml = responseXml(fields);
    expect(xml.match(/<ds:Signature[\s>]/g)).toHaveLength(1);
    expect((await sp.validatePostResponseAsync(fields)).profile!.nameID).toBe("alice@example.com");
    // An SP that wants signed assertions refuses it.
    const strict = await idp.client({ wantAssertionsSigned: true, wantAuthnResponseSigned: true, validateInResponseTo: "never" as never });
    await expect(strict.validatePostResponseAsync(fields)).rejects.toThrow();
  });

  it.each([
    ["urn:oasis:names:tc:SAML:2.0:nameid-format:transient", /^_[0-9a-f]{32}$/],
    ["urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName", /^CN=Alice A$/],
    ["urn:oasis:names:tc:SAML:1.1:nameid-format:WindowsDomainQualifiedName", /^alice$/],
    ["urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified", /^alice$/],
  ] as const)("NameIDPolicy %s", async (format, value) => {
    const sp = await env.client({ identifierFormat: format });
    const url = new URL(await sp.getAuthorizeUrlAsync("", undefined, {}));
    const { fields } = readForm(await (await follow(browser, url.pathname + url.search)).text());
    const { profile } = await sp.validatePostResponseAsync(fields);
    expect(profile!.nameIDFormat).toBe(format.endsWith(":unspecified") ? "urn:oasis:names:tc:SAML:2.0:nameid-format:unspecified" : format);
    expect(profile!.nameID).toMatch(value);
  });

  it("validity windows follow the provider settings", async () => {
    const idp = await setupSaml({ deps: env.deps, settings: { assertion_valid_not_before: "minutes=-2", assertion_valid_not_on_or_after: "minutes=10", session_valid_not_on_or_after: "hours=8" } });
    const sp = await idp.client();
    const url = new URL(await sp.getAuthorizeUrlAsync("", undefined, {}));
    const { fields } = readForm(await (await follow(browser, url.pathname + url.search)).text());
    const xml = responseXml(fields);
    const attr = (name: string) => new Date(new RegExp(`${name}="([^"]+)"`).exec(xml)![1]!).getTime();
    const issued = attr("IssueInstant");
    expect(attr("NotBefore") - issued).toBe(-2 * 60_000);
    expect(attr("Conditions NotBefore=\"[^\"]+\" NotOnOrAfter") - issued).toBe(10 * 60_000);
    expect(attr("SessionNotOnOrAfter") - issued).toBe(8 * 3_600_000);
    expect((await sp.validatePostResponseAsync(fields)).profile!.nameID).toBe("alice@example.com");
  });
});
