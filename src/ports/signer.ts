import type { KeyAlgorithm } from "./crypto.js";

/**
 * Raw JWS signatures (RFC 7518 §3) with an imported private key: RS256 is RSASSA-PKCS1-v1_5 with
 * SHA-256; ES256 is ECDSA P-256 with SHA-256, as the 64-byte `r‖s` JWS wants (IEEE P1363, not
 * DER). Every token the issuer signs goes through it, so hosts pick their fastest primitive:
 * WebCrypto on Workers, node:crypto on Node (`adapters/crypto/`).
 */
export interface JwsSigner {
  sign(alg: KeyAlgorithm, key: CryptoKey, data: Uint8Array): Promise<Uint8Array>;
}
