// The same password suite on Node, with the module read and compiled by the Node host's loader.
import { expect, it } from "vitest";
import { createPasswordHasher } from "../../src/core/passwords/index.js";
import { loadArgon2Module } from "../../src/node/argon2.js";
import { djangoArgon2Large } from "../fixtures/passwords.js";
import { passwordHasherSuite } from "../fixtures/passwords-suite.js";

passwordHasherSuite("node", loadArgon2Module);

it("compiles argon2.wasm once per process", async () => {
  const [a, b] = await Promise.all([loadArgon2Module(), loadArgon2Module()]);
  expect(a).toBe(b);
  expect(a).toBeInstanceOf(WebAssembly.Module);
});

it("verifies Django's m=102400 argon2 when a host raises the memory ceiling", { timeout: 60_000 }, async () => {
  const passwords = createPasswordHasher({
    argon2Module: await loadArgon2Module(),
    limits: { maxArgon2MemoryKiB: 131_072 },
  });
  const { password, encoded } = djangoArgon2Large;
  expect(await passwords.verify(password, encoded)).toEqual({ valid: true, needsRehash: true });
});
