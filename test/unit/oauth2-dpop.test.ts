/**
 * DPoP proof verification inside workerd (the production runtime): jose's embedded-JWK
 * verification, thumbprints for ES256 and EdDSA keys, the jti replay cache, htu/htm and ath.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { createMemoryCache } from "../../src/adapters/memory/cache.js";
import type { Deps } from "../../src/deps.js";
import { accessTokenHash, verifyDpop } from "../../src/protocols/oauth2/dpop.js";

const URL_TOKEN = "https://id.example.com/application/o/token/";

function deps(): Deps {
  const clock = { now: () => new Date() };
  return { clock, cache: createMemoryCache({ clock }) } as unknown as Deps;
}

async function proof(alg: "ES256" | "EdDSA", claims: Record<string, unknown> = {}) {
  const pair = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(pair.publicKey);
  const jwt = await new SignJWT({ jti: crypto.randomUUID(), iat: Math.floor(Date.now() / 1000), htm: "POST", htu: URL_TOKEN, ...claims })
    .setProtectedHeader({ alg, typ: "dpop+jwt", jwk })
    .sign(pair.privateKey);
  return { jwt, jkt: await calculateJwkThumbprint(jwk) };
}

describe("DPoP proofs in workerd", () => {
  it("accepts ES256 and EdDSA proofs once and returns the key thumbprint", async () => {
    const d = deps();
    for (const alg of ["ES256", "EdDSA"] as const) {
      const p = await proof(alg);
      // The query string is ignored (RFC 9449 §4.3).
      await expect(verifyDpop(d, "token", { headers: [p.jwt], method: "POST", url: `${URL_TOKEN}?x=1` })).resolves.toBe(p.jkt);
      await expect(verifyDpop(d, "token", { headers: [p.jwt], method: "POST", url: URL_TOKEN })).rejects.toMatchObject({ error: "invalid_dpop_proof" });
    }
    await expect(verifyDpop(d, "token", { headers: [], method: "POST", url: URL_TOKEN })).resolves.toBeNull();
  });

  it("checks htm, htu and ath; resource errors are 401 with a DPoP challenge", async () => {
    const d = deps();
    const token = "an-access-token";
    const good = await proof("ES256", { htm: "GET", htu: "https://id.example.com/application/o/userinfo/", ath: await accessTokenHash(token) });
    await expect(verifyDpop(d, "resource", { headers: [good.jwt], method: "GET", url: "https://id.example.com/application/o/userinfo/", accessToken: token })).resolves.toBe(good.jkt);
    const wrongAth = await proof("ES256", { htm: "GET", htu: "https://id.example.com/application/o/userinfo/", ath: await accessTokenHash("other") });
    const err = await verifyDpop(d, "resource", { headers: [wrongAth.jwt], method: "GET", url: "https://id.example.com/application/o/userinfo/", accessToken: token }).catch((e: unknown) => e);
    expect(err).toMatchObject({ error: "invalid_dpop_proof", status: 401 });
    expect((err as { wwwAuthenticate: string }).wwwAuthenticate).toMatch(/^DPoP error="invalid_dpop_proof"/);
    const wrongMethod = await proof("ES256");
    await expect(verifyDpop(d, "token", { headers: [wrongMethod.jwt], method: "GET", url: URL_TOKEN })).rejects.toMatchObject({ status: 400 });
  });
});
