import type { Config } from "./core/config.js";
import type { Cache } from "./ports/cache.js";
import type { Clock } from "./ports/clock.js";
import type { KeyStore } from "./ports/keystore.js";
import type { Logger } from "./ports/logger.js";
import type { Mailer } from "./ports/mailer.js";
import type { PasswordHasher } from "./ports/passwords.js";
import type { PolicyEngine } from "./ports/policy-engine.js";
import type { Queue } from "./ports/queue.js";
import type { Random } from "./ports/random.js";
import type { Store } from "./ports/store.js";

/**
 * Everything the core needs, built by a composition root (`workers/index.ts`, `src/node/`,
 * tests) and passed explicitly (STYLE habit 6). On Workers it is built per request (the Neon
 * pool may not outlive a request); on Node once per process.
 */
export interface Deps {
  config: Config;
  store: Store;
  cache: Cache;
  queue: Queue;
  clock: Clock;
  random: Random;
  keys: KeyStore;
  mailer: Mailer;
  logger: Logger;
  passwords: PasswordHasher;
  /** Evaluates policy bindings of flows, stage bindings and applications (src/policies/). */
  policyEngine: PolicyEngine;
  /** Keeps background work alive after the response (Workers' `ctx.waitUntil`; Node: fire and track). */
  waitUntil: (promise: Promise<unknown>) => void;
}
