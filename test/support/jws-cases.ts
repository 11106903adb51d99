/**
 * Cases for `signJwt` (src/core/jws.ts) with a host's signer: what it issues must verify with jose,
 * as every relying party's library would verify it, for RS256, ES256 and EdDSA (Ed25519), with
 * non-ASCII claims.
 * Run by test/unit/jws.test.ts (WebCrypto, in workerd) and test/integration/jws-node-signer.test.ts
 * (node:crypto, in Node).
 */
import { decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, jwtVerify, type CryptoKey } from "jose";
import { expect, it } from "vitest";
import { base64urlText, fromBase64url } from "../../src/core/encoding.js";
import { signJwt } from "../../src/core/jws.js";
import type { KeyAlgorithm } from "../../src/ports/crypto.js";
import type { JwsSigner } from "../../src/ports/signer.js";

const claims = { iss: "https://idp.example/application/o/app/", sub: "Zoë Ångström 山田", aud: "client", n: 1, nested: { a: [1, "two"] } };

export function signJwtCases(signer: JwsSigner): void {
  it.each(["RS256", "ES256", "EdDSA"] as KeyAlgorithm[])("%s tokens verify with jose and carry the header and claims", async (alg) => {
    const pair = await generateKeyPair(alg, { extractable: true, ...(alg === "EdDSA" ? { crv: "Ed25519" } : {}) });
    // As keys.ts imports them: from the stored private JWK.
    const privateKey = (await importJWK(await exportJWK(pair.privateKey), alg)) as CryptoKey;
    const token = await signJwt(signer, { alg, kid: "k1", privateKey }, claims, "at+jwt");
    expect(token.split(".")).toHaveLength(3);
    expect(decodeProtectedHeader(token)).toEqual({ alg, kid: "k1", typ: "at+jwt" });
    const { payload } = await jwtVerify(token, pair.publicKey, { algorithms: [alg], typ: "at+jwt" });
    expect(payload).toEqual(claims);
    if (alg === "ES256") expect(fromBase64url(token.split(".")[2]!)).toHaveLength(64); // r‖s, not DER

    // A changed claim fails verification.
    const [h, , s] = token.split(".");
    const forged = `${h}.${base64urlText(JSON.stringify({ ...claims, sub: "admin" }))}.${s}`;
    await expect(jwtVerify(forged, pair.publicKey, { algorithms: [alg] })).rejects.toThrow();
    // Repeated signing of the same key works (cached key handles).
    const again = await signJwt(signer, { alg, kid: "k1", privateKey }, { sub: "again" });
    expect((await jwtVerify(again, pair.publicKey)).payload).toEqual({ sub: "again" });
  });

  it("omits typ when none is given", async () => {
    const pair = await generateKeyPair("ES256", { extractable: true });
    const token = await signJwt(signer, { alg: "ES256", kid: "k2", privateKey: pair.privateKey }, { sub: "x" });
    expect(decodeProtectedHeader(token)).toEqual({ alg: "ES256", kid: "k2" });
    await expect(jwtVerify(token, pair.publicKey)).resolves.toBeTruthy();
  });
}
