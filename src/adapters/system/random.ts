import { base64url } from "../../core/encoding.js";
import type { Random } from "../../ports/random.js";

/** WebCrypto randomness (Workers and Node alike). */
export const cryptoRandom: Random = {
  bytes(n) {
    const out = new Uint8Array(n);
    // getRandomValues is limited to 65,536 bytes per call
    for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
    return out;
  },
  token(bytes = 32) {
    return base64url(this.bytes(bytes));
  },
  uuid() {
    return crypto.randomUUID();
  },
};
