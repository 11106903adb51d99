import { base64url } from "../../core/encoding.js";
import type { Random } from "../../ports/random.js";

// Small requests (token ids, jti, codes) are served from a pool filled 8 KiB at a time: on Node
// each getRandomValues call costs a few µs of validation and a syscall, whatever its size. Bytes
// are copied out and the offset only moves forward, so no byte is handed out twice.
const POOL_SIZE = 8192;
const SMALL = 256;
let pool = new Uint8Array(0);
let offset = 0;

/** WebCrypto randomness (Workers and Node alike). */
export const cryptoRandom: Random = {
  bytes(n) {
    if (n <= SMALL) {
      if (offset + n > pool.length) {
        pool = crypto.getRandomValues(new Uint8Array(POOL_SIZE));
        offset = 0;
      }
      const out = pool.slice(offset, offset + n);
      pool.fill(0, offset, offset + n);
      offset += n;
      return out;
    }
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
