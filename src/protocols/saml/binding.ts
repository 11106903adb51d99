/**
 * Sending messages to the SP (SAML Bindings §3.4, §3.5): HTTP-POST as an auto-submitting form,
 * HTTP-Redirect as a deflated query with a detached signature over the raw query octets
 * (§3.4.4.1). The pages are the OAuth2 ones (form_post page, navigation page).
 */
import { formPostPage, navigatePage } from "../oauth2/render.js";
import type { SamlSigningKey } from "./keys.js";
import type { Binding } from "./request.js";
import { deflateRaw, encodeBase64 } from "./xml.js";

/** A message ready to deliver (JSON: prepared by the fulfilment, kept in the cache briefly). */
export interface OutgoingMessage {
  url: string;
  binding: Binding;
  param: "SAMLResponse" | "SAMLRequest";
  /** POST: base64 XML. Redirect: the complete URL is in `url` already. */
  value: string | null;
  relayState: string | null;
}

const SIGN_PARAMS: Record<string, { import: RsaHashedImportParams | EcKeyImportParams; sign: AlgorithmIdentifier | EcdsaParams }> = {
  "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256": { import: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, sign: { name: "RSASSA-PKCS1-v1_5" } },
  "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512": { import: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-512" }, sign: { name: "RSASSA-PKCS1-v1_5" } },
  "http://www.w3.org/2000/09/xmldsig#rsa-sha1": { import: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-1" }, sign: { name: "RSASSA-PKCS1-v1_5" } },
  "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256": { import: { name: "ECDSA", namedCurve: "P-256" }, sign: { name: "ECDSA", hash: "SHA-256" } },
};

function pemBody(pem: string): Uint8Array<ArrayBuffer> {
  const bin = atob(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""));
  return Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
}

const enc = (v: string) => encodeURIComponent(v);

/**
 * Prepares `xml` for `binding` to `url`. Redirect messages are signed over the query when `sign`
 * is given (XML signatures do not survive DEFLATE + query encoding meaningfully for SPs).
 */
export async function prepare(
  url: string,
  binding: Binding,
  param: OutgoingMessage["param"],
  xml: string,
  relayState: string | null,
  sign: { key: SamlSigningKey; algorithm: string } | null,
): Promise<OutgoingMessage> {
  if (binding === "post") return { url, binding, param, value: encodeBase64(xml), relayState };
  let query = `${param}=${enc(encodeBase64(await deflateRaw(xml)))}`;
  if (relayState) query += `&RelayState=${enc(relayState)}`;
  if (sign) {
    const alg = SIGN_PARAMS[sign.algorithm];
    if (!alg) throw new Error(`unsupported signature algorithm ${sign.algorithm}`);
    query += `&SigAlg=${enc(sign.algorithm)}`;
    const key = await crypto.subtle.importKey("pkcs8", pemBody(sign.key.privateKeyPem), alg.import, false, ["sign"]);
    const signature = new Uint8Array(await crypto.subtle.sign(alg.sign, key, new TextEncoder().encode(query)));
    query += `&Signature=${enc(encodeBase64(signature))}`;
  }
  const target = new URL(url);
  target.search = target.search ? `${target.search}&${query}` : `?${query}`;
  return { url: target.toString(), binding, param, value: null, relayState };
}

/** The HTML page that delivers a prepared message from our origin. */
export function deliveryPage(m: OutgoingMessage): string {
  if (m.binding === "redirect") return navigatePage(m.url);
  const fields: Record<string, string> = { [m.param]: m.value ?? "" };
  if (m.relayState) fields.RelayState = m.relayState;
  return formPostPage(m.url, fields);
}
