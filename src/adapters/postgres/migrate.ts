/**
 * Applies `migrations/` (drizzle-kit SQL) with drizzle's migrators. Node only (reads files): the
 * Node host migrates at start, CI before tests, `threshold migrate` on demand; the Worker never
 * migrates. Idempotent: applied migrations are recorded in `drizzle.__drizzle_migrations`.
 */
import { fileURLToPath } from "node:url";
import { migrate as migrateNeonDb } from "drizzle-orm/neon-serverless/migrator";
import type { NeonDatabase } from "drizzle-orm/neon-serverless";
import { drizzle as drizzlePg, type NodePgDatabase } from "drizzle-orm/node-postgres";
import { migrate as migrateNodePg } from "drizzle-orm/node-postgres/migrator";
import type { PgliteDatabase } from "drizzle-orm/pglite";
import { migrate as migratePgliteDb } from "drizzle-orm/pglite/migrator";
import pg from "pg";
import type { Store } from "../../ports/store.js";
import { schema } from "./db.js";
import { isDrizzleStore } from "./store.js";

type Schema = typeof schema;

/** The repository's `migrations/` folder. */
export const defaultMigrationsFolder = fileURLToPath(new URL("../../../migrations/", import.meta.url));

/** Arbitrary constant: serialises concurrent migrators (two hosts starting at once). */
const MIGRATION_LOCK = 727_465_001;

/** Migrates the database behind any store created by this adapter. */
export async function migrateStore(store: Store, migrationsFolder = defaultMigrationsFolder): Promise<void> {
  if (!isDrizzleStore(store)) throw new TypeError("migrateStore: not a Postgres store");
  const config = { migrationsFolder };
  switch (store.driver) {
    case "pg":
      return migrateNodePg(store.db as unknown as NodePgDatabase<Schema>, config);
    case "neon":
      return migrateNeonDb(store.db as unknown as NeonDatabase<Schema>, config);
    case "pglite":
      return migratePgliteDb(store.db as unknown as PgliteDatabase<Schema>, config);
  }
}

/**
 * Migrates the PostgreSQL server at `url` on one dedicated connection, holding an advisory lock
 * so that concurrent callers apply each migration once.
 */
export async function migratePg(url: string, migrationsFolder = defaultMigrationsFolder): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK]);
    try {
      await migrateNodePg(drizzlePg({ client, schema }), { migrationsFolder });
    } finally {
      await client.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK]);
    }
  } finally {
    await client.end();
  }
}

/** Migrates a PGlite store (one connection, so no lock is needed). */
export async function migratePglite(store: Store, migrationsFolder = defaultMigrationsFolder): Promise<void> {
  if (!isDrizzleStore(store) || store.driver !== "pglite") {
    throw new TypeError("migratePglite: not a PGlite store");
  }
  await migrateStore(store, migrationsFolder);
}
