/**
 * `signJwt` with the Node host's node:crypto signer (src/adapters/crypto/node-signer.ts), and the
 * Node host's node:crypto SHA-256 that replaces the core's JS one (`installSha256`).
 */
import { afterEach, describe, expect, it } from "vitest";
import { nodeSigner } from "../../src/adapters/crypto/node-signer.js";
import { installSha256, sha256Bytes, sha256Hex } from "../../src/core/encoding.js";
import { nodeSha256 } from "../../src/node/deps.js";
import { signJwtCases } from "../support/jws-cases.js";

describe("signJwt with the node:crypto signer (Node host)", () => signJwtCases(nodeSigner));

describe("the Node host's SHA-256", () => {
  afterEach(() => installSha256(null));

  it("is the core's JS SHA-256, for empty, ASCII, long and non-ASCII input", async () => {
    const inputs = ["", "abc", "x".repeat(1000), "Zoë 山田 🙂", "\u0000\ud83d", crypto.randomUUID()];
    installSha256(null);
    const js = await Promise.all(inputs.map(async (t) => [await sha256Hex(t), [...sha256Bytes(t)]] as const));
    installSha256(nodeSha256);
    const native = await Promise.all(inputs.map(async (t) => [await sha256Hex(t), [...sha256Bytes(t)]] as const));
    expect(native).toEqual(js);
    // FIPS 180-2 test vector
    expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(sha256Bytes("abc")).toBeInstanceOf(Uint8Array);
  });
});
