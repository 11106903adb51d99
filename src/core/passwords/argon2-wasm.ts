/**
 * A small wrapper over the raw exports of `@phi-ag/argon2`'s `argon2.wasm` (the reference C
 * implementation built with emscripten, SIMD).
 *
 * Why not the package's `Argon2` class: it passes the JS string length as the password byte
 * length, which silently truncates non-ASCII passwords (DESIGN §8). Here the caller hands in
 * UTF-8 bytes and their real length. We also ask only for the raw tag (no encoded output) and
 * compare it ourselves, so any PHC parameter order and both versions (0x10, 0x13) verify.
 *
 * The WASM linear memory grows to about `m` KiB on the first hash and never shrinks, so the
 * hasher keeps one instance per compiled module and only runs parameters up to its own `m`.
 */
import type { Argon2Input, Argon2Type } from "./types.js";

/** The raw exports we use (C signatures from argon2.h). */
interface Argon2Exports {
  memory: WebAssembly.Memory;
  _initialize(): void;
  malloc(size: number): number;
  free(ptr: number): void;
  argon2_hash(
    tCost: number,
    mCost: number,
    parallelism: number,
    pwd: number,
    pwdLen: number,
    salt: number,
    saltLen: number,
    hash: number,
    hashLen: number,
    encoded: number,
    encodedLen: number,
    type: number,
    version: number,
  ): number;
}

/** `argon2_type` values from argon2.h. */
const TYPE_CODES: Record<Argon2Type, number> = { argon2d: 0, argon2i: 1, argon2id: 2 };

/** Raw argon2 over one WASM instance. Synchronous: a call never interleaves with another. */
export interface Argon2Wasm {
  /** The raw tag for `input`; throws on an argon2 error code (bad parameters, out of memory). */
  hashRaw(input: Argon2Input): Uint8Array;
  /** Current size of the instance's linear memory in bytes (grows, never shrinks). */
  memoryBytes(): number;
}

const instances = new WeakMap<WebAssembly.Module, Promise<Argon2Wasm>>();

/**
 * The shared wrapper for `module`: instantiated once per module per isolate, however many
 * hashers are created from it (a new instance per call leaks memory in workerd, DESIGN §8).
 */
export function loadArgon2Wasm(module: WebAssembly.Module): Promise<Argon2Wasm> {
  let loaded = instances.get(module);
  if (!loaded) {
    loaded = instantiate(module);
    instances.set(module, loaded);
    // A failed instantiation may be retried with the next call.
    loaded.catch(() => instances.delete(module));
  }
  return loaded;
}

async function instantiate(module: WebAssembly.Module): Promise<Argon2Wasm> {
  const instance = await WebAssembly.instantiate(module, {});
  const exports = instance.exports as unknown as Argon2Exports;
  for (const name of ["_initialize", "malloc", "free", "argon2_hash"] as const) {
    if (typeof exports[name] !== "function") throw new Error(`argon2.wasm: missing export ${name}`);
  }
  if (!(exports.memory instanceof WebAssembly.Memory)) throw new Error("argon2.wasm: missing memory");
  exports._initialize();
  return {
    hashRaw: (input) => hashRaw(exports, input),
    memoryBytes: () => exports.memory.buffer.byteLength,
  };
}

function hashRaw(wasm: Argon2Exports, input: Argon2Input): Uint8Array {
  const { password, salt, hashLength } = input;
  // malloc(0) may return 0, which argon2 reads as "no buffer": always ask for at least one byte.
  const pwdPtr = wasm.malloc(Math.max(password.length, 1));
  const saltPtr = wasm.malloc(Math.max(salt.length, 1));
  const hashPtr = wasm.malloc(hashLength);
  try {
    if (!pwdPtr || !saltPtr || !hashPtr) throw new Error("argon2.wasm: malloc failed");
    new Uint8Array(wasm.memory.buffer).set(password, pwdPtr);
    new Uint8Array(wasm.memory.buffer).set(salt, saltPtr);
    const code = wasm.argon2_hash(
      input.iterations,
      input.memoryKiB,
      input.parallelism,
      pwdPtr,
      password.length,
      saltPtr,
      salt.length,
      hashPtr,
      hashLength,
      0,
      0,
      TYPE_CODES[input.type],
      input.version,
    );
    if (code !== 0) throw new Error(`argon2.wasm: argon2_hash returned ${code}`);
    // The call may have grown memory, detaching earlier views: take a fresh one.
    return new Uint8Array(wasm.memory.buffer).slice(hashPtr, hashPtr + hashLength);
  } finally {
    // Wipe the password copy before handing the block back to the allocator.
    const heap = new Uint8Array(wasm.memory.buffer);
    if (pwdPtr) heap.fill(0, pwdPtr, pwdPtr + password.length);
    if (hashPtr) heap.fill(0, hashPtr, hashPtr + hashLength);
    for (const ptr of [pwdPtr, saltPtr, hashPtr]) if (ptr) wasm.free(ptr);
  }
}
