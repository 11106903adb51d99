import type { Config } from "./core/config.js";
import type { StaticAssets } from "./ports/assets.js";
import type { Cache } from "./ports/cache.js";
import type { Clock } from "./ports/clock.js";
import type { KeyStore } from "./ports/keystore.js";
import type { Logger } from "./ports/logger.js";
import type { Mailer } from "./ports/mailer.js";
import type { PasswordHasher } from "./ports/passwords.js";
import type { PolicyEngine } from "./ports/policy-engine.js";
import type { Queue } from "./ports/queue.js";
import type { Random } from "./ports/random.js";
import type { JwsSigner } from "./ports/signer.js";
import type { Store } from "./ports/store.js";

/**
 * Everything the core needs, built by a composition root (`workers/index.ts`, `src/node/`,
 * tests) and passed explicitly (STYLE habit 6). On Workers it is built per request (the Neon
 * pool may not outlive a request); on Node once per process.
 */
/** The client of one request (see `Deps.client`). */
export interface ClientInfo {
  ip: string | null;
  /** ISO 3166-1 alpha-2, when known. */
  country: string | null;
  asn: number | null;
}

export interface Deps {
  config: Config;
  store: Store;
  cache: Cache;
  queue: Queue;
  clock: Clock;
  random: Random;
  keys: KeyStore;
  /** Signs issued JWTs (WebCrypto on Workers, node:crypto on Node). */
  signer: JwsSigner;
  mailer: Mailer;
  logger: Logger;
  passwords: PasswordHasher;
  /** Evaluates policy bindings of flows, stage bindings and applications (src/policies/). */
  policyEngine: PolicyEngine;
  /**
   * Who is calling, as the host determined it: Cloudflare's `CF-Connecting-IP` and `request.cf`
   * on Workers; on Node the socket peer, or proxy headers only from trusted proxies
   * (`THRESHOLD_LISTEN__TRUSTED_PROXY_CIDRS`). Absent only for in-process tests.
   */
  client?: ClientInfo;
  /** The built web UIs (`web/dist`): the Worker's assets binding, files on the Node host; absent in in-process tests. */
  assets?: StaticAssets;
  /**
   * Fetches URLs that clients registered and the server requests on its own (a DCR client's
   * `jwks_uri`): on the Node host public addresses only, checked on the resolved addresses
   * (`adapters/system/public-fetch.ts`). Absent: global fetch (Workers reach only the public internet).
   */
  publicFetch?: typeof fetch;
  /**
   * Sets a header on this request's outgoing response directly, where the host can (the Node
   * host: `ServerResponse.setHeader`); headers of the app's Response win over it. Absent on
   * Workers and in in-process tests, where middleware sets them on the Response.
   */
  setResponseHeader?: (name: string, value: string) => void;
  /** Keeps background work alive after the response (Workers' `ctx.waitUntil`; Node: fire and track). */
  waitUntil: (promise: Promise<unknown>) => void;
}
