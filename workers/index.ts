import { createKeyStore } from "../src/adapters/crypto/keystore.js";
import { createCloudflareQueue } from "../src/adapters/cloudflare/queue.js";
import { createMemoryMailer } from "../src/adapters/mail/memory.js";
import { smtpOptionsFrom, type SmtpOptions } from "../src/adapters/mail/smtp-options.js";
import { createMemoryCache } from "../src/adapters/memory/cache.js";
import { createNeonStore } from "../src/adapters/postgres/neon.js";
import { createUpstashCache } from "../src/adapters/redis/upstash.js";
import { systemClock } from "../src/adapters/system/clock.js";
import { cryptoRandom } from "../src/adapters/system/random.js";
import { webCryptoSigner } from "../src/adapters/crypto/webcrypto-signer.js";
import { createApp } from "../src/app.js";
import { loadConfig, type Config } from "../src/core/config.js";
import { ConfigError } from "../src/core/errors.js";
import { createJsonLogger } from "../src/core/log.js";
import { createPasswordHasher } from "../src/core/passwords/index.js";
import { createPolicyEngine } from "../src/policies/engine.js";
import type { ClientInfo, Deps } from "../src/deps.js";
import { consumeMessage } from "../src/jobs/consume.js";
import { runCleanup } from "../src/jobs/cleanup.js";
import { runKeyRotation } from "../src/jobs/rotate-keys.js";
import type { Cache } from "../src/ports/cache.js";
import type { QueueMessage } from "../src/ports/queue.js";
import type { Mailer } from "../src/ports/mailer.js";
import type { PasswordHasher } from "../src/ports/passwords.js";
import argon2Module from "./argon2.js";
import type { ExecutionContext, MessageBatch, ScheduledController, WorkerEnv } from "./types.js";

// Per-isolate state: built once, reused by every request this isolate serves.
const app = createApp();
let configCache: { env: WorkerEnv; config: Config } | undefined;
let devCache: Cache | undefined;
let passwords: PasswordHasher | undefined;
let devMailer: Mailer | undefined;

// Development only (wrangler dev without a secret): a fixed, public key. Production refuses to
// start without THRESHOLD_SECRET_KEY (config validation).
const INSECURE_DEV_KEY = "threshold-insecure-development-key-do-not-use-in-production";

/**
 * SMTP over `cloudflare:sockets`, imported on the first mail (queue consumer) so requests that
 * send none do not pay for loading it.
 */
function lazySmtpMailer(opts: SmtpOptions): Mailer {
  let loaded: Promise<Mailer> | undefined;
  return {
    async send(message) {
      loaded ??= import("../src/adapters/mail/smtp-worker.js").then((m) => m.createWorkerSmtpMailer(opts));
      return (await loaded).send(message);
    },
  };
}

function config(env: WorkerEnv): Config {
  if (configCache?.env !== env) configCache = { env, config: loadConfig(env, "worker") };
  return configCache.config;
}

/** The Worker's composition root: deps for one request, batch or cron run. */
function buildDeps(env: WorkerEnv, ctx: ExecutionContext): Deps {
  const cfg = config(env);
  const logger = createJsonLogger({ level: cfg.THRESHOLD_LOG_LEVEL });
  const proxy = cfg.THRESHOLD_NEON_WS_PROXY;
  const store = createNeonStore(
    cfg.DATABASE_URL!,
    proxy ? { wsProxy: (host, port) => `${proxy}/v1?address=${host}:${port}`, useSecureWebSocket: false } : {},
  );
  const cache =
    cfg.UPSTASH_REDIS_REST_URL && cfg.UPSTASH_REDIS_REST_TOKEN
      ? createUpstashCache({ url: cfg.UPSTASH_REDIS_REST_URL, token: cfg.UPSTASH_REDIS_REST_TOKEN })
      : (devCache ??= createMemoryCache());
  passwords ??= createPasswordHasher({ argon2Module });
  const queue = createCloudflareQueue(env.EVENTS_QUEUE);
  const smtp = smtpOptionsFrom(cfg);
  return {
    config: cfg,
    store,
    cache,
    queue,
    policyEngine: createPolicyEngine({ config: cfg, store, cache, queue, clock: systemClock, logger }),
    clock: systemClock,
    random: cryptoRandom,
    keys: createKeyStore(cfg.THRESHOLD_SECRET_KEY ?? INSECURE_DEV_KEY, cryptoRandom),
    signer: webCryptoSigner,
    mailer: smtp ? lazySmtpMailer(smtp) : (devMailer ??= createMemoryMailer()),
    logger,
    passwords,
    waitUntil: (p) => ctx.waitUntil(p),
    assets: env.ASSETS,
  };
}

/** Cloudflare sets CF-Connecting-IP at its edge (clients cannot forge it) and `request.cf`. */
function cloudflareClient(request: Request): ClientInfo {
  const cf = (request as Request & { cf?: { country?: string; asn?: number } }).cf;
  return {
    ip: request.headers.get("cf-connecting-ip"),
    country: typeof cf?.country === "string" && cf.country !== "XX" ? cf.country : null,
    asn: typeof cf?.asn === "number" ? cf.asn : null,
  };
}

function misconfigured(error: ConfigError): Response {
  console.log(JSON.stringify({ ts: new Date().toISOString(), level: "error", msg: "invalid configuration", key: error.key, reason: error.reason }));
  return new Response(`Threshold is misconfigured: ${error.message}\n`, { status: 500, headers: { "Content-Type": "text/plain" } });
}

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    let deps: Deps;
    try {
      deps = buildDeps(env, ctx);
    } catch (error) {
      if (error instanceof ConfigError) return misconfigured(error);
      throw error;
    }
    try {
      return await app.fetch(request, { ...deps, client: cloudflareClient(request) }, ctx);
    } finally {
      ctx.waitUntil(deps.store.close());
    }
  },

  async queue(batch: MessageBatch<QueueMessage>, env: WorkerEnv, ctx: ExecutionContext): Promise<void> {
    const deps = buildDeps(env, ctx);
    try {
      for (const message of batch.messages) {
        try {
          const outcome = await consumeMessage(deps, message.body);
          if (outcome === "ack") message.ack();
          else message.retry({ delaySeconds: Math.min(300, 2 ** message.attempts) });
        } catch (error) {
          deps.logger.error("queue message failed", { queue: batch.queue, message_id: message.id, attempts: message.attempts, error });
          message.retry({ delaySeconds: Math.min(300, 2 ** message.attempts) });
        }
      }
    } finally {
      ctx.waitUntil(deps.store.close());
    }
  },

  async scheduled(controller: ScheduledController, env: WorkerEnv, ctx: ExecutionContext): Promise<void> {
    const deps = buildDeps(env, ctx);
    try {
      await runCleanup(deps);
      await runKeyRotation(deps);
    } finally {
      ctx.waitUntil(deps.store.close());
    }
  },
};
