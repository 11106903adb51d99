/**
 * SAML test support: an install with alice, an authorization flow, a SAML provider + application,
 * SP key material made by openssl, @node-saml/node-saml configured from Threshold's metadata as
 * the SP, and helpers that read the auto-submitting delivery page.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SAML, type SamlConfig } from "@node-saml/node-saml";
import { SignedXml } from "xml-crypto";
import { createApp } from "../../src/app.js";
import type { User } from "../../src/ports/store.js";
import { importCertificate } from "../../src/protocols/saml/keys.js";
import { createSamlProvider, type SamlSettings } from "../../src/protocols/saml/settings.js";
import { makeTestDeps, type TestDeps } from "./app-deps.js";
import { FlowClient, seedAuthenticationFlow, seedFlow } from "./flows.js";
import { PASSWORD } from "./oauth2.js";

export const ORIGIN = "http://localhost";
export const SP_ENTITY = "https://sp.example.com/saml/metadata";
export const ACS = "https://sp.example.com/saml/acs";
export const SLS = "https://sp.example.com/saml/sls";

/** An RSA key and self-signed certificate made by openssl (PEM). */
export interface KeyMaterial {
  key: string;
  cert: string;
}

export function opensslKeyPair(cn = "sp.example.com"): KeyMaterial {
  const dir = mkdtempSync(join(tmpdir(), "threshold-saml-key-"));
  try {
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2", "-subj", `/CN=${cn}`, "-keyout", join(dir, "k.pem"), "-out", join(dir, "c.pem")], { stdio: "ignore" });
    return { key: readFileSync(join(dir, "k.pem"), "utf8"), cert: readFileSync(join(dir, "c.pem"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface SamlEnv {
  deps: TestDeps;
  app: ReturnType<typeof createApp>;
  user: User;
  slug: string;
  /** The authorization flow's slug. */
  flowSlug: string;
  providerPk: number;
  applicationPk: string;
  sp: KeyMaterial;
  base: string;
  browser(): FlowClient;
  /** node-saml as the SP, trusting the certificate from Threshold's metadata. */
  client(config?: Partial<SamlConfig>): Promise<SAML>;
}

let seq = 0;

export async function setupSaml(opts: { settings?: Partial<SamlSettings>; verify?: boolean; encrypt?: boolean; consent?: boolean; deps?: TestDeps } = {}): Promise<SamlEnv> {
  const deps = opts.deps ?? (await makeTestDeps());
  const app = createApp();
  const n = ++seq;
  let user = await deps.store.users.byUsername("alice");
  if (!user) {
    await seedAuthenticationFlow(deps);
    user = await deps.store.users.create({ username: "alice", name: "Alice A", email: "alice@example.com", emailVerified: true, passwordHash: await deps.passwords.hash(PASSWORD) });
    const staff = await deps.store.groups.create({ name: "staff" });
    const engineers = await deps.store.groups.create({ name: "engineers", parentPks: [staff.pk] });
    await deps.store.groups.addMember(engineers.pk, user.pk);
  }
  const stages = opts.consent ? [{ type: "consent", config: { mode: "always_require" } }] : [];
  const { flow } = await seedFlow(deps, { slug: `saml-authz-${n}`, designation: "authorization", authentication: "require_authenticated", stages });
  const sp = opensslKeyPair();
  const spPair = opts.verify || opts.encrypt ? await importCertificate(deps, `sp-${n}`, sp.cert) : null;
  const provider = await createSamlProvider(deps, {
    name: `saml-${n}`,
    authorizationFlowPk: flow.pk,
    settings: {
      acs_url: ACS,
      audience: SP_ENTITY,
      issuer: `threshold-${n}`,
      sp_binding: "post",
      sls_url: SLS,
      verification_kp: opts.verify ? spPair!.pk : null,
      encryption_kp: opts.encrypt ? spPair!.pk : null,
      ...opts.settings,
    },
  });
  const slug = `saml-app-${n}`;
  const application = await deps.store.oauth2.createApplication({ name: `SAML App ${n}`, slug, providerPk: provider.pk });
  const base = `${ORIGIN}/application/saml/${slug}`;
  const env: SamlEnv = {
    deps,
    app,
    user,
    slug,
    flowSlug: flow.slug,
    providerPk: provider.pk,
    applicationPk: application.pk,
    sp,
    base,
    browser: () => new FlowClient(app, () => deps),
    async client(config = {}) {
      const metadata = await (await app.request(`${base}/metadata/`, {}, deps)).text();
      return new SAML({
        callbackUrl: ACS,
        entryPoint: `${base}/sso/binding/redirect/`,
        logoutUrl: `${base}/slo/binding/redirect/`,
        issuer: SP_ENTITY,
        audience: SP_ENTITY,
        idpIssuer: `threshold-${n}`,
        idpCert: metadataCertificate(metadata),
        wantAssertionsSigned: true,
        wantAuthnResponseSigned: false,
        privateKey: sp.key,
        decryptionPvk: sp.key,
        signatureAlgorithm: "sha256",
        identifierFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
        validateInResponseTo: "always" as never,
        ...config,
      });
    },
  };
  return env;
}

/** An enveloped signature over the root (as an SP signs a POST AuthnRequest). */
export function signXml(xml: string, key: string, cert: string): string {
  const sig = new SignedXml({ privateKey: key, publicCert: cert, signatureAlgorithm: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", canonicalizationAlgorithm: "http://www.w3.org/2001/10/xml-exc-c14n#" });
  sig.addReference({ xpath: "/*", digestAlgorithm: "http://www.w3.org/2001/04/xmlenc#sha256", transforms: ["http://www.w3.org/2000/09/xmldsig#enveloped-signature", "http://www.w3.org/2001/10/xml-exc-c14n#"] });
  sig.computeSignature(xml, { prefix: "ds", location: { reference: "/*/*[local-name(.)='Issuer']", action: "after" } });
  return sig.getSignedXml();
}

/** The signing certificate (base64 DER) in IdP metadata. */
export function metadataCertificate(metadata: string): string {
  const m = /<ds:X509Certificate>([^<]+)<\/ds:X509Certificate>/.exec(metadata);
  if (!m) throw new Error("no certificate in metadata");
  return m[1]!;
}

export function certificatePem(body: string): string {
  return `-----BEGIN CERTIFICATE-----\n${body.replace(/(.{64})/g, "$1\n").trim()}\n-----END CERTIFICATE-----\n`;
}

const NAMED: Record<string, string> = { amp: "&", quot: '"', apos: "'", lt: "<", gt: ">" };
const unescape = (s: string) =>
  s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, e: string) =>
    e[0] === "#" ? String.fromCodePoint(e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : Number(e.slice(1))) : (NAMED[e] ?? all),
  );

/** The target of a navigation page (meta refresh). */
export function readRedirectPage(html: string): URL {
  const m = /http-equiv="refresh" content="0;url=([^"]+)"/.exec(html);
  if (!m) throw new Error(`not a redirect page: ${html.slice(0, 300)}`);
  return new URL(unescape(m[1]!));
}

/** Reads an auto-submitting form page: its action and hidden fields. */
export function readForm(html: string): { action: string; fields: Record<string, string> } {
  const action = /<form[^>]*action="([^"]*)"/.exec(html)?.[1];
  if (action === undefined) throw new Error(`not a form page: ${html.slice(0, 300)}`);
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)"/g)) fields[unescape(m[1]!)] = unescape(m[2]!);
  return { action: unescape(action), fields };
}

/** The decoded XML of a SAMLResponse field. */
export function responseXml(fields: Record<string, string>): string {
  return Buffer.from(fields.SAMLResponse!, "base64").toString("utf8");
}
