/**
 * Runs the Store contract on every Postgres driver (DESIGN §7):
 *  - PGlite in memory: always;
 *  - PostgreSQL via `pg` and via the Neon serverless driver (through a local WebSocket proxy):
 *    when DATABASE_URL is set. Each gets a fresh database on that server, dropped afterwards.
 * Also checks that migrations are idempotent on each.
 */
import { afterAll, describe, expect, it } from "vitest";
import { migratePg, migratePglite, migrateStore } from "../../src/adapters/postgres/migrate.js";
import { createNeonStore } from "../../src/adapters/postgres/neon.js";
import { createPgStore } from "../../src/adapters/postgres/pg.js";
import { createPgliteStore } from "../../src/adapters/postgres/pglite.js";
import { neonProxyOptions, startNeonWsProxy, type NeonWsProxy } from "../support/neon-ws-proxy.js";
import { describeStoreContract } from "./store-contract.js";
import { createTestDatabase, serverOf, type TestDatabase } from "./store-databases.js";

const DATABASE_URL = process.env.DATABASE_URL;
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function freshDatabase(opts?: { migrate?: boolean }): Promise<TestDatabase> {
  const db = await createTestDatabase(DATABASE_URL!, opts);
  cleanups.push(db.drop);
  return db;
}

describeStoreContract("store contract [pglite in-memory]", async () => {
  const store = await createPgliteStore();
  await migratePglite(store);
  return store;
});

describe("migrations [pglite in-memory]", () => {
  it("apply twice without error", async () => {
    const store = await createPgliteStore();
    try {
      await migrateStore(store);
      await migrateStore(store);
      expect(await store.users.count()).toBe(0);
    } finally {
      await store.close();
    }
  });
});

if (DATABASE_URL) {
  const server = serverOf(DATABASE_URL);

  describeStoreContract(`store contract [postgres via pg @${server}]`, async () => {
    const db = await freshDatabase();
    return createPgStore(db.url);
  });

  let proxy: NeonWsProxy | undefined;
  cleanups.push(async () => proxy?.close());
  describeStoreContract(`store contract [postgres via neon serverless → ws proxy @${server}]`, async () => {
    const db = await freshDatabase();
    proxy ??= await startNeonWsProxy();
    return createNeonStore(db.url, neonProxyOptions(proxy.port));
  });

  describe(`migrations [postgres @${server}]`, () => {
    it("apply concurrently and again without error (pg)", async () => {
      const db = await freshDatabase({ migrate: false });
      await Promise.all([migratePg(db.url), migratePg(db.url)]);
      await migratePg(db.url);
      const store = createPgStore(db.url);
      try {
        await migrateStore(store);
        expect(await store.users.count()).toBe(0);
      } finally {
        await store.close();
      }
    });

    it("apply twice through the Neon driver", async () => {
      const db = await freshDatabase({ migrate: false });
      proxy ??= await startNeonWsProxy();
      const store = createNeonStore(db.url, neonProxyOptions(proxy.port));
      try {
        await migrateStore(store);
        await migrateStore(store);
        expect(await store.users.count()).toBe(0);
      } finally {
        await store.close();
      }
    });
  });
} else {
  describe.skip("store contract [postgres via pg] (set DATABASE_URL)", () => {
    it("runs against a real PostgreSQL", () => {});
  });
  describe.skip("store contract [postgres via neon serverless] (set DATABASE_URL)", () => {
    it("runs against a real PostgreSQL through the ws proxy", () => {});
  });
}
