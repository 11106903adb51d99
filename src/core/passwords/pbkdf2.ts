/**
 * PBKDF2-HMAC (RFC 8018) for imported hashes, and Django's `pbkdf2_sha256$…` / `pbkdf2_sha1$…`.
 *
 * Production Workers reject WebCrypto PBKDF2 above 100,000 iterations while local workerd and
 * Node accept it (DESIGN §4), so tests cannot catch a mistake here: above that count we always
 * use @noble/hashes (pure JS, ~1 s per million SHA-256 iterations); at or below it, WebCrypto
 * (native, much faster).
 */
import { pbkdf2Async } from "@noble/hashes/pbkdf2.js";
import { sha1 } from "@noble/hashes/legacy.js";
import { sha256, sha512 } from "@noble/hashes/sha2.js";
import { constantTimeEqual, fromBase64, parseIntStrict, utf8 } from "./bytes.js";
import type { PasswordFormat, VerifyContext, VerifyOutcome } from "./types.js";

/** Largest iteration count handed to WebCrypto: production Workers refuse more. */
export const WEBCRYPTO_PBKDF2_MAX_ITERATIONS = 100_000;

/** Digests PBKDF2 runs on, by WebCrypto name. */
export type Pbkdf2Digest = "SHA-1" | "SHA-256" | "SHA-512";

const NOBLE_HASHES = { "SHA-1": sha1, "SHA-256": sha256, "SHA-512": sha512 } as const;

/** PBKDF2-HMAC-`digest` of `password` and `salt`; WebCrypto only up to 100,000 iterations. */
export async function pbkdf2(
  digest: Pbkdf2Digest,
  password: Uint8Array<ArrayBuffer>,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number,
  length: number,
): Promise<Uint8Array> {
  if (iterations > WEBCRYPTO_PBKDF2_MAX_ITERATIONS) {
    return pbkdf2Async(NOBLE_HASHES[digest], password, salt, { c: iterations, dkLen: length });
  }
  const key = await crypto.subtle.importKey("raw", password, "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: digest, salt, iterations }, key, length * 8);
  return new Uint8Array(bits);
}

/** Derives and compares; shared by the Django and Keycloak formats. */
export async function verifyPbkdf2(
  password: string,
  expected: { digest: Pbkdf2Digest; salt: Uint8Array<ArrayBuffer>; iterations: number; hash: Uint8Array },
  ctx: VerifyContext,
): Promise<VerifyOutcome> {
  if (expected.iterations > ctx.limits.maxPbkdf2Iterations) return { kind: "fail", reason: "too_expensive" };
  const derived = await pbkdf2(expected.digest, utf8(password), expected.salt, expected.iterations, expected.hash.length);
  return constantTimeEqual(derived, expected.hash) ? { kind: "match", current: false } : { kind: "fail", reason: "mismatch" };
}

const DJANGO_PBKDF2 = /^(pbkdf2_sha256|pbkdf2_sha1)\$(\d+)\$([^$]*)\$([A-Za-z0-9+/=]+)$/;

/**
 * Django's `PBKDF2PasswordHasher` (authentik's default: 1,000,000 iterations in recent releases)
 * and `PBKDF2SHA1PasswordHasher`: `pbkdf2_sha256$<iterations>$<salt>$<base64 of the key>`.
 * The salt is used as its UTF-8 text (Django does not decode it); the key length is the digest's.
 */
export const djangoPbkdf2Format: PasswordFormat = {
  id: "django-pbkdf2",
  matches: (stored) => stored.startsWith("pbkdf2_sha256$") || stored.startsWith("pbkdf2_sha1$"),
  async verify(password, stored, ctx) {
    const match = DJANGO_PBKDF2.exec(stored);
    if (!match) return { kind: "fail", reason: "malformed" };
    const [, algorithm, iterationText, saltText, hashText] = match as unknown as [string, string, string, string, string];
    const digest: Pbkdf2Digest = algorithm === "pbkdf2_sha256" ? "SHA-256" : "SHA-1";
    const iterations = parseIntStrict(iterationText, 1, Number.MAX_SAFE_INTEGER);
    const hash = fromBase64(hashText);
    if (!iterations || !hash || hash.length !== (digest === "SHA-256" ? 32 : 20) || saltText === "") {
      return { kind: "fail", reason: "malformed" };
    }
    return verifyPbkdf2(password, { digest, salt: utf8(saltText), iterations, hash }, ctx);
  },
};
