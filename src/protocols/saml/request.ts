/**
 * Incoming SAML requests (AuthnRequest, LogoutRequest) over the HTTP-Redirect and HTTP-POST
 * bindings: decode within limits, verify the signature when the provider has a verification
 * certificate, then read the few fields we use. Signature checks follow SAML Bindings §3.4.4.1
 * (Redirect: a detached signature over the raw query octets) and SAML Core §5 (POST: an
 * enveloped signature whose single reference is the root element). To defeat signature
 * wrapping, the fields are read from the XML the signature actually covers.
 */
import * as x509 from "./x509.js";
import type { Document, Element } from "@xmldom/xmldom";
import { SignedXml } from "xml-crypto";
import { SamlRequestError } from "./errors.js";
import { ALGORITHMS, NS } from "./namespaces.js";
import { certificateBody } from "./keys.js";
import { checkedXmlText, child, children, decodeBase64, inflateRaw, parseXml } from "./xml.js";

export type Binding = "redirect" | "post";
type MessageParam = "SAMLRequest" | "SAMLResponse";

/** A decoded message: the XML text, its document and the RelayState. */
export interface DecodedMessage {
  xml: string;
  doc: Document;
  relayState: string | null;
}

function single(params: URLSearchParams, name: string): string | null {
  const all = params.getAll(name);
  if (all.length > 1) throw new SamlRequestError(`Parameter '${name}' is repeated.`);
  return all[0] ?? null;
}

function looksLikeXml(bytes: Uint8Array): boolean {
  for (const b of bytes.subarray(0, 64)) {
    if (b === 0x3c) return true; // "<"
    if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09 && b !== 0xef && b !== 0xbb && b !== 0xbf) return false;
  }
  return false;
}

/** Decodes `param` of a Redirect (deflated) or POST (plain base64) binding message. */
export async function decodeMessage(binding: Binding, params: URLSearchParams, param: MessageParam = "SAMLRequest"): Promise<DecodedMessage> {
  const encoded = single(params, param);
  if (!encoded) throw new SamlRequestError(`Missing ${param}.`);
  const relayState = single(params, "RelayState");
  if (relayState !== null && relayState.length > 1024) throw new SamlRequestError("RelayState is too long.");
  const bytes = decodeBase64(encoded);
  // POST messages are plain XML (Bindings §3.5.4), but some SPs (node-saml) deflate them as in
  // the Redirect binding: accept both, with the same inflate limit.
  const xml = checkedXmlText(binding === "redirect" || !looksLikeXml(bytes) ? await inflateRaw(bytes) : bytes);
  return { xml, doc: parseXml(xml), relayState };
}

// --- signatures ------------------------------------------------------------------------------

const WEBCRYPTO_SIG: Record<string, { key: RsaHashedImportParams | EcKeyImportParams; verify: AlgorithmIdentifier | EcdsaParams }> = {
  "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256": { key: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, verify: { name: "RSASSA-PKCS1-v1_5" } },
  "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512": { key: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-512" }, verify: { name: "RSASSA-PKCS1-v1_5" } },
  "http://www.w3.org/2000/09/xmldsig#rsa-sha1": { key: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-1" }, verify: { name: "RSASSA-PKCS1-v1_5" } },
  "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256": { key: { name: "ECDSA", namedCurve: "P-256" }, verify: { name: "ECDSA", hash: "SHA-256" } },
};

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new SamlRequestError("Malformed query string.");
  }
}

/** The raw (still percent-encoded) values of a query string, as Bindings §3.4.4.1 signs them. */
function rawQueryValues(rawQuery: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of rawQuery.replace(/^\?/, "").split("&")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const key = decode(part.slice(0, eq));
    if (out.has(key)) throw new SamlRequestError(`Parameter '${key}' is repeated.`);
    out.set(key, part.slice(eq + 1));
  }
  return out;
}

/** Verifies the HTTP-Redirect binding's detached signature over the raw query octets. */
export async function verifyRedirectSignature(rawQuery: string, param: MessageParam, certificatePem: string): Promise<void> {
  const raw = rawQueryValues(rawQuery);
  const sigAlg = raw.get("SigAlg");
  const signature = raw.get("Signature");
  if (!sigAlg || !signature) throw new SamlRequestError("The request must be signed (SigAlg and Signature are missing).");
  const alg = WEBCRYPTO_SIG[decode(sigAlg)];
  if (!alg) throw new SamlRequestError("Unsupported signature algorithm.");
  let octets = `${param}=${raw.get(param) ?? ""}`;
  if (raw.has("RelayState")) octets += `&RelayState=${raw.get("RelayState")}`;
  octets += `&SigAlg=${sigAlg}`;
  let ok = false;
  try {
    const cert = new x509.X509Certificate(certificateBody(certificatePem));
    const key = await cert.publicKey.export(alg.key, ["verify"]);
    const sig = decodeBase64(decodeURIComponent(signature));
    ok = await crypto.subtle.verify(alg.verify, key, new Uint8Array(sig), new TextEncoder().encode(octets));
  } catch (err) {
    if (err instanceof SamlRequestError) throw err;
    ok = false;
  }
  if (!ok) throw new SamlRequestError("The request signature is invalid.");
}

/**
 * Verifies an enveloped signature on the root element and returns the XML it covers (parse that,
 * not the original: anything outside the signed reference is attacker-controlled).
 */
