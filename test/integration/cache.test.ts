/**
 * The Cache contract against every adapter (DESIGN §7): memory always; with REDIS_URL also
 * ioredis and the real @upstash/redis client through the local REST shim (base64 responses, and
 * once more through an injected fetch). Each run uses a random key prefix and removes its keys.
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryCache } from "../../src/adapters/memory/cache.js";
import { createIoRedisCache, type IoRedisCache } from "../../src/adapters/redis/ioredis.js";
import { createUpstashCache } from "../../src/adapters/redis/upstash.js";
import { describeCacheContract } from "../support/cache-contract.js";
import { startUpstashShim, type UpstashShim } from "../support/upstash-rest-shim.js";

describeCacheContract("memory", () => createMemoryCache());

const redisUrl = process.env.REDIS_URL;

if (redisUrl) describeRedisBackends(redisUrl);
else describe.skip("redis backends: set REDIS_URL to run ioredis and the upstash client", () => it("skipped"));

function describeRedisBackends(url: string): void {
  describe("redis backends", () => {
    const where = new URL(url).host;
    const prefix = `threshold-test:${crypto.randomUUID().slice(0, 8)}:`;
    const token = crypto.randomUUID();
    let shim: UpstashShim;
    let ioredisCache: IoRedisCache | undefined;
    let fetchCalls = 0;

    beforeAll(async () => {
      shim = await startUpstashShim({ redisUrl: url, token });
    });
    afterAll(async () => {
      await ioredisCache?.close();
      await shim?.close();
      // Whatever a failed test left behind under this run's prefix.
      const admin = new Redis(url);
      const leftover = await admin.keys(`${prefix}*`);
      if (leftover.length > 0) await admin.del(...leftover);
      await admin.quit();
    });

    describeCacheContract(`redis via ioredis @${where}`, () => {
      ioredisCache = createIoRedisCache(url, { prefix: `${prefix}io:` });
      return ioredisCache;
    });
    describeCacheContract(`redis via upstash REST shim @${where}`, () =>
      createUpstashCache({ url: shim.url, token, prefix: `${prefix}up:` }),
    );
    describeCacheContract(`redis via upstash REST shim, injected fetch @${where}`, () =>
      createUpstashCache({
        url: shim.url,
        token,
        prefix: `${prefix}upf:`,
        fetch: (input, init) => {
          fetchCalls++;
          return fetch(input, init);
        },
      }),
    );

    describe("upstash REST shim", () => {
      it("the injected fetch carried the requests", () => {
        expect(fetchCalls).toBeGreaterThan(0);
      });

      it("rejects a wrong token (upstash client and injected fetch)", async () => {
        for (const injected of [undefined, fetch]) {
          const cache = createUpstashCache({ url: shim.url, token: "wrong", fetch: injected });
          await expect(cache.ping()).rejects.toThrow(/Unauthorized/);
        }
      });

      it("answers pipelines with per-command results and errors", async () => {
        const k = `${prefix}pipeline`;
        const res = await fetch(`${shim.url}/pipeline`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "upstash-encoding": "base64" },
          body: JSON.stringify([["set", k, "v"], ["get", k], ["incr", k], ["del", k]]),
        });
        expect(await res.json()).toEqual([
          { result: btoa("OK") },
          { result: btoa("v") },
          { error: "ERR value is not an integer or out of range" },
          { result: 1 },
        ]);
      });
    });
  });
}
