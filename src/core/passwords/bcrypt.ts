/**
 * bcrypt (`$2a$`, `$2b$`, `$2y$`, via bcryptjs) and Django's `bcrypt$…` / `bcrypt_sha256$…`.
 * bcrypt reads at most 72 bytes of the UTF-8 password (as every implementation does); Django's
 * `bcrypt_sha256` avoids that by hashing the hex SHA-256 of the password instead.
 */
import bcrypt from "bcryptjs";
import { sha256 } from "@noble/hashes/sha2.js";
import { constantTimeEqual, parseIntStrict, toHex, utf8 } from "./bytes.js";
import type { PasswordFormat, VerifyContext, VerifyOutcome } from "./types.js";

/** `$2<a|b|y>$<cost>$<22 salt chars><31 hash chars>` in bcrypt's own base64 alphabet. */
const BCRYPT = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;

/** Verifies a modular-crypt bcrypt string against `secret` (the password or Django's digest). */
async function verifyBcrypt(secret: string, stored: string, ctx: VerifyContext): Promise<VerifyOutcome> {
  const match = BCRYPT.exec(stored);
  const cost = match ? parseIntStrict(match[1] as string, 4, 31) : undefined;
  if (cost === undefined) return { kind: "fail", reason: "malformed" };
  if (cost > ctx.limits.maxBcryptCost) return { kind: "fail", reason: "too_expensive" };
  // Re-hash with the stored salt ($2x$cc$ + 22 salt chars) and compare the whole strings.
  const computed = await bcrypt.hash(secret, stored.slice(0, 29));
  return constantTimeEqual(utf8(computed), utf8(stored))
    ? { kind: "match", current: false }
    : { kind: "fail", reason: "mismatch" };
}

/** Plain bcrypt as written by OpenBSD, PHP (`$2y$`), Node's bcrypt/bcryptjs, Keycloak extensions, … */
export const bcryptFormat: PasswordFormat = {
  id: "bcrypt",
  matches: (stored) => /^\$2[aby]\$/.test(stored),
  verify: (password, stored, ctx) => verifyBcrypt(password, stored, ctx),
};

/** Django's `BCryptPasswordHasher`: `bcrypt$` + the bcrypt string of the raw password. */
export const djangoBcryptFormat: PasswordFormat = {
  id: "django-bcrypt",
  matches: (stored) => stored.startsWith("bcrypt$"),
  verify: (password, stored, ctx) => verifyBcrypt(password, stored.slice("bcrypt$".length), ctx),
};

/**
 * Django's `BCryptSHA256PasswordHasher`: `bcrypt_sha256$` + the bcrypt string of
 * `hex(sha256(utf8(password)))` (64 ASCII bytes, so long passwords are not cut at 72 bytes).
 */
export const djangoBcryptSha256Format: PasswordFormat = {
  id: "django-bcrypt-sha256",
  matches: (stored) => stored.startsWith("bcrypt_sha256$"),
  verify: (password, stored, ctx) =>
    verifyBcrypt(toHex(sha256(utf8(password))), stored.slice("bcrypt_sha256$".length), ctx),
};
