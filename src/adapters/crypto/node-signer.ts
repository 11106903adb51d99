import { KeyObject, sign } from "node:crypto";
import type { JwsSigner } from "../../ports/signer.js";

// The KeyObject behind each imported CryptoKey (same key material, no copy of it elsewhere).
const keyObjects = new WeakMap<CryptoKey, KeyObject>();

function keyObject(key: CryptoKey): KeyObject {
  let ko = keyObjects.get(key);
  if (!ko) keyObjects.set(key, (ko = KeyObject.from(key)));
  return ko;
}

/**
 * node:crypto signatures for the Node host. Measured per signature (bench/oauth, 2 cores):
 * ES256 synchronously costs ~31 µs of CPU against ~75 µs through WebCrypto, whose job dispatch
 * and WebIDL checks cost more than the P-256 math; RS256 (~0.27 ms of math) stays off the event
 * loop on libuv's thread pool, as WebCrypto does, through the callback form.
 */
export const nodeSigner: JwsSigner = {
  sign(alg, key, data) {
    const ko = keyObject(key);
    if (alg === "ES256") return Promise.resolve(new Uint8Array(sign("sha256", data, { key: ko, dsaEncoding: "ieee-p1363" })));
    return new Promise((resolve, reject) => sign("sha256", data, ko, (err, sig) => (err ? reject(err) : resolve(new Uint8Array(sig)))));
  },
};
