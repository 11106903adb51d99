import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { schema } from "./db.js";
import { createDrizzleStore, type DrizzleStore } from "./store.js";

/**
 * A `Store` on PGlite (Postgres in WASM): the embedded default of the Node host. `dataDir`
 * undefined keeps the database in memory (tests). PGlite has one connection: a transaction holds
 * it, so code inside `transaction()` must use the `tx` repositories, never the outer store.
 */
export async function createPgliteStore(dataDir?: string, opts: { loadDataDir?: Blob } = {}): Promise<DrizzleStore> {
  // `loadDataDir`: start from a dumped cluster (an empty-cluster template) instead of running initdb.
  const client = await PGlite.create(dataDir, opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {});
  const db = drizzle({ client, schema });
  return createDrizzleStore(db, "pglite", () => client.close());
}
