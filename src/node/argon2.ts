/**
 * The Node host's argon2 WASM module: the same `argon2.wasm` the Worker imports, read from
 * node_modules and compiled once per process. Pass it to `createPasswordHasher`.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

let compiled: Promise<WebAssembly.Module> | undefined;

/** Path of `@phi-ag/argon2/argon2.wasm`, resolved through the package's `exports`. */
export function argon2WasmPath(): string {
  return createRequire(import.meta.url).resolve("@phi-ag/argon2/argon2.wasm");
}

/** The compiled `argon2.wasm` (cached: every caller shares one module, hence one instance). */
export function loadArgon2Module(): Promise<WebAssembly.Module> {
  compiled ??= readFile(argon2WasmPath()).then((bytes) => WebAssembly.compile(bytes));
  compiled.catch(() => {
    compiled = undefined;
  });
  return compiled;
}
