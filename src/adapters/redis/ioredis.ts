import { Redis } from "ioredis";
import type { Cache } from "../../ports/cache.js";
import { decodeValue, encodeValue, incrStep, secondsFromMillis, ttlMillis } from "./codec.js";

/** Options for {@link createIoRedisCache}. */
export interface IoRedisCacheOptions {
  /** Prepended to every key (e.g. `threshold:`), so several deployments can share one database. */
  prefix?: string;
  /** Connection errors (ioredis reconnects by itself; commands fail while it is down). */
  logger?: { error(msg: string, fields?: object): void };
}

/** A {@link Cache} over a TCP Redis connection; `close()` ends it (graceful shutdown). */
export interface IoRedisCache extends Cache {
  /** Waits for pending replies, then closes the connection. */
  close(): Promise<void>;
}

/**
 * {@link Cache} on Redis through ioredis: the Node host with `REDIS_URL` (DESIGN §7). Same
 * semantics as the Upstash adapter: `take` is GETDEL, `setIfAbsent` is SET NX PX, and a counter's
 * TTL is set at creation only (SET NX PX + INCRBY in one MULTI).
 */
export function createIoRedisCache(url: string, opts: IoRedisCacheOptions = {}): IoRedisCache {
  const prefix = opts.prefix ?? "";
  // Few per-request retries: a readiness probe should fail fast instead of queueing for minutes.
  const redis = new Redis(url, { maxRetriesPerRequest: 3 });
  redis.on("error", (error: Error) => opts.logger?.error("redis connection error", { error: error.message }));
  const k = (key: string): string => prefix + key;

  return {
    async get<T>(key: string): Promise<T | null> {
      return decodeValue<T>(await redis.get(k(key)));
    },
    async set(key, value, ttlSeconds) {
      const json = encodeValue(value);
      if (ttlSeconds === undefined) await redis.set(k(key), json);
      else await redis.set(k(key), json, "PX", ttlMillis(ttlSeconds));
    },
    async setIfAbsent(key, value, ttlSeconds) {
      const reply = await redis.set(k(key), encodeValue(value), "PX", ttlMillis(ttlSeconds), "NX");
      return reply === "OK";
    },
    async take<T>(key: string): Promise<T | null> {
      return decodeValue<T>(await redis.getdel(k(key)));
    },
    async delete(key) {
      await redis.del(k(key));
    },
    async incr(key, ttlSeconds, by = 1) {
      const step = incrStep(by);
      if (ttlSeconds === undefined) return redis.incrby(k(key), step);
      const replies = await redis
        .multi()
        .set(k(key), "0", "PX", ttlMillis(ttlSeconds), "NX")
        .incrby(k(key), step)
        .exec();
      const [, incrReply] = replies ?? [];
      if (!incrReply) throw new Error("redis: MULTI for incr was aborted");
      if (incrReply[0]) throw incrReply[0];
      return Number(incrReply[1]);
    },
    async ttl(key) {
      return secondsFromMillis(await redis.pttl(k(key)));
    },
    async ping() {
      await redis.ping();
    },
    async close() {
      if (redis.status === "end") return;
      await redis.quit();
    },
  };
}
