import type { KeyAlgorithm } from "../ports/crypto.js";
import type { JwsSigner } from "../ports/signer.js";
import { base64url, base64urlText, utf8 } from "./encoding.js";

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
  const header = typ ? { alg: key.alg, kid: key.kid, typ } : { alg: key.alg, kid: key.kid };
  const input = `${base64urlText(JSON.stringify(header))}.${base64urlText(JSON.stringify(claims))}`;
  const signature = await signer.sign(key.alg, key.privateKey, utf8.encode(input));
  return `${input}.${base64url(signature)}`;
}
