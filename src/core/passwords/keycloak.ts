/**
 * Keycloak password credentials, so users exported from Keycloak keep their passwords.
 *
 * ## String encoding (ours): `keycloak$<json>`
 *
 * `<json>` is one JSON object in either shape Keycloak exports:
 *
 * 1. A credential of a realm/user export (Keycloak ≥ 11) or of the `credential` table, with
 *    `secretData`/`credentialData` (or `secret_data`/`credential_data`) as JSON strings, as
 *    Keycloak writes them, or as objects:
 *    `{"type":"password","secretData":"{\"value\":\"<b64>\",\"salt\":\"<b64>\",\"additionalParameters\":{}}",
 *      "credentialData":"{\"hashIterations\":27500,\"algorithm\":\"pbkdf2-sha256\",\"additionalParameters\":{}}"}`
 * 2. The flat legacy form (Keycloak < 11):
 *    `{"algorithm":"pbkdf2-sha256","hashIterations":27500,"salt":"<b64>","value":"<b64>"}`
 *    (`hashedSaltedValue` is accepted for `value`).
 *
 * Other fields (`id`, `type`, `createdDate`, `userLabel`, …) are ignored.
 * {@link encodeKeycloakCredential} builds the string from an export entry.
 *
 * ## Algorithms (as Keycloak computes them)
 *
 * - `pbkdf2` (HMAC-SHA1), `pbkdf2-sha256`, `pbkdf2-sha512`: PBKDF2 over the UTF-8 password
 *   (Java's `PBEKeySpec` encodes chars as UTF-8) with the decoded salt; the key length is the
 *   decoded `value`'s length (Keycloak's default is 512 bits).
 * - `argon2` (Keycloak ≥ 24's default): `hashIterations` is `t`; `additionalParameters` holds
 *   one-element string arrays `type` (`id`|`i`|`d`, default `id`), `version` (`1.3`|`1.0`,
 *   default `1.3`), `memory` (KiB, default 7168), `parallelism` (default 1), `hashLength`
 *   (default 32): Keycloak's defaults apply to missing entries.
 */
import { fromBase64 } from "./bytes.js";
import { verifyArgon2Phc } from "./argon2.js";
import { verifyPbkdf2, type Pbkdf2Digest } from "./pbkdf2.js";
import type { Argon2Type, PasswordFormat, VerifyOutcome } from "./types.js";

/** One Keycloak credential as exported (either shape); see the module documentation. */
export type KeycloakCredentialInput =
  | {
      secretData: string | Record<string, unknown>;
      credentialData: string | Record<string, unknown>;
      [field: string]: unknown;
    }
  | {
      algorithm: string;
      hashIterations: number;
      salt: string;
      value?: string;
      hashedSaltedValue?: string;
      additionalParameters?: Record<string, unknown>;
      [field: string]: unknown;
    };

/** The prefix of our Keycloak credential strings. */
export const KEYCLOAK_PREFIX = "keycloak$";

/** `keycloak$<json>` for a Keycloak export's credential entry, ready for `verify`. */
export function encodeKeycloakCredential(credential: KeycloakCredentialInput): string {
  return KEYCLOAK_PREFIX + JSON.stringify(credential);
}

interface KeycloakCredential {
  algorithm: string;
  iterations: number;
  salt: Uint8Array<ArrayBuffer>;
  value: Uint8Array;
  parameters: Record<string, unknown>;
}

const PBKDF2_DIGESTS: Record<string, Pbkdf2Digest> = {
  pbkdf2: "SHA-1",
  "pbkdf2-sha256": "SHA-256",
  "pbkdf2-sha512": "SHA-512",
};

const ARGON2_TYPES: Record<string, Argon2Type> = { id: "argon2id", i: "argon2i", d: "argon2d" };
const ARGON2_VERSIONS: Record<string, number> = { "1.3": 0x13, "1.0": 0x10 };

/** Keycloak's stored credentials (see the module documentation). */
export const keycloakFormat: PasswordFormat = {
  id: "keycloak",
  matches: (stored) => stored.startsWith(KEYCLOAK_PREFIX),
  async verify(password, stored, ctx): Promise<VerifyOutcome> {
    const credential = parseKeycloakCredential(stored.slice(KEYCLOAK_PREFIX.length));
    if (!credential) return { kind: "fail", reason: "malformed" };
    const digest = PBKDF2_DIGESTS[credential.algorithm];
    if (digest) {
      const { salt, iterations, value: hash } = credential;
      return verifyPbkdf2(password, { digest, salt, iterations, hash }, ctx);
    }
    if (credential.algorithm !== "argon2") return { kind: "fail", reason: "malformed" };
    const phc = argon2FromParameters(credential);
    if (!phc) return { kind: "fail", reason: "malformed" };
    const outcome = await verifyArgon2Phc(password, phc, ctx);
    return outcome.kind === "match" ? { kind: "match", current: false } : outcome;
  },
};

function argon2FromParameters({ iterations, salt, value, parameters }: KeycloakCredential) {
  const type = ARGON2_TYPES[param(parameters, "type") ?? "id"];
  const version = ARGON2_VERSIONS[param(parameters, "version") ?? "1.3"];
  const memoryKiB = Number(param(parameters, "memory") ?? 7168);
  const parallelism = Number(param(parameters, "parallelism") ?? 1);
  const hashLength = Number(param(parameters, "hashLength") ?? value.length);
  const ints = [memoryKiB, parallelism, iterations];
  if (!type || !version || !ints.every((n) => Number.isSafeInteger(n) && n >= 1)) return undefined;
  if (hashLength !== value.length || salt.length < 8 || value.length < 4 || memoryKiB < 8 * parallelism) {
    return undefined;
  }
  return { type, version, memoryKiB, iterations, parallelism, salt, hash: value };
}

/** Keycloak stores each additional parameter as a list of strings; take the first. */
function param(parameters: Record<string, unknown>, name: string): string | undefined {
  const raw = parameters[name];
  const first = Array.isArray(raw) ? raw[0] : raw;
  return typeof first === "string" || typeof first === "number" ? String(first) : undefined;
}

/** Both export shapes to one record; `undefined` on anything malformed. */
export function parseKeycloakCredential(json: string): KeycloakCredential | undefined {
  const root = parseObject(json);
  if (!root) return undefined;
  const secret = root.secretData ?? root.secret_data;
  const data = root.credentialData ?? root.credential_data;
  const flat = secret === undefined && data === undefined;
  const secretData = flat ? root : parseObject(secret);
  const credentialData = flat ? root : parseObject(data);
  if (!secretData || !credentialData) return undefined;
  const { algorithm, hashIterations } = credentialData;
  const salt = typeof secretData.salt === "string" ? fromBase64(secretData.salt) : undefined;
  const valueText = secretData.value ?? (flat ? root.hashedSaltedValue : undefined);
  const value = typeof valueText === "string" ? fromBase64(valueText) : undefined;
  const iterations = typeof hashIterations === "number" ? hashIterations : Number.NaN;
  if (typeof algorithm !== "string" || !Number.isSafeInteger(iterations) || iterations < 1) return undefined;
  if (!salt || !value || value.length === 0) return undefined;
  const extra = credentialData.additionalParameters;
  const parameters = extra && typeof extra === "object" && !Array.isArray(extra) ? (extra as Record<string, unknown>) : {};
  return { algorithm, iterations, salt, value, parameters };
}

/** A JSON object from a string (or an object already parsed); never throws. */
function parseObject(input: unknown): Record<string, unknown> | undefined {
  let value = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
    } catch {
      return undefined;
    }
  }
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
