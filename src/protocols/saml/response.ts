/**
 * Outgoing SAML messages (SAML Core §2–3): the Response with its Assertion, error Responses and
 * LogoutResponses. Built from escaped string templates (no DOM building), then signed with
 * xml-crypto (exclusive C14N, enveloped signature placed after `<saml:Issuer>` as the schema
 * requires) and, when the provider has an encryption certificate, the signed Assertion is
 * encrypted with xml-encryption (AES-GCM/CBC content, RSA-OAEP key transport).
 */
import * as x509 from "./x509.js";
import { SignedXml } from "xml-crypto";
import { encrypt } from "xml-encryption";
import type { SamlSigningKey } from "./keys.js";
import { certificateBody } from "./keys.js";
import type { SamlAttribute } from "./mappings.js";
import { ENVELOPED, EXC_C14N, NS, RSA_OAEP, STATUS } from "./namespaces.js";
import type { SamlSettings } from "./settings.js";
import { encodeBase64, esc } from "./xml.js";

/** xs:dateTime in UTC without fractions (what every SP parses). */
export const instant = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, "Z");

/** A random SAML ID (xs:ID must not start with a digit). */
export function samlId(bytes: Uint8Array): string {
  return `_${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export interface AssertionInput {
  id: string;
  issuer: string;
  now: Date;
  acsUrl: string;
  inResponseTo: string | null;
  audience: string;
  nameId: { format: string; value: string };
  attributes: SamlAttribute[];
  authnInstant: Date;
  sessionIndex: string;
  /** Milliseconds relative to `now`. */
  windows: { notBefore: number; notOnOrAfter: number; session: number };
}

const at = (now: Date, offset: number) => instant(new Date(now.getTime() + offset));

function attributeXml(a: SamlAttribute): string {
  const nameFormat = /^[a-z][a-z0-9+.-]*:/i.test(a.name) ? "urn:oasis:names:tc:SAML:2.0:attrname-format:uri" : "urn:oasis:names:tc:SAML:2.0:attrname-format:basic";
  const friendly = a.friendlyName ? ` FriendlyName="${esc(a.friendlyName)}"` : "";
  const values = a.values.map((v) => `<saml:AttributeValue xsi:type="xs:string">${esc(v)}</saml:AttributeValue>`).join("");
  return `<saml:Attribute Name="${esc(a.name)}" NameFormat="${nameFormat}"${friendly}>${values}</saml:Attribute>`;
}

/** The unsigned Assertion (declares its own namespaces, so it can be signed standalone). */
export function assertionXml(a: AssertionInput): string {
  const inResponseTo = a.inResponseTo ? ` InResponseTo="${esc(a.inResponseTo)}"` : "";
  const audience = a.audience ? `<saml:AudienceRestriction><saml:Audience>${esc(a.audience)}</saml:Audience></saml:AudienceRestriction>` : "";
  const attributes = a.attributes.length ? `<saml:AttributeStatement>${a.attributes.map(attributeXml).join("")}</saml:AttributeStatement>` : "";
  return (
    `<saml:Assertion xmlns:saml="${NS.assertion}" xmlns:xs="${NS.xs}" xmlns:xsi="${NS.xsi}" ID="${esc(a.id)}" Version="2.0" IssueInstant="${instant(a.now)}">` +
    `<saml:Issuer>${esc(a.issuer)}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="${esc(a.nameId.format)}">${esc(a.nameId.value)}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData${inResponseTo} NotOnOrAfter="${at(a.now, a.windows.notOnOrAfter)}" Recipient="${esc(a.acsUrl)}"/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${at(a.now, a.windows.notBefore)}" NotOnOrAfter="${at(a.now, a.windows.notOnOrAfter)}">${audience}</saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${instant(a.authnInstant)}" SessionIndex="${esc(a.sessionIndex)}" SessionNotOnOrAfter="${at(a.now, a.windows.session)}">` +
    `<saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    attributes +
    `</saml:Assertion>`
  );
}

export interface EnvelopeInput {
  id: string;
  issuer: string;
  now: Date;
  destination: string;
  inResponseTo: string | null;
  status: string;
  subStatus?: string;
  message?: string;
}

function statusXml(e: EnvelopeInput): string {
  const sub = e.subStatus ? `<samlp:StatusCode Value="${esc(e.subStatus)}"/>` : "";
  const message = e.message ? `<samlp:StatusMessage>${esc(e.message)}</samlp:StatusMessage>` : "";
  return `<samlp:Status><samlp:StatusCode Value="${esc(e.status)}">${sub}</samlp:StatusCode>${message}</samlp:Status>`;
}

function envelope(element: "Response" | "LogoutResponse", e: EnvelopeInput, body: string): string {
  const inResponseTo = e.inResponseTo ? ` InResponseTo="${esc(e.inResponseTo)}"` : "";
  return (
    `<samlp:${element} xmlns:samlp="${NS.protocol}" xmlns:saml="${NS.assertion}" ID="${esc(e.id)}" Version="2.0" IssueInstant="${instant(e.now)}" Destination="${esc(e.destination)}"${inResponseTo}>` +
    `<saml:Issuer>${esc(e.issuer)}</saml:Issuer>${statusXml(e)}${body}</samlp:${element}>`
  );
}

type SigningSettings = Pick<SamlSettings, "signature_algorithm" | "digest_algorithm">;

export const ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";

