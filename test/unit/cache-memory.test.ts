/** The Cache contract on the memory adapter inside workerd, plus what only the memory adapter does. */
import { describe, expect, it } from "vitest";
import { createMemoryCache } from "../../src/adapters/memory/cache.js";
import type { Clock } from "../../src/ports/clock.js";
import { describeCacheContract } from "../support/cache-contract.js";

describeCacheContract("memory in workerd", () => createMemoryCache());

/** A clock the test moves by hand. */
function manualClock(start = Date.parse("2026-01-01T00:00:00Z")): Clock & { advance(ms: number): void } {
  let t = start;
  return { now: () => new Date(t), advance: (ms) => void (t += ms) };
}

describe("memory cache", () => {
  it("expires by the injected clock", async () => {
    const clock = manualClock();
    const cache = createMemoryCache({ clock });
    await cache.set("a", 1, 10);
    await cache.incr("n", 10);
    clock.advance(9_001);
    expect(await cache.ttl("a")).toBe(1);
    expect(await cache.get("a")).toBe(1);
    clock.advance(999);
    expect(await cache.get("a")).toBeNull();
    expect(await cache.ttl("n")).toBe(-2);
    expect(await cache.setIfAbsent("a", 2, 10)).toBe(true);
  });

  it("keeps at most maxEntries keys, evicting the least recently written", async () => {
    const cache = createMemoryCache({ maxEntries: 3 });
    for (const k of ["a", "b", "c"]) await cache.set(k, k);
    await cache.set("a", "a2"); // rewriting makes "a" the newest
    await cache.set("d", "d");
    expect(await cache.get("b")).toBeNull();
    expect(await cache.get("a")).toBe("a2");
    expect(await cache.get("c")).toBe("c");
    expect(await cache.get("d")).toBe("d");
  });

  it("sweeps expired entries so they do not crowd out live ones", async () => {
    const clock = manualClock();
    const cache = createMemoryCache({ clock, maxEntries: 1_100 });
    await cache.set("keep", "live"); // the oldest write: first in line for eviction
    for (let i = 0; i < 998; i++) await cache.set(`old:${i}`, i, 1);
    clock.advance(2_000);
    // The 1,000th write sweeps the 998 expired keys, so 1,000 new keys fit beside "keep";
    // without the sweep the cache would be over its bound and evict "keep".
    for (let i = 0; i < 1_000; i++) await cache.set(`new:${i}`, i);
    expect(await cache.get("keep")).toBe("live");
    expect(await cache.get("new:0")).toBe(0);
  });

  it("rejects a maxEntries that is not a positive integer", () => {
    expect(() => createMemoryCache({ maxEntries: 0 })).toThrow(RangeError);
  });
});
