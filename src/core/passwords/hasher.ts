/**
 * `createPasswordHasher`: argon2id for new hashes, every supported format for verification,
 * and the "re-hash on login" signal (DESIGN §4).
 */
import type { Random } from "../../ports/random.js";
import { loadArgon2Wasm } from "./argon2-wasm.js";
import { argon2Format, createArgon2Engine, djangoArgon2Format, formatArgon2Phc } from "./argon2.js";
import { bcryptFormat, djangoBcryptFormat, djangoBcryptSha256Format } from "./bcrypt.js";
import { utf8 } from "./bytes.js";
import { keycloakFormat } from "./keycloak.js";
import { djangoPbkdf2Format } from "./pbkdf2.js";
import type {
  Argon2Params,
  PasswordFormat,
  PasswordHasher,
  VerifyContext,
  VerifyFailure,
  VerifyLimits,
  VerifyResult,
} from "./types.js";

/**
 * Parameters for new hashes: OWASP's argon2id minimum (m=19 MiB, t=2, p=1), which
 * `bench/hash` measures at ~25 ms in workerd on the WASM build. The PHC string records them,
 * so raising them later re-hashes users on their next login.
 */
export const DEFAULT_ARGON2_PARAMS: Readonly<Argon2Params> = Object.freeze({
  memoryKiB: 19_456,
  iterations: 2,
  parallelism: 1,
  hashLength: 32,
  saltLength: 16,
});

/**
 * Cost ceilings for stored hashes (imported data is trusted, but one bad row must not take an
 * isolate down). Argon2 above the hasher's own `m` runs on @noble/hashes (~10× slower than
 * WASM, memory freed afterwards); 64 MiB keeps that inside a Worker's 128 MB isolate. Node hosts
 * may raise it (Django's own argon2 default is m=102400).
 */
export const DEFAULT_VERIFY_LIMITS: Readonly<VerifyLimits> = Object.freeze({
  maxArgon2MemoryKiB: 65_536,
  maxArgon2Iterations: 64,
  maxPbkdf2Iterations: 10_000_000,
  maxBcryptCost: 16,
});

/** Options of {@link createPasswordHasher}. */
export interface PasswordHasherOptions {
  /**
   * `@phi-ag/argon2`'s `argon2.wasm`, compiled by the host (`workers/argon2.ts`,
   * `src/node/argon2.ts`). One instance is kept per module for the life of the isolate/process.
   */
  argon2Module: WebAssembly.Module;
  /** Parameters for new hashes; defaults: {@link DEFAULT_ARGON2_PARAMS}. */
  params?: Partial<Argon2Params>;
  /** Ceilings on stored-hash cost; defaults: {@link DEFAULT_VERIFY_LIMITS}. */
  limits?: Partial<VerifyLimits>;
  /** Salt source; defaults to `crypto.getRandomValues`. */
  random?: Pick<Random, "bytes">;
}

/**
 * Stored formats, tried in order by prefix. Adding one: a file exporting a `PasswordFormat`,
 * one line here, fixtures in the tests.
 */
export const PASSWORD_FORMATS: readonly PasswordFormat[] = [
  argon2Format,
  djangoArgon2Format,
  djangoPbkdf2Format,
  bcryptFormat,
  djangoBcryptFormat,
  djangoBcryptSha256Format,
  keycloakFormat,
];

/** Thrown (not swallowed) when the WASM module itself cannot be used: a deployment error. */
export class Argon2UnavailableError extends Error {
  override name = "Argon2UnavailableError";
}

/**
 * A password hasher. Create it once per isolate/process (at deps construction), not per request.
 * Throws at creation if `params` are out of range.
 */
export function createPasswordHasher(options: PasswordHasherOptions): PasswordHasher {
  const params = checkParams({ ...DEFAULT_ARGON2_PARAMS, ...options.params });
  const limits: VerifyLimits = { ...DEFAULT_VERIFY_LIMITS, ...options.limits };
  const { random } = options;
  const randomBytes = random
    ? (n: number) => random.bytes(n)
    : (n: number) => crypto.getRandomValues(new Uint8Array(n));
  const wasm = () =>
    loadArgon2Wasm(options.argon2Module).catch((error: unknown) => {
      throw new Argon2UnavailableError(`argon2.wasm could not be instantiated: ${String(error)}`);
    });
  // One linear-memory size for the WASM instance: our own m (DESIGN §8).
  const ctx: VerifyContext = { argon2: createArgon2Engine(wasm, params.memoryKiB), params, limits };

  return {
    async hash(password) {
      const salt = randomBytes(params.saltLength);
      const hash = await ctx.argon2({
        type: "argon2id",
        version: 0x13,
        memoryKiB: params.memoryKiB,
        iterations: params.iterations,
        parallelism: params.parallelism,
        password: utf8(password),
        salt,
        hashLength: params.hashLength,
      });
      return formatArgon2Phc({ type: "argon2id", version: 0x13, ...params, salt, hash });
    },

    async verify(password, stored) {
      if (typeof password !== "string" || typeof stored !== "string") return invalid("unsupported");
      const format = PASSWORD_FORMATS.find((candidate) => candidate.matches(stored));
      if (!format) return invalid("unsupported");
      try {
        const outcome = await format.verify(password, stored, ctx);
        if (outcome.kind === "fail") return invalid(outcome.reason);
        return { valid: true, needsRehash: !outcome.current };
      } catch (error) {
        if (error instanceof Argon2UnavailableError) throw error;
        // Anything else comes from the stored data (argon2 error codes, odd lengths): not a match.
        return invalid("malformed");
      }
    },
  };
}

function invalid(reason: VerifyFailure): VerifyResult {
  return { valid: false, needsRehash: false, reason };
}

function checkParams(params: Argon2Params): Argon2Params {
  const ranges: Record<keyof Argon2Params, [number, number]> = {
    memoryKiB: [8 * params.parallelism, 4 * 1024 * 1024],
    iterations: [1, 1024],
    parallelism: [1, 255],
    hashLength: [16, 1024],
    saltLength: [8, 1024],
  };
  for (const [key, [min, max]] of Object.entries(ranges) as [keyof Argon2Params, [number, number]][]) {
    const value = params[key];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new RangeError(`password params.${key} must be an integer in [${min}, ${max}], got ${String(value)}`);
    }
  }
  return params;
}
