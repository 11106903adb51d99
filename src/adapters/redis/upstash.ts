import {
  Redis as RequesterRedis,
  type Requester,
  type UpstashRequest,
  type UpstashResponse,
} from "@upstash/redis";
import { Redis, errors } from "@upstash/redis/cloudflare";
import type { Cache } from "../../ports/cache.js";
import { decodeValue, encodeValue, incrStep, secondsFromMillis, ttlMillis } from "./codec.js";

/** Options for {@link createUpstashCache}. */
export interface UpstashCacheOptions {
  /** `UPSTASH_REDIS_REST_URL`. */
  url: string;
  /** `UPSTASH_REDIS_REST_TOKEN` (a secret: never log it). */
  token: string;
  /** Prepended to every key (e.g. `threshold:`), so several deployments can share one database. */
  prefix?: string;
  /**
   * Custom fetch (tests, service bindings). The Upstash client always calls the global `fetch`,
   * so with this option requests go through a small requester of our own instead of its client.
   */
  fetch?: typeof fetch;
}

/** The commands this adapter uses; both Upstash client flavours provide them. */
type UpstashClient = Pick<Redis, "get" | "set" | "getdel" | "del" | "incrby" | "multi" | "pttl" | "ping">;

/**
 * {@link Cache} on Upstash Redis over its REST API: production Workers (DESIGN §3). Web APIs only.
 * Values are stored as JSON text and parsed here (the client's own JSON guessing is off), so a
 * stored string that looks like a number stays a string. `take` is GETDEL, `setIfAbsent` is
 * SET NX PX, and a counter's TTL is set at creation only (SET NX PX + INCRBY in one MULTI/EXEC).
 */
export function createUpstashCache(opts: UpstashCacheOptions): Cache {
  const prefix = opts.prefix ?? "";
  const redis: UpstashClient = opts.fetch
    ? new FetchClient(fetchRequester(opts.url, opts.token, opts.fetch))
    : new Redis({
        url: opts.url,
        token: opts.token,
        automaticDeserialization: false,
        // One request per call keeps errors per call; flows issue cache calls one after another.
        enableAutoPipelining: false,
        enableTelemetry: false,
      });
  const k = (key: string): string => prefix + key;

  return {
    async get<T>(key: string): Promise<T | null> {
      return decodeValue<T>(await redis.get<string>(k(key)));
    },
    async set(key, value, ttlSeconds) {
      const json = encodeValue(value);
      if (ttlSeconds === undefined) await redis.set(k(key), json);
      else await redis.set(k(key), json, { px: ttlMillis(ttlSeconds) });
    },
    async setIfAbsent(key, value, ttlSeconds) {
      const reply = await redis.set(k(key), encodeValue(value), { nx: true, px: ttlMillis(ttlSeconds) });
      return reply === "OK";
    },
    async take<T>(key: string): Promise<T | null> {
      return decodeValue<T>(await redis.getdel<string>(k(key)));
    },
    async delete(key) {
      await redis.del(k(key));
    },
    async incr(key, ttlSeconds, by = 1) {
      const step = incrStep(by);
      if (ttlSeconds === undefined) return Number(await redis.incrby(k(key), step));
      const [, value] = await redis
        .multi()
        .set(k(key), "0", { nx: true, px: ttlMillis(ttlSeconds) })
        .incrby(k(key), step)
        .exec<[unknown, number]>();
      return Number(value);
    },
    async ttl(key) {
      return secondsFromMillis(Number(await redis.pttl(k(key))));
    },
    async ping() {
      await redis.ping();
    },
  };
}

/** The Upstash client over a custom requester, with its automatic JSON parsing switched off. */
class FetchClient extends RequesterRedis {
  constructor(requester: Requester) {
    super(requester);
    this.opts = { automaticDeserialization: false };
  }
}

/**
 * Upstash's REST protocol over an injected fetch: POST the command array (or an array of them
 * to `/pipeline` and `/multi-exec`) with a Bearer token; the reply is `{result}` / `{error}`.
 * Without `Upstash-Encoding: base64` the server returns strings as they are.
 */
function fetchRequester(url: string, token: string, fetchFn: typeof fetch): Requester {
  const base = url.replace(/\/$/, "");
  return {
    async request<TResult>(req: UpstashRequest): Promise<UpstashResponse<TResult>> {
      const res = await fetchFn([base, ...(req.path ?? [])].join("/"), {
        method: "POST",
        headers: { ...req.headers, authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(req.body),
      });
      const text = await res.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new errors.UpstashError(`Upstash replied ${res.status} with a body that is not JSON`);
      }
      if (!res.ok) {
        const message = (body as { error?: unknown } | null)?.error ?? `HTTP ${res.status}`;
        throw new errors.UpstashError(String(message));
      }
      return body as UpstashResponse<TResult>;
    },
  };
}
