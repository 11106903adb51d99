/**
 * Passwords (DESIGN §4): argon2id for new hashes on the WASM build of `@phi-ag/argon2`, and
 * verification of argon2 (PHC, Django), Django pbkdf2_sha256/sha1 at any iteration count,
 * bcrypt (plain, Django `bcrypt$`, `bcrypt_sha256$`) and Keycloak credentials, with a
 * `needsRehash` flag for transparent upgrade on login. Web APIs only.
 */
export {
  Argon2UnavailableError,
  DEFAULT_ARGON2_PARAMS,
  DEFAULT_VERIFY_LIMITS,
  PASSWORD_FORMATS,
  createPasswordHasher,
  type PasswordHasherOptions,
} from "./hasher.js";
export { formatArgon2Phc, parseArgon2Phc, type Argon2Phc } from "./argon2.js";
export { KEYCLOAK_PREFIX, encodeKeycloakCredential, type KeycloakCredentialInput } from "./keycloak.js";
export { WEBCRYPTO_PBKDF2_MAX_ITERATIONS } from "./pbkdf2.js";
export type {
  Argon2Params,
  Argon2Type,
  PasswordFormat,
  PasswordHasher,
  VerifyFailure,
  VerifyLimits,
  VerifyResult,
} from "./types.js";
