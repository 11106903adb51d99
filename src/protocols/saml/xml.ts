/**
 * Hardened XML input. Messages from the network are bounded before anything expensive happens:
 * base64 length, inflated size (the inflate stream is cut off at the limit, so a 1 MB "bomb"
 * costs a few KB of work), no DOCTYPE or ENTITY declarations at all (XXE, billion laughs), and a
 * strict parser that throws on any error. There is no XSD validation: an IdP only reads a few
 * fields of AuthnRequest/LogoutRequest, each checked where it is read (DESIGN §8 measured the
 * xmllint-WASM validators at ~8.9 MB and 330–660 ms per message).
 */
import { DOMParser, type Document, type Element } from "@xmldom/xmldom";
import { SamlRequestError } from "./errors.js";

/** Largest decoded (inflated) message we parse. AuthnRequests are typically 1–4 KB. */
export const MAX_XML_BYTES = 64 * 1024;
/** Largest base64 text accepted for a message (before decoding). */
export const MAX_ENCODED_CHARS = Math.ceil((MAX_XML_BYTES * 4) / 3) + 4;

/** Strict base64 (whitespace tolerated, as some SPs wrap lines) → bytes. */
export function decodeBase64(text: string): Uint8Array {
  if (text.length > MAX_ENCODED_CHARS * 1.1) throw new SamlRequestError("The SAML message is too large.");
  const clean = text.replace(/[\r\n\t ]/g, "");
  if (clean.length > MAX_ENCODED_CHARS || !/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) {
    throw new SamlRequestError(clean.length > MAX_ENCODED_CHARS ? "The SAML message is too large." : "The SAML message is not valid base64.");
  }
  const bin = atob(clean);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function encodeBase64(bytes: Uint8Array | string): string {
  const b = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
  let bin = "";
  for (let i = 0; i < b.length; i += 0x8000) bin += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** Raw DEFLATE (HTTP-Redirect binding, SAML Bindings §3.4.4.1), stopping at `limit` bytes. */
export async function inflateRaw(data: Uint8Array, limit = MAX_XML_BYTES): Promise<Uint8Array> {
  const stream = new Blob([new Uint8Array(data)]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limit) throw new SamlRequestError("The SAML message is too large.");
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof SamlRequestError) throw err;
    throw new SamlRequestError("The SAML message is not valid DEFLATE data.");
  } finally {
    reader.cancel().catch(() => {});
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

export async function deflateRaw(text: string): Promise<Uint8Array> {
  const stream = new Blob([new TextEncoder().encode(text)]).stream().pipeThrough(new CompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** UTF-8 text of a message, refusing oversized input and any DTD (DOCTYPE/ENTITY). */
export function checkedXmlText(bytes: Uint8Array): string {
  if (bytes.byteLength > MAX_XML_BYTES) throw new SamlRequestError("The SAML message is too large.");
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new SamlRequestError("The SAML message is not UTF-8.");
  }
  // No legitimate SAML message carries a DTD; refusing it outright removes XXE and entity expansion.
  if (/<!DOCTYPE|<!ENTITY|<!ATTLIST|<!ELEMENT/i.test(text)) throw new SamlRequestError("DTDs are not allowed in SAML messages.");
  return text;
}

/** Parses checked XML; any parser error (not warnings) is a request error. */
export function parseXml(text: string): Document {
  let failed: string | null = null;
  const parser = new DOMParser({
    onError: (level, message) => {
      if (level !== "warning") failed ??= String(message);
    },
  });
  let doc: Document;
  try {
    doc = parser.parseFromString(text, "text/xml");
  } catch {
    throw new SamlRequestError("The SAML message is not well-formed XML.");
  }
  if (failed || !doc.documentElement) throw new SamlRequestError("The SAML message is not well-formed XML.");
  return doc;
}

/** Direct children of `parent` with namespace `ns` and local name `name`. */
export function children(parent: Element, ns: string, name: string): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === name) out.push(n as Element);
  }
  return out;
}

/** The only such child, null when absent; a request error when repeated. */
export function child(parent: Element, ns: string, name: string): Element | null {
  const all = children(parent, ns, name);
  if (all.length > 1) throw new SamlRequestError(`The SAML message repeats <${name}>.`);
  return all[0] ?? null;
}

/** XML escaping for text and attribute values. */
export function esc(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[ch]!);
}
