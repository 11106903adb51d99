import { base64url, fromBase64url, utf8 } from "../../core/encoding.js";
import { KeyStoreError } from "../../core/errors.js";
import type { KeyStore } from "../../ports/keystore.js";
import type { Random } from "../../ports/random.js";

const VERSION = "v1";
// Fixed, public HKDF salt and info: the secret key carries all the entropy; these only
// separate this use of it from any other key we may derive later.
const HKDF_SALT = utf8.encode("threshold/keystore/salt/v1");
const HKDF_INFO = utf8.encode("threshold/keystore/aes-256-gcm/v1");

async function deriveKey(secret: string): Promise<CryptoKey> {
  const ikm = await crypto.subtle.importKey("raw", utf8.encode(secret) as BufferSource, "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: HKDF_SALT as BufferSource, info: HKDF_INFO as BufferSource },
    ikm,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

/**
 * KeyStore over WebCrypto: AES-256-GCM with a key derived by HKDF-SHA256 from
 * `THRESHOLD_SECRET_KEY`; a fresh 96-bit IV per value; `context` is the AAD.
 * Wrapped format: `v1.<base64url iv>.<base64url ciphertext+tag>`.
 */
export function createKeyStore(secretKey: string, random: Random): KeyStore {
  if (secretKey.length < 32) throw new KeyStoreError("secret key must be at least 32 characters");
  const keyPromise = deriveKey(secretKey);
  const unwrap = async (wrapped: string, context: string): Promise<Uint8Array> => {
    const parts = wrapped.split(".");
    if (parts.length !== 3 || parts[0] !== VERSION) throw new KeyStoreError("unrecognised wrapped value");
    try {
      const iv = fromBase64url(parts[1]!);
      const data = fromBase64url(parts[2]!);
      const plain = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: iv as BufferSource, additionalData: utf8.encode(context) as BufferSource },
        await keyPromise,
        data as BufferSource,
      );
      return new Uint8Array(plain);
    } catch (cause) {
      throw new KeyStoreError("wrapped value failed authentication (wrong key, context or tampered)", { cause });
    }
  };
  return {
    async wrap(plaintext, context) {
      const iv = random.bytes(12);
      const data = typeof plaintext === "string" ? utf8.encode(plaintext) : plaintext;
      const ct = await crypto.subtle.encrypt(
        { name: "AES-GCM", iv: iv as BufferSource, additionalData: utf8.encode(context) as BufferSource },
        await keyPromise,
        data as BufferSource,
      );
      return `${VERSION}.${base64url(iv)}.${base64url(new Uint8Array(ct))}`;
    },
    unwrap,
    async unwrapText(wrapped, context) {
      return utf8.decode(await unwrap(wrapped, context));
    },
  };
}
