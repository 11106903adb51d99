import { describe, expect, it } from "vitest";
import { createKeyStore } from "../../src/adapters/crypto/keystore.js";
import { cryptoRandom } from "../../src/adapters/system/random.js";
import { KeyStoreError } from "../../src/core/errors.js";

const secret = "a-test-secret-key-that-is-long-enough-1234";

describe("KeyStore (HKDF → AES-256-GCM)", () => {
  it("round-trips text and bytes, with a fresh IV each time", async () => {
    const ks = createKeyStore(secret, cryptoRandom);
    const a = await ks.wrap("client-secret-value", "oauth2.client_secret");
    const b = await ks.wrap("client-secret-value", "oauth2.client_secret");
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(a).not.toContain("client-secret-value");
    expect(await ks.unwrapText(a, "oauth2.client_secret")).toBe("client-secret-value");
    const bytes = cryptoRandom.bytes(64);
    expect(await ks.unwrap(await ks.wrap(bytes, "k"), "k")).toEqual(bytes);
  });

  it("binds the context, detects tampering and the wrong key", async () => {
    const ks = createKeyStore(secret, cryptoRandom);
    const w = await ks.wrap("seed", "totp.seed");
    await expect(ks.unwrap(w, "oauth2.client_secret")).rejects.toBeInstanceOf(KeyStoreError);
    const last = w.at(-2) === "A" ? "B" : "A";
    const tampered = w.slice(0, -2) + last + w.slice(-1);
    await expect(ks.unwrap(tampered, "totp.seed")).rejects.toBeInstanceOf(KeyStoreError);
    await expect(ks.unwrap("garbage", "totp.seed")).rejects.toBeInstanceOf(KeyStoreError);
    const other = createKeyStore(secret + "-other", cryptoRandom);
    await expect(other.unwrap(w, "totp.seed")).rejects.toBeInstanceOf(KeyStoreError);
  });

  it("refuses a short secret key", () => {
    expect(() => createKeyStore("short", cryptoRandom)).toThrow(KeyStoreError);
  });
});
