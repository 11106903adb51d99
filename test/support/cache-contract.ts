/**
 * The contract every {@link Cache} adapter must meet (DESIGN §7: one shared suite per port, run
 * against every adapter). Runtime-neutral: it imports only vitest and the port, so the unit project
 * (workerd) and the integration project (Node, real Redis) both run it.
 *
 * Keys carry a random run id and are deleted after the suite; callers that share a real server
 * should also give the adapter a random prefix. Expiry uses sub-second TTLs and one short wait.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Cache } from "../../src/ports/cache.js";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Values whose JSON round trip has tripped real clients (number-like strings, "OK", non-ASCII). */
const ROUND_TRIP_VALUES: Record<string, unknown> = {
  object: { id: "abc", n: 42, ok: true, none: null, list: [1, "two", { three: 3 }] },
  array: [1, 2, 3],
  number: 5,
  float: 1.5,
  zero: 0,
  boolean: false,
  booleanTrue: true,
  string: "hello",
  emptyString: "",
  numberLikeString: "123",
  okString: "OK",
  jsonLikeString: '{"a":1}',
  unicode: "grüße, 日本, 🔐",
  whitespace: " padded\nnewline\t",
};

export function describeCacheContract(name: string, makeCache: () => Cache | Promise<Cache>): void {
  describe(`cache contract [${name}]`, () => {
    let cache: Cache;
    const run = crypto.randomUUID().slice(0, 8);
    const used = new Set<string>();
    /** A fresh key for one test; remembered so the suite can clean up after itself. */
    const key = (label: string): string => {
      const k = `contract:${run}:${label}:${used.size}`;
      used.add(k);
      return k;
    };

    beforeAll(async () => {
      cache = await makeCache();
    });
    afterAll(async () => {
      if (cache) await Promise.all([...used].map((k) => cache.delete(k)));
    });

    it("ping resolves", async () => {
      await expect(cache.ping()).resolves.toBeUndefined();
    });

    it("get returns null for a missing key", async () => {
      expect(await cache.get(key("missing"))).toBeNull();
    });

    it("set then get round-trips JSON values", async () => {
      for (const [label, value] of Object.entries(ROUND_TRIP_VALUES)) {
        const k = key(`rt-${label}`);
        await cache.set(k, value);
        expect(await cache.get(k), label).toEqual(value);
      }
    });

    it("stores a copy: mutating the written or the read object changes nothing stored", async () => {
      const k = key("copy");
      const value = { nested: { n: 1 }, list: [1] };
      await cache.set(k, value);
      value.nested.n = 2;
      value.list.push(2);
      const read = await cache.get<typeof value>(k);
      expect(read).toEqual({ nested: { n: 1 }, list: [1] });
      read!.nested.n = 3;
      expect(await cache.get(k)).toEqual({ nested: { n: 1 }, list: [1] });
    });

    it("set replaces the value, and without a TTL clears a previous one", async () => {
      const k = key("replace");
      await cache.set(k, "first", 60);
      await cache.set(k, "second");
      expect(await cache.get(k)).toBe("second");
      expect(await cache.ttl(k)).toBe(-1);
    });

    it("rejects values JSON cannot represent and non-positive TTLs", async () => {
      await expect(cache.set(key("undef"), undefined)).rejects.toThrow(TypeError);
      await expect(cache.set(key("ttl0"), 1, 0)).rejects.toThrow(RangeError);
      await expect(cache.setIfAbsent(key("ttlneg"), 1, -1)).rejects.toThrow(RangeError);
      await expect(cache.incr(key("incrttl"), Number.NaN)).rejects.toThrow(RangeError);
    });

    it("ttl: -2 when missing, -1 without expiry, seconds remaining otherwise", async () => {
      const forever = key("ttl-forever");
      const timed = key("ttl-timed");
      expect(await cache.ttl(key("ttl-missing"))).toBe(-2);
      await cache.set(forever, 1);
      await cache.set(timed, 1, 60);
      expect(await cache.ttl(forever)).toBe(-1);
      const remaining = await cache.ttl(timed);
      expect(remaining).toBeGreaterThanOrEqual(59);
      expect(remaining).toBeLessThanOrEqual(60);
    });

    it("entries expire after their TTL (set, setIfAbsent, incr)", async () => {
      const [viaSet, viaNx, viaIncr] = [key("exp-set"), key("exp-nx"), key("exp-incr")];
      await cache.set(viaSet, "v", 0.5);
      expect(await cache.setIfAbsent(viaNx, "v", 0.5)).toBe(true);
      expect(await cache.incr(viaIncr, 0.5)).toBe(1);
      expect(await cache.get(viaSet)).toBe("v");
      expect(await cache.ttl(viaSet)).toBe(1);
      await sleep(700);
      expect(await cache.get(viaSet)).toBeNull();
      expect(await cache.ttl(viaSet)).toBe(-2);
      expect(await cache.take(viaNx)).toBeNull();
      expect(await cache.setIfAbsent(viaNx, "again", 60)).toBe(true);
      expect(await cache.incr(viaIncr, 60)).toBe(1);
    });

    it("setIfAbsent stores only when absent, with its TTL", async () => {
      const k = key("nx");
      expect(await cache.setIfAbsent(k, { by: "first" }, 60)).toBe(true);
      expect(await cache.setIfAbsent(k, { by: "second" }, 60)).toBe(false);
      expect(await cache.get(k)).toEqual({ by: "first" });
      expect(await cache.ttl(k)).toBeGreaterThanOrEqual(59);
    });

    it("setIfAbsent: of concurrent callers exactly one wins, and its value is stored", async () => {
      const pair = key("nx-pair");
      const [a, b] = await Promise.all([cache.setIfAbsent(pair, "a", 60), cache.setIfAbsent(pair, "b", 60)]);
      expect([a, b].filter(Boolean)).toHaveLength(1);
      expect(await cache.get(pair)).toBe(a ? "a" : "b");

      const many = key("nx-many");
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => cache.setIfAbsent(many, i, 60)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await cache.get(many)).toBe(results.indexOf(true));
    });

    it("take returns the value once and removes it", async () => {
      const k = key("take");
      await cache.set(k, { code: "xyz" }, 60);
      expect(await cache.take(k)).toEqual({ code: "xyz" });
      expect(await cache.take(k)).toBeNull();
      expect(await cache.get(k)).toBeNull();
      expect(await cache.take(key("take-missing"))).toBeNull();
    });

    it("take: of concurrent takers exactly one gets the value", async () => {
      const k = key("take-race");
      await cache.set(k, "single-use", 60);
      const results = await Promise.all(Array.from({ length: 20 }, () => cache.take<string>(k)));
      expect(results.filter((r) => r !== null)).toEqual(["single-use"]);
    });

    it("delete removes a key; deleting a missing key is not an error", async () => {
      const k = key("delete");
      await cache.set(k, 1);
      await cache.delete(k);
      expect(await cache.get(k)).toBeNull();
      await expect(cache.delete(key("delete-missing"))).resolves.toBeUndefined();
    });

    it("incr starts at 0, adds `by`, and the counter reads back as a number", async () => {
      const k = key("incr");
      expect(await cache.incr(k)).toBe(1);
      expect(await cache.incr(k, undefined, 5)).toBe(6);
      expect(await cache.incr(k, undefined, -2)).toBe(4);
      expect(await cache.get(k)).toBe(4);
      const existing = key("incr-existing");
      await cache.set(existing, 10);
      expect(await cache.incr(existing)).toBe(11);
    });

    it("incr fails on a value that is not an integer", async () => {
      const k = key("incr-nan");
      await cache.set(k, { not: "a number" });
      await expect(cache.incr(k)).rejects.toThrow();
      await expect(cache.incr(key("incr-by"), undefined, 1.5)).rejects.toThrow(RangeError);
    });

    it("incr: 100 concurrent increments all count", async () => {
      const k = key("incr-race");
      const results = await Promise.all(Array.from({ length: 100 }, () => cache.incr(k, 60)));
      expect(new Set(results).size).toBe(100);
      expect(Math.max(...results)).toBe(100);
      expect(await cache.get(k)).toBe(100);
      expect(await cache.ttl(k)).toBeGreaterThanOrEqual(59);
    });

    it("incr sets the TTL at creation only", async () => {
      const timed = key("incr-ttl");
      await cache.incr(timed, 60);
      await cache.incr(timed, 3600);
      const remaining = await cache.ttl(timed);
      expect(remaining).toBeGreaterThanOrEqual(59);
      expect(remaining).toBeLessThanOrEqual(60);

      const untimed = key("incr-no-ttl");
      await cache.incr(untimed);
      await cache.incr(untimed, 60);
      expect(await cache.ttl(untimed)).toBe(-1);
    });
  });
}
