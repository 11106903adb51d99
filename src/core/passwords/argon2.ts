/**
 * Argon2 PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`), Django's
 * `argon2$argon2id$…` wrapper of the same, and the engine choice (WASM or noble) by memory.
 */
import { argon2dAsync, argon2iAsync, argon2idAsync } from "@noble/hashes/argon2.js";
import type { Argon2Wasm } from "./argon2-wasm.js";
import { constantTimeEqual, fromBase64, parseIntStrict, toBase64, utf8 } from "./bytes.js";
import type { Argon2Input, Argon2Params, Argon2Type, PasswordFormat, VerifyContext, VerifyOutcome } from "./types.js";

/** A parsed argon2 PHC string. */
export interface Argon2Phc {
  type: Argon2Type;
  /** 0x13 (`v=19`) or 0x10 (no `v=`, the original 1.0 format). */
  version: number;
  memoryKiB: number;
  iterations: number;
  parallelism: number;
  salt: Uint8Array;
  hash: Uint8Array;
}

const TYPES: readonly Argon2Type[] = ["argon2d", "argon2i", "argon2id"];
const U32_MAX = 0xffff_ffff;

/**
 * Parses an argon2 PHC string. Parameters may come in any order (Node's `argon2` writes
 * `m=…,p=…,t=…`); `keyid`/`data` (secret or associated data) are not supported. `undefined` on
 * anything malformed.
 */
export function parseArgon2Phc(text: string): Argon2Phc | undefined {
  const parts = text.split("$");
  if (parts[0] !== "") return undefined;
  const type = parts[1] as Argon2Type;
  if (!TYPES.includes(type)) return undefined;
  let rest = parts.slice(2);
  let version = 0x10;
  if (rest[0]?.startsWith("v=")) {
    const v = parseIntStrict(rest[0].slice(2), 0, 255);
    if (v !== 0x10 && v !== 0x13) return undefined;
    version = v;
    rest = rest.slice(1);
  }
  if (rest.length !== 3) return undefined;
  const [paramText, saltText, hashText] = rest as [string, string, string];
  const params = parseParams(paramText);
  const salt = fromBase64(saltText);
  const hash = fromBase64(hashText);
  if (!params || !salt || !hash || salt.length < 8 || hash.length < 4 || hash.length > 1024) return undefined;
  if (params.m < 8 * params.p) return undefined;
  return { type, version, memoryKiB: params.m, iterations: params.t, parallelism: params.p, salt, hash };
}

function parseParams(text: string): { m: number; t: number; p: number } | undefined {
  const seen = new Map<string, number>();
  for (const pair of text.split(",")) {
    const eq = pair.indexOf("=");
    const key = pair.slice(0, eq);
    if (eq < 0 || seen.has(key) || !["m", "t", "p"].includes(key)) return undefined;
    const value = parseIntStrict(pair.slice(eq + 1), 1, key === "p" ? 0xff_ffff : U32_MAX);
    if (value === undefined) return undefined;
    seen.set(key, value);
  }
  const m = seen.get("m");
  const t = seen.get("t");
  const p = seen.get("p");
  return m && t && p ? { m, t, p } : undefined;
}

/** The canonical PHC string (`v=19`, parameters in `m,t,p` order, unpadded base64). */
export function formatArgon2Phc(phc: Argon2Phc): string {
  const version = phc.version === 0x13 ? "$v=19" : "";
  return (
    `$${phc.type}${version}$m=${phc.memoryKiB},t=${phc.iterations},p=${phc.parallelism}` +
    `$${toBase64(phc.salt, false)}$${toBase64(phc.hash, false)}`
  );
}

/** True when `phc` is argon2id v=19 with exactly `params` (else the caller should re-hash). */
export function isCurrentArgon2(phc: Argon2Phc, params: Argon2Params): boolean {
  return (
    phc.type === "argon2id" &&
    phc.version === 0x13 &&
    phc.memoryKiB === params.memoryKiB &&
    phc.iterations === params.iterations &&
    phc.parallelism === params.parallelism &&
    phc.hash.length === params.hashLength
  );
}

const NOBLE = { argon2d: argon2dAsync, argon2i: argon2iAsync, argon2id: argon2idAsync } as const;

/**
 * Raw argon2 that keeps the WASM memory at one size: inputs up to `wasmMaxMemoryKiB` run on the
 * shared WASM instance (~10× faster); larger ones (imported hashes with a bigger `m`) run on
 * @noble/hashes, whose buffer is ordinary garbage-collected memory.
 */
export function createArgon2Engine(
  wasm: () => Promise<Argon2Wasm>,
  wasmMaxMemoryKiB: number,
): (input: Argon2Input) => Promise<Uint8Array> {
  return async (input) => {
    if (input.memoryKiB <= wasmMaxMemoryKiB) return (await wasm()).hashRaw(input);
    return NOBLE[input.type](input.password, input.salt, {
      t: input.iterations,
      m: input.memoryKiB,
      p: input.parallelism,
      version: input.version,
      dkLen: input.hashLength,
      // Our own limits already bound m; noble wants the budget in bytes, below 2^32.
      maxmem: Math.min(input.memoryKiB * 1024, 0xffff_ffff),
    });
  };
}

/** Verifies a parsed PHC string (shared by the plain and Django forms). */
export async function verifyArgon2Phc(password: string, phc: Argon2Phc, ctx: VerifyContext): Promise<VerifyOutcome> {
  const { limits } = ctx;
  if (phc.memoryKiB > limits.maxArgon2MemoryKiB || phc.iterations > limits.maxArgon2Iterations) {
    return { kind: "fail", reason: "too_expensive" };
  }
  const derived = await ctx.argon2({
    type: phc.type,
    version: phc.version,
    memoryKiB: phc.memoryKiB,
    iterations: phc.iterations,
    parallelism: phc.parallelism,
    password: utf8(password),
    salt: phc.salt,
    hashLength: phc.hash.length,
  });
  return constantTimeEqual(derived, phc.hash)
    ? { kind: "match", current: isCurrentArgon2(phc, ctx.params) }
    : { kind: "fail", reason: "mismatch" };
}

/** `$argon2id$…`, `$argon2i$…`, `$argon2d$…` (any parameters, versions 0x10 and 0x13). */
export const argon2Format: PasswordFormat = {
  id: "argon2",
  matches: (stored) => /^\$argon2(id|i|d)\$/.test(stored),
  async verify(password, stored, ctx) {
    const phc = parseArgon2Phc(stored);
    return phc ? verifyArgon2Phc(password, phc, ctx) : { kind: "fail", reason: "malformed" };
  },
};

/**
 * Django's `Argon2PasswordHasher`: `argon2` + the PHC string without its leading `$`
 * (`argon2$argon2id$v=19$m=102400,t=2,p=8$<salt>$<hash>`). Very old Django wrote
 * `argon2$argon2i$v=19$m=512,t=2,p=2$…` the same way.
 */
export const djangoArgon2Format: PasswordFormat = {
  id: "django-argon2",
  matches: (stored) => stored.startsWith("argon2$"),
  async verify(password, stored, ctx) {
    const phc = parseArgon2Phc(stored.slice("argon2".length));
    if (!phc) return { kind: "fail", reason: "malformed" };
    const outcome = await verifyArgon2Phc(password, phc, ctx);
    // A Django-wrapped string is never our own format, whatever its parameters.
    return outcome.kind === "match" ? { kind: "match", current: false } : outcome;
  },
};
