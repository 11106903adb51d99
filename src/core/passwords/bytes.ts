/**
 * Byte helpers shared by the password verifiers: UTF-8, base64 and constant-time comparison.
 * Web APIs only (runs in workerd and on Node).
 */

const encoder = new TextEncoder();

/** UTF-8 bytes of `text`, exactly as given (no Unicode normalisation, like Django). */
export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes standard-alphabet base64, with or without padding (PHC strings omit it, Django and
 * Keycloak keep it). Returns `undefined` on anything else: stored data is never trusted to parse.
 */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!BASE64.test(text) || text.length % 4 === 1) return undefined;
  try {
    const binary = atob(text);
    const out = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  } catch {
    return undefined;
  }
}

/** Standard-alphabet base64; `pad: false` gives the PHC form (RFC-less "B64" of the PHC spec). */
export function toBase64(bytes: Uint8Array, pad = true): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  const text = btoa(binary);
  return pad ? text : text.replace(/=+$/, "");
}

/** Lower-case hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}

/**
 * Compares two byte strings in time that depends only on their lengths (the length of a derived
 * key is public: it is written in the stored hash).
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/** Parses a decimal integer in `[min, max]` with no sign, spaces or exponent; else `undefined`. */
export function parseIntStrict(text: string, min: number, max: number): number | undefined {
  if (!/^\d{1,15}$/.test(text)) return undefined;
  const value = Number(text);
  return value >= min && value <= max ? value : undefined;
}
