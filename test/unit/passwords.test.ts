// The password hasher inside workerd, with argon2.wasm imported statically exactly as the Worker
// does (workers/argon2.ts): wrangler and vitest-pool-workers hand it over as a WebAssembly.Module.
import argon2Module from "../../workers/argon2.js";
import { passwordHasherSuite } from "../fixtures/passwords-suite.js";

passwordHasherSuite("workerd", async () => argon2Module, { skipHeavy: true });
