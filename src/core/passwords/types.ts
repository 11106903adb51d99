/** Public and internal types of the password hasher (DESIGN §4). */
import type { PasswordCheck, PasswordHasher as PasswordHasherPort } from "../../ports/passwords.js";

/** Argon2 cost parameters; the PHC string stores them next to the hash. */
export interface Argon2Params {
  /** Memory in KiB (`m`). */
  memoryKiB: number;
  /** Passes over memory (`t`). */
  iterations: number;
  /** Lanes (`p`). The WASM build is single-threaded: lanes run one after another. */
  parallelism: number;
  /** Output length in bytes. */
  hashLength: number;
  /** Salt length in bytes for new hashes. */
  saltLength: number;
}

/** Why a verification failed; a value for events and admin views, never shown to the user. */
export type VerifyFailure =
  /** The format was recognised and well formed, and the password does not match. */
  | "mismatch"
  /** The stored string matches no supported format. */
  | "unsupported"
  /** A supported format with a broken field (bad base64, missing parameter, …). */
  | "malformed"
  /** Well formed, but its cost exceeds the limits set for this host (memory, iterations). */
  | "too_expensive";

/** Result of {@link PasswordHasher.verify}: the port's `PasswordCheck` plus a failure reason. */
export interface VerifyResult extends PasswordCheck {
  /** True when `password` matches the stored hash. */
  valid: boolean;
  /**
   * True when valid and the stored hash is not argon2id (v=19) with the hasher's current
   * parameters: the caller should store `await hash(password)` in its place (transparent
   * upgrade on login).
   */
  needsRehash: boolean;
  /** Set when `valid` is false. */
  reason?: VerifyFailure;
}

/** Hashes new passwords (argon2id) and verifies every supported stored format (implements the port). */
export interface PasswordHasher extends PasswordHasherPort {
  /** A new argon2id PHC string for `password` (UTF-8 bytes as given) with a fresh random salt. */
  hash(password: string): Promise<string>;
  /**
   * Checks `password` against `stored`. Never throws on bad stored data (unknown or malformed
   * formats give `{ valid: false }`) and never logs the password.
   */
  verify(password: string, stored: string): Promise<VerifyResult>;
}

/** Outcome of one format's verifier (internal). */
export type VerifyOutcome =
  | { kind: "match"; current: boolean }
  | { kind: "fail"; reason: Exclude<VerifyFailure, "unsupported"> };

/** Shared context given to every format's verifier (internal). */
export interface VerifyContext {
  /** Raw argon2 with the WASM instance or noble, chosen by memory (see `argon2.ts`). */
  argon2(input: Argon2Input): Promise<Uint8Array>;
  /** Current parameters for new hashes. */
  params: Argon2Params;
  /** Cost ceilings for stored hashes. */
  limits: VerifyLimits;
}

/** Ceilings on the cost of verifying a stored hash; above them verification fails as `too_expensive`. */
export interface VerifyLimits {
  /** Largest argon2 `m` (KiB) accepted. */
  maxArgon2MemoryKiB: number;
  /** Largest argon2 `t` accepted. */
  maxArgon2Iterations: number;
  /** Largest PBKDF2 iteration count accepted. */
  maxPbkdf2Iterations: number;
  /** Largest bcrypt cost (log2 rounds) accepted. */
  maxBcryptCost: number;
}

/** Argon2 variant. Numbers are the reference implementation's `argon2_type`. */
export type Argon2Type = "argon2d" | "argon2i" | "argon2id";

/** Everything needed for one raw argon2 computation (internal). */
export interface Argon2Input {
  type: Argon2Type;
  /** 0x10 or 0x13. */
  version: number;
  memoryKiB: number;
  iterations: number;
  parallelism: number;
  password: Uint8Array;
  salt: Uint8Array;
  hashLength: number;
}

/** A stored-hash format (internal): one file per format, one line in the registry. */
export interface PasswordFormat {
  /** Short id for docs and tests, e.g. `django-pbkdf2`. */
  id: string;
  /** True when `stored` is this format's (by prefix; the string may still be malformed). */
  matches(stored: string): boolean;
  verify(password: string, stored: string, ctx: VerifyContext): Promise<VerifyOutcome>;
}
