import * as nodeCrypto from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { createKeyStore } from "../adapters/crypto/keystore.js";
import { createMemoryMailer } from "../adapters/mail/memory.js";
import { createNodeSmtpMailer } from "../adapters/mail/smtp-node.js";
import { smtpOptionsFrom } from "../adapters/mail/smtp-options.js";
import { createMemoryCache } from "../adapters/memory/cache.js";
import { createMemoryQueue } from "../adapters/memory/queue.js";
import { applyDefaultBlueprints } from "../adapters/postgres/blueprints.js";
import { migratePg, migratePglite } from "../adapters/postgres/migrate.js";
import type { DrizzleStore } from "../adapters/postgres/store.js";
import { createPgStore } from "../adapters/postgres/pg.js";
import { createPgliteStore } from "../adapters/postgres/pglite.js";
import { createIoRedisCache } from "../adapters/redis/ioredis.js";
import { createUpstashCache } from "../adapters/redis/upstash.js";
import { systemClock } from "../adapters/system/clock.js";
import { cryptoRandom } from "../adapters/system/random.js";
import { nodeSigner } from "../adapters/crypto/node-signer.js";
import { createPublicFetch } from "../adapters/system/public-fetch.js";
import type { Config } from "../core/config.js";
import { installNativeEncoding, type NativeEncoding } from "../core/encoding.js";
import { createJsonLogger } from "../core/log.js";
import { createPasswordHasher } from "../core/passwords/index.js";
import { createPolicyEngine } from "../policies/engine.js";
import type { Deps } from "../deps.js";
import { consumeMessage } from "../jobs/consume.js";
import type { Cache } from "../ports/cache.js";
import type { Store } from "../ports/store.js";
import { loadArgon2Module } from "./argon2.js";
import { createFileAssets } from "./assets.js";
import { isInitialisedDataDir, readPgliteTemplate } from "./pglite-template.js";
import { developmentSecretKey } from "./secret-key.js";

export interface NodeDeps extends Deps {
  /** Waits for queued work and background promises, then closes connections. */
  shutdown(): Promise<void>;
  /**
   * Applies the default blueprints (flows, stages, brand) like authentik does at start-up;
   * idempotent. Returns how many objects were created or updated.
   */
  applyDefaults(): Promise<{ created: number; updated: number }>;
  /** Which adapters were chosen (printed at start). */
  describe: { database: string; cache: string; mail: string };
}

// node:crypto and Buffer for the core's token, secret and PKCE hashes and JWS encoding (the same
// functions as its JS ones). `crypto.hash` (Node ≥ 20.12) is the one-shot form, without a Hash
// object: half the cost of createHash.
const oneShot = (nodeCrypto as { hash?: (alg: string, data: string, enc: "hex") => string }).hash;
export const nodeEncoding: NativeEncoding = {
  sha256Hex: oneShot ? (text) => oneShot("sha256", text, "hex") : (text) => nodeCrypto.createHash("sha256").update(text, "utf8").digest("hex"),
  sha256Bytes: (text) => {
    const d = nodeCrypto.createHash("sha256").update(text, "utf8").digest();
    return new Uint8Array(d.buffer, d.byteOffset, d.length);
  },
  base64urlText: (text) => Buffer.from(text, "utf8").toString("base64url"),
};

/** The Node host's composition root: picks adapters from the configuration. */
export async function buildNodeDeps(config: Config): Promise<NodeDeps> {
  installNativeEncoding(nodeEncoding);
  const logger = createJsonLogger({ level: config.THRESHOLD_LOG_LEVEL });
  const dataDir = resolve(config.THRESHOLD_DATA_DIR);

  const argon2Module = loadArgon2Module(); // compile while the database starts
  let store: Store;
  let database: string;
  if (config.DATABASE_URL) {
    await migratePg(config.DATABASE_URL);
    store = createPgStore(config.DATABASE_URL);
    const u = new URL(config.DATABASE_URL);
    database = `PostgreSQL ${u.hostname}:${u.port || 5432}${u.pathname}`;
  } else {
    const dir = join(dataDir, "pglite");
    await mkdir(dir, { recursive: true });
    const template = isInitialisedDataDir(dir) ? undefined : await readPgliteTemplate();
    store = await createPgliteStore(dir, { loadDataDir: template });
    await migratePglite(store);
    database = `PGlite (embedded) in ${dir}`;
  }

  let cache: Cache & { close?: () => Promise<void> };
  let cacheName: string;
  if (config.REDIS_URL) {
    cache = createIoRedisCache(config.REDIS_URL);
    cacheName = `Redis ${new URL(config.REDIS_URL).host}`;
  } else if (config.UPSTASH_REDIS_REST_URL && config.UPSTASH_REDIS_REST_TOKEN) {
    cache = createUpstashCache({ url: config.UPSTASH_REDIS_REST_URL, token: config.UPSTASH_REDIS_REST_TOKEN });
    cacheName = `Upstash ${new URL(config.UPSTASH_REDIS_REST_URL).host}`;
  } else {
    cache = createMemoryCache();
    cacheName = "in-memory";
  }

  const smtp = smtpOptionsFrom(config);
  const mailer = smtp ? createNodeSmtpMailer(smtp) : createMemoryMailer();
  const mailName = smtp ? `SMTP ${smtp.host}:${smtp.port}` : "in-memory (not delivered)";

  const secret = config.THRESHOLD_SECRET_KEY ?? (await developmentSecretKey(dataDir));
  const pending = new Set<Promise<unknown>>();
  const waitUntil = (p: Promise<unknown>) => {
    const tracked = p.catch((error) => logger.error("background task failed", { error })).finally(() => pending.delete(tracked));
    pending.add(tracked);
  };

  // The consumer needs deps and deps need the queue: bind late.
  let deps: NodeDeps | undefined;
  const queue = createMemoryQueue({
    consumer: (message) => consumeMessage(deps!, message),
    onDeadLetter: (message, error) => logger.error("queue message dead-lettered", { message, error }),
    logger,
  });

  deps = {
    config,
    store,
    cache,
    queue,
    clock: systemClock,
    random: cryptoRandom,
    keys: createKeyStore(secret, cryptoRandom),
    signer: nodeSigner,
    publicFetch: createPublicFetch(),
    mailer,
    logger,
    passwords: createPasswordHasher({ argon2Module: await argon2Module }),
    policyEngine: createPolicyEngine({ config, store, cache, queue, clock: systemClock, logger }),
    waitUntil,
    assets: createFileAssets(),
    describe: { database, cache: cacheName, mail: mailName },
    async applyDefaults() {
      const results = await applyDefaultBlueprints((store as DrizzleStore).db, { env: (name) => process.env[name] });
      return results.reduce((a, { result }) => ({ created: a.created + result.created, updated: a.updated + result.updated }), { created: 0, updated: 0 });
    },
    async shutdown() {
      await queue.drain();
      await Promise.allSettled([...pending]);
      await store.close();
      await cache.close?.();
      if ("close" in mailer) mailer.close();
    },
  };
  return deps;
}
