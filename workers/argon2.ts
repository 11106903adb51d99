/**
 * The Worker's argon2 WASM module (DESIGN §4, §8): imported statically, so wrangler uploads it
 * as a compiled module and no code generation happens at run time (workerd forbids compiling
 * WASM from bytes). Pass it to `createPasswordHasher({ argon2Module })` once, when building deps.
 */
import argon2Wasm from "@phi-ag/argon2/argon2.wasm";

/** `@phi-ag/argon2`'s `argon2.wasm`, compiled by the runtime. */
export const argon2Module: WebAssembly.Module = argon2Wasm;

export default argon2Module;
