import { sha256 } from "@noble/hashes/sha2.js";

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** base64url without padding (RFC 4648 §5): straight from the bytes, no binary string or btoa. */
export function base64url(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += BASE64URL[n >> 18]! + BASE64URL[(n >> 12) & 63]! + BASE64URL[(n >> 6) & 63]! + BASE64URL[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const n = (bytes[i]! << 16) | (rest === 2 ? bytes[i + 1]! << 8 : 0);
    out += BASE64URL[n >> 18]! + BASE64URL[(n >> 12) & 63]! + (rest === 2 ? BASE64URL[(n >> 6) & 63]! : "");
  }
  return out;
}

/** base64url of a string's UTF-8 bytes (JWS header and payload). */
export function base64urlText(text: string): string {
  if (native) return native.base64urlText(text);
  // ASCII (nearly every JSON we sign) is its own UTF-8: straight to btoa, no byte copy.
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(text)) return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return base64url(utf8.encode(text));
}

export function fromBase64url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new TypeError("invalid base64url");
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The UTF-8 text of standard base64 (HTTP Basic credentials); null if either is malformed. */
export function fromBase64Text(b64: string): string | null {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0)));
  } catch {
    return null;
  }
}

export function hex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += bytes[i]!.toString(16).padStart(2, "0");
  return s;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
export const utf8 = {
  encode: (s: string): Uint8Array => encoder.encode(s),
  decode: (b: Uint8Array): string => decoder.decode(b),
};

/**
 * A host's native implementations of the hashing and encoding the core does per request (see
 * `installNativeEncoding`): the same functions as the JS ones here.
 */
export interface NativeEncoding {
  sha256Hex(text: string): string;
  sha256Bytes(text: string): Uint8Array;
  base64urlText(text: string): string;
}

let native: NativeEncoding | null = null;

/**
 * Lets a host with native synchronous SHA-256 and base64 replace the JS ones process-wide (the
 * Node host: node:crypto and Buffer; ~6× cheaper for a client secret's hash, no regex passes for
 * a JWS payload: bench/oauth/instructions.mjs). Workers keep the JS ones (@noble/hashes: for the
 * short strings hashed here ~100× cheaper than a WebCrypto digest, whose async job costs ~0.1 ms
 * of main-thread time). Installed once at start-up, before any request; `null` restores the JS ones.
 */
export function installNativeEncoding(impl: NativeEncoding | null): void {
  native = impl;
}

/** SHA-256 of a UTF-8 string, hex-encoded (token and session key hashes, client secrets). */
export async function sha256Hex(text: string): Promise<string> {
  return native ? native.sha256Hex(text) : hex(sha256(utf8.encode(text)));
}

/** SHA-256 of a UTF-8 string (PKCE challenges, `at_hash`, DPoP `ath`). */
export function sha256Bytes(text: string): Uint8Array {
  return native ? native.sha256Bytes(text) : sha256(utf8.encode(text));
}

/** Compares two strings in time independent of where they differ (length leaks only). */
export function timingSafeEqual(a: string, b: string): boolean {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  let diff = x.length ^ y.length;
  const n = Math.max(x.length, y.length);
  for (let i = 0; i < n; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}
