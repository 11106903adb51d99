/**
 * `signJwt` with the Node host's node:crypto signer (src/adapters/crypto/node-signer.ts), and the
 * Node host's native hashing and encoding that replace the core's JS ones (`installNativeEncoding`).
 */
import { afterEach, describe, expect, it } from "vitest";
import { nodeSigner } from "../../src/adapters/crypto/node-signer.js";
import { base64urlText, installNativeEncoding, sha256Bytes, sha256Hex } from "../../src/core/encoding.js";
import { nodeEncoding } from "../../src/node/deps.js";
import { signJwtCases } from "../support/jws-cases.js";

describe("signJwt with the node:crypto signer (Node host)", () => signJwtCases(nodeSigner));

describe("the Node host's native encoding", () => {
  afterEach(() => installNativeEncoding(null));

  const inputs = ["", "a", "ab", "abc", "x".repeat(1000), '{"sub":"Zoë"}', "Zoë 山田 🙂", "\u0000\u007f\u0080\u00ff", "\ud83d lone", "??>>", "???", crypto.randomUUID()];
  const all = async () => Promise.all(inputs.map(async (t) => [await sha256Hex(t), [...sha256Bytes(t)], base64urlText(t)] as const));

  it("computes what the core's JS functions compute, ASCII or not, lone surrogates included", async () => {
    installNativeEncoding(null);
    const js = await all();
    installNativeEncoding(nodeEncoding);
    const native = await all();
    expect(native).toEqual(js);
    // FIPS 180-2 and RFC 4648 vectors, through the native path
    expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(base64urlText("??>>")).toBe("Pz8-Pg");
    expect(base64urlText("foobar")).toBe("Zm9vYmFy");
    expect(sha256Bytes("abc")).toBeInstanceOf(Uint8Array);
  });
});
