import type { KeyAlgorithm } from "../../ports/crypto.js";
import type { JwsSigner } from "../../ports/signer.js";

const PARAMS: Record<KeyAlgorithm, AlgorithmIdentifier | EcdsaParams> = {
  RS256: { name: "RSASSA-PKCS1-v1_5" },
  ES256: { name: "ECDSA", hash: "SHA-256" },
  EdDSA: { name: "Ed25519" },
};

/** WebCrypto signatures (Workers; WebCrypto's ECDSA output is already `r‖s`). */
export const webCryptoSigner: JwsSigner = {
  async sign(alg, key, data) {
    return new Uint8Array(await crypto.subtle.sign(PARAMS[alg], key, data as BufferSource));
  },
};
