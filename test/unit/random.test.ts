import { describe, expect, it } from "vitest";
import { cryptoRandom } from "../../src/adapters/system/random.js";

describe("cryptoRandom", () => {
  it("hands out each pooled byte once: small draws across many pool refills are all distinct", () => {
    const seen = new Set<string>();
    // 16-byte draws over ~40 refills of the 8 KiB pool, plus odd sizes that straddle its end.
    for (let i = 0; i < 20_000; i++) seen.add(cryptoRandom.token(16));
    // (8 bytes and up: shorter tokens have few enough values to collide by chance.)
    for (let i = 0; i < 2_000; i++) seen.add(cryptoRandom.token(8 + (i % 249)));
    expect(seen.size).toBe(22_000);
  });

  it("returns the requested length, never a view of the pool, and is not constant", () => {
    for (const n of [0, 1, 16, 255, 256, 257, 8192, 70_000]) {
      const b = cryptoRandom.bytes(n);
      expect(b.length).toBe(n);
      expect(b.byteOffset).toBe(0);
      expect(b.buffer.byteLength).toBe(n);
    }
    const a = cryptoRandom.bytes(32);
    const copy = a.slice();
    cryptoRandom.bytes(32); // later draws do not touch earlier results
    expect(a).toEqual(copy);
    expect(a.some((x) => x !== 0)).toBe(true);
    // Bytes are spread over all values (a stuck or zeroed pool would not be).
    const big = new Uint8Array(64 * 1024);
    for (let i = 0; i < big.length; i += 64) big.set(cryptoRandom.bytes(64), i);
    const counts = new Array(256).fill(0);
    for (const x of big) counts[x]++;
    expect(Math.min(...counts)).toBeGreaterThan(150); // expected 256 each
  });
});