function pkcs8(pem: string): Uint8Array<ArrayBuffer> {
  const bin = atob(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""));
  return Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
}

/**
 * ECDSA-SHA256 (RFC 4051 §3.4.1: the raw r||s value WebCrypto produces) for xml-crypto, which
 * ships RSA and HMAC only. Asynchronous: xml-crypto calls it with a callback.
 */
class EcdsaSha256 {
  getSignature(signedInfo: string, privateKey: string, callback?: (err: Error | null, signature?: string) => void): string {
    if (!callback) throw new Error("ECDSA signing needs the asynchronous API");
    crypto.subtle
      .importKey("pkcs8", pkcs8(privateKey), { name: "ECDSA", namedCurve: "P-256" }, false, ["sign"])
      .then((k) => crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, k, new TextEncoder().encode(signedInfo)))
      .then((sig) => callback(null, encodeBase64(new Uint8Array(sig))), (err: Error) => callback(err));
    return "";
  }
  verifySignature(): boolean {
    throw new Error("ECDSA verification is not used by the IdP");
  }
  getAlgorithmName(): string {
    return ECDSA_SHA256;
  }
}

/** Signs the root element `localName` of `xml` (enveloped, after its Issuer). */
export function signRoot(xml: string, localName: string, key: SamlSigningKey, s: SigningSettings): Promise<string> {
  if ((key.alg === "ES256") !== (s.signature_algorithm === ECDSA_SHA256)) {
    throw new Error(`signature_algorithm ${s.signature_algorithm} does not fit the ${key.alg} key '${key.pair.name}'`);
  }
  const sig = new SignedXml({
    privateKey: key.privateKeyPem,
    publicCert: key.certificatePem,
    signatureAlgorithm: s.signature_algorithm,
    canonicalizationAlgorithm: EXC_C14N,
  });
  sig.SignatureAlgorithms[ECDSA_SHA256] = EcdsaSha256 as never;
  sig.addReference({ xpath: `/*[local-name(.)='${localName}']`, digestAlgorithm: s.digest_algorithm, transforms: [ENVELOPED, EXC_C14N] });
  return new Promise((resolve, reject) =>
    sig.computeSignature(xml, { prefix: "ds", location: { reference: `/*[local-name(.)='${localName}']/*[local-name(.)='Issuer']`, action: "after" } }, (err) =>
      err ? reject(err) : resolve(sig.getSignedXml()),
    ),
  );
}

function publicKeyPem(certificatePem: string): string {
  const spki = new x509.X509Certificate(certificateBody(certificatePem)).publicKey.rawData;
  const b64 = encodeBase64(new Uint8Array(spki)).replace(/(.{64})/g, "$1\n");
  return `-----BEGIN PUBLIC KEY-----\n${b64}\n-----END PUBLIC KEY-----\n`;
}

/** `<saml:EncryptedAssertion>` for the SP's certificate. */
export function encryptAssertion(assertion: string, certificatePem: string, algorithm: SamlSettings["encryption_algorithm"]): Promise<string> {
  return new Promise((resolve, reject) => {
    encrypt(
      assertion,
      {
        rsa_pub: publicKeyPem(certificatePem),
        pem: certificatePem,
        encryptionAlgorithm: algorithm,
        keyEncryptionAlgorithm: RSA_OAEP,
        // AES-CBC is offered for SPs that lack GCM (older Shibboleth, ADFS); GCM is the default.
        disallowEncryptionWithInsecureAlgorithm: false,
        warnInsecureAlgorithm: false,
      },
      (err: Error | null, result?: string) => (err || !result ? reject(err ?? new Error("encryption failed")) : resolve(`<saml:EncryptedAssertion>${result}</saml:EncryptedAssertion>`)),
    );
  });
}

export interface ResponseOptions {
  settings: SamlSettings;
  key: SamlSigningKey;
  /** The SP's encryption certificate (PEM), or null. */
  encryptionCertificate: string | null;
}

/** A successful Response: Assertion signed (sign_assertion), encrypted (encryption_kp), Response signed (sign_response). */
export async function successResponse(e: Omit<EnvelopeInput, "status">, a: AssertionInput, o: ResponseOptions): Promise<string> {
  let assertion = assertionXml(a);
  if (o.settings.sign_assertion) assertion = await signRoot(assertion, "Assertion", o.key, o.settings);
  if (o.encryptionCertificate) assertion = await encryptAssertion(assertion, o.encryptionCertificate, o.settings.encryption_algorithm);
  const xml = envelope("Response", { ...e, status: STATUS.success }, assertion);
  return o.settings.sign_response ? signRoot(xml, "Response", o.key, o.settings) : xml;
}

/** A Response without assertion carrying an error status (signed when the provider signs responses). */
export async function errorResponse(e: EnvelopeInput, o: Pick<ResponseOptions, "settings" | "key">): Promise<string> {
  const xml = envelope("Response", e, "");
  return o.settings.sign_response ? signRoot(xml, "Response", o.key, o.settings) : xml;
}

/** A LogoutResponse (POST binding: signed enveloped; Redirect binding signs the query instead). */
export async function logoutResponse(e: EnvelopeInput, o: Pick<ResponseOptions, "settings" | "key"> & { sign: boolean }): Promise<string> {
  const xml = envelope("LogoutResponse", e, "");
  return o.sign ? signRoot(xml, "LogoutResponse", o.key, o.settings) : xml;
}