export function verifyEmbeddedSignature(message: DecodedMessage, certificatePem: string): DecodedMessage {
  const root = message.doc.documentElement!;
  const signatures = children(root, NS.dsig, "Signature");
  if (signatures.length !== 1) throw new SamlRequestError("The request must carry exactly one signature on its root element.");
  const id = root.getAttribute("ID");
  if (!id) throw new SamlRequestError("The signed request has no ID.");
  // Exactly one element may carry the signed ID (duplicate IDs are a wrapping technique).
  let withId = 0;
  const all = message.doc.getElementsByTagName("*");
  for (let i = 0; i < all.length; i++) if (all[i]!.getAttribute("ID") === id) withId++;
  if (withId !== 1) throw new SamlRequestError("The request's ID is not unique.");
  const signedInfo = child(signatures[0]!, NS.dsig, "SignedInfo");
  const method = (signedInfo && child(signedInfo, NS.dsig, "SignatureMethod")?.getAttribute("Algorithm")) ?? "";
  if (!(ALGORITHMS.signature as readonly string[]).includes(method)) throw new SamlRequestError("Unsupported signature algorithm.");
  const sig = new SignedXml({ publicCert: certificatePem });
  let signed: string[] = [];
  try {
    sig.loadSignature(signatures[0]! as unknown as Node);
    const refs = sig.getReferences();
    if (refs.length !== 1 || refs[0]!.uri !== `#${id}`) throw new SamlRequestError("The signature does not cover the request.");
    if (!sig.checkSignature(message.xml)) throw new SamlRequestError("The request signature is invalid.");
    signed = sig.getSignedReferences();
  } catch (err) {
    if (err instanceof SamlRequestError) throw err;
    throw new SamlRequestError("The request signature is invalid.");
  }
  if (signed.length !== 1) throw new SamlRequestError("The signature does not cover the request.");
  return { xml: signed[0]!, doc: parseXml(signed[0]!), relayState: message.relayState };
}

/**
 * Applies the provider's signature requirement: with a verification certificate every request
 * must be signed (Redirect: detached; POST: enveloped) and the signed XML is returned.
 */
export async function verifyRequest(
  binding: Binding,
  message: DecodedMessage,
  rawQuery: string,
  certificatePem: string | null,
  param: MessageParam = "SAMLRequest",
): Promise<DecodedMessage> {
  if (!certificatePem) return message;
  if (binding === "redirect") {
    await verifyRedirectSignature(rawQuery, param, certificatePem);
    return message;
  }
  return verifyEmbeddedSignature(message, certificatePem);
}

/**
 * SAML Bindings §3.4.5.2 / §3.5.5.2: a Destination must name the endpoint that received the
 * message (compared by path: behind proxies the origin we see may differ from the public one).
 */
export function checkDestination(destination: string | null, requestUrl: string): void {
  if (destination === null) return;
  const strip = (p: string) => p.replace(/\/+$/, "");
  let path: string;
  try {
    path = new URL(destination).pathname;
  } catch {
    throw new SamlRequestError("Invalid Destination.");
  }
  if (strip(path) !== strip(new URL(requestUrl).pathname)) throw new SamlRequestError("The request's Destination is not this endpoint.");
}

// --- fields -----------------------------------------------------------------------------------

const ID_PATTERN = /^[A-Za-z_][\w.-]{0,255}$/;

function rootOf(doc: Document, name: string): Element {
  const root = doc.documentElement!;
  if (root.namespaceURI !== NS.protocol || root.localName !== name) throw new SamlRequestError(`Expected a ${name}.`);
  if (root.getAttribute("Version") !== "2.0") throw new SamlRequestError("Only SAML 2.0 is supported.");
  const id = root.getAttribute("ID") ?? "";
  if (!ID_PATTERN.test(id)) throw new SamlRequestError("The request has no valid ID.");
  return root;
}

const text = (el: Element | null): string | null => (el ? (el.textContent ?? "").trim() : null);
const bool = (v: string | null): boolean => v === "true" || v === "1";

/** The fields of an AuthnRequest we act on (SAML Core §3.4.1). */
export interface AuthnRequest {
  id: string;
  destination: string | null;
  issuer: string | null;
  acsUrl: string | null;
  acsIndex: number | null;
  protocolBinding: string | null;
  nameIdFormat: string | null;
  forceAuthn: boolean;
  isPassive: boolean;
}

export function readAuthnRequest(doc: Document): AuthnRequest {
  const root = rootOf(doc, "AuthnRequest");
  const index = root.getAttribute("AssertionConsumerServiceIndex");
  if (index !== null && index !== "" && !/^\d{1,5}$/.test(index)) throw new SamlRequestError("Invalid AssertionConsumerServiceIndex.");
  return {
    id: root.getAttribute("ID")!,
    destination: root.getAttribute("Destination") || null,
    issuer: text(child(root, NS.assertion, "Issuer")),
    acsUrl: root.getAttribute("AssertionConsumerServiceURL") || null,
    acsIndex: index ? Number(index) : null,
    protocolBinding: root.getAttribute("ProtocolBinding") || null,
    nameIdFormat: child(root, NS.protocol, "NameIDPolicy")?.getAttribute("Format") || null,
    forceAuthn: bool(root.getAttribute("ForceAuthn")),
    isPassive: bool(root.getAttribute("IsPassive")),
  };
}

/** The fields of a LogoutRequest we act on (SAML Core §3.7.1). */
export interface LogoutRequest {
  id: string;
  destination: string | null;
  issuer: string | null;
  nameId: string | null;
  sessionIndexes: string[];
}

export function readLogoutRequest(doc: Document): LogoutRequest {
  const root = rootOf(doc, "LogoutRequest");
  return {
    id: root.getAttribute("ID")!,
    destination: root.getAttribute("Destination") || null,
    issuer: text(child(root, NS.assertion, "Issuer")),
    nameId: text(child(root, NS.assertion, "NameID")),
    sessionIndexes: children(root, NS.protocol, "SessionIndex").map((e) => (e.textContent ?? "").trim()),
  };
}
