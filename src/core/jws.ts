import type { KeyAlgorithm } from "../ports/crypto.js";
import type { JwsSigner } from "../ports/signer.js";
import { base64url, base64urlText, utf8 } from "./encoding.js";

// The encoded protected header per key and `typ`: a handful per install, the same for every token.
const headers = new Map<string, string>();

function encodedHeader(alg: KeyAlgorithm, kid: string, typ: string | undefined): string {
  const cacheKey = `${alg}\u0000${typ ?? ""}\u0000${kid}`; // kid last: the rest never holds NUL
  let encoded = headers.get(cacheKey);
  if (encoded === undefined) {
    if (headers.size >= 256) headers.clear();
    encoded = base64urlText(JSON.stringify(typ ? { alg, kid, typ } : { alg, kid }));
    headers.set(cacheKey, encoded);
  }
  return encoded;
}

/**
 * A signed JWT in JWS compact serialization (RFC 7515 §7.1):
 * `base64url(header) . base64url(claims) . base64url(signature)`. Issuing goes through the host's
 * `JwsSigner` instead of jose's SignJWT, whose claim builder, header checks and WebCrypto call
 * were half of a client_credentials request's CPU (bench/oauth); verifying stays with jose.
 */
export async function signJwt(
  signer: JwsSigner,
  key: { alg: KeyAlgorithm; kid: string; privateKey: CryptoKey },
  claims: Record<string, unknown>,
  typ?: string,
): Promise<string> {
  const input = `${encodedHeader(key.alg, key.kid, typ)}.${base64urlText(JSON.stringify(claims))}`;
  const signature = await signer.sign(key.alg, key.privateKey, utf8.encode(input));
  return `${input}.${base64url(signature)}`;
}
