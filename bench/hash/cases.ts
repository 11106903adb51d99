/**
 * The hash benchmark's cases, shared by the workerd run (bench/hash/worker.ts) and the Node run
 * (bench/hash/run.mjs), so both time exactly the same code.
 */
import { argon2id } from "@noble/hashes/argon2.js";
import { createPasswordHasher, DEFAULT_ARGON2_PARAMS } from "../../src/core/passwords/index.js";
import { bcrypt, djangoPbkdf2, keycloak } from "../../test/fixtures/passwords.js";

/** One benchmark case: `run` does one hash or verify and throws if the result is wrong. */
export interface BenchCase {
  name: string;
  /** Default number of timed runs (after one warm-up). */
  runs: number;
  run(): Promise<void>;
}

function fixture<T extends { encoded: string }>(list: T[], prefix: string): T {
  const found = list.find((f) => f.encoded.startsWith(prefix));
  if (!found) throw new Error(`no fixture ${prefix}`);
  return found;
}

/** The cases, with the hasher built once from `argon2Module` (as hosts do). */
export function createCases(argon2Module: WebAssembly.Module): BenchCase[] {
  const hasher = createPasswordHasher({ argon2Module });
  const { memoryKiB: m, iterations: t, parallelism: p } = DEFAULT_ARGON2_PARAMS;
  const pbkdf2Million = fixture(djangoPbkdf2, "pbkdf2_sha256$1000000$");
  const pbkdf2HundredK = fixture(djangoPbkdf2, "pbkdf2_sha256$100000$");
  const bcrypt12 = fixture(bcrypt, "$2b$12$");
  const keycloak600k = keycloak.find((f) => f.note.includes("600,000"))!;
  const verify = (password: string, stored: string) => async () => {
    const result = await hasher.verify(password, stored);
    if (!result.valid) throw new Error(`verify failed: ${result.reason}`);
  };
  const salt = new Uint8Array(16).fill(7);
  return [
    { name: `argon2id WASM hash (m=${m},t=${t},p=${p})`, runs: 50, run: async () => void (await hasher.hash("correct horse battery staple")) },
    {
      name: `argon2id noble (m=${m},t=${t},p=${p})`,
      runs: 5,
      run: async () => void argon2id("correct horse battery staple", salt, { m, t, p, dkLen: 32 }),
    },
    { name: "Django pbkdf2_sha256 1,000,000 verify (noble)", runs: 5, run: verify(pbkdf2Million.password, pbkdf2Million.encoded) },
    { name: "Django pbkdf2_sha256 100,000 verify (WebCrypto)", runs: 20, run: verify(pbkdf2HundredK.password, pbkdf2HundredK.encoded) },
    { name: "Keycloak pbkdf2-sha256 600,000 verify (noble)", runs: 5, run: verify(keycloak600k.password, keycloak600k.encoded) },
    { name: "bcrypt cost 12 verify (bcryptjs)", runs: 10, run: verify(bcrypt12.password, bcrypt12.encoded) },
  ];
}
