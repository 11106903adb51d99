import { createKeyStore } from "../../src/adapters/crypto/keystore.js";
import { createMemoryMailer } from "../../src/adapters/mail/memory.js";
import { createMemoryCache } from "../../src/adapters/memory/cache.js";
import { createMemoryQueue } from "../../src/adapters/memory/queue.js";
import { migratePglite } from "../../src/adapters/postgres/migrate.js";
import { createPgliteStore } from "../../src/adapters/postgres/pglite.js";
import { fixedClock } from "../../src/adapters/system/clock.js";
import { cryptoRandom } from "../../src/adapters/system/random.js";
import { webCryptoSigner } from "../../src/adapters/crypto/webcrypto-signer.js";
import { loadConfig } from "../../src/core/config.js";
import { createJsonLogger } from "../../src/core/log.js";
import { createPasswordHasher } from "../../src/core/passwords/index.js";
import type { Deps } from "../../src/deps.js";
import { consumeMessage } from "../../src/jobs/consume.js";
import { loadArgon2Module } from "../../src/node/argon2.js";
import { createPolicyEngine } from "../../src/policies/engine.js";

export type TestDeps = Deps & {
  clock: ReturnType<typeof fixedClock>;
  queue: ReturnType<typeof createMemoryQueue>;
  logLines: string[];
};

/** Deps for in-process app tests: in-memory PGlite (migrated), memory cache/queue, a hand-moved clock. */
export async function makeTestDeps(env: Record<string, string> = {}): Promise<TestDeps> {
  const store = await createPgliteStore();
  await migratePglite(store);
  const logLines: string[] = [];
  const logger = createJsonLogger({ level: "debug", write: (l) => logLines.push(l) });
  const clock = fixedClock(new Date());
  let deps: TestDeps | undefined;
  const queue = createMemoryQueue({ consumer: (m) => consumeMessage(deps!, m), backoffMs: () => 1, logger });
  deps = {
    config: loadConfig({ THRESHOLD_ENVIRONMENT: "test", ...env }),
    store,
    cache: createMemoryCache({ clock }),
    queue,
    clock,
    random: cryptoRandom,
    keys: createKeyStore("k".repeat(40), cryptoRandom),
    signer: webCryptoSigner,
    mailer: createMemoryMailer(),
    logger,
    passwords: createPasswordHasher({ argon2Module: await loadArgon2Module() }),
    // Real engine: flows, stage bindings and applications are evaluated as in production.
    policyEngine: undefined as never,
    waitUntil: () => {},
    logLines,
  };
  deps.policyEngine = createPolicyEngine(deps);
  return deps;
}
