import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { schema } from "./db.js";
import { createDrizzleStore, type DrizzleStore } from "./store.js";

export interface PgStoreOptions {
  /** Pool size (default 10). */
  max?: number;
  /** Errors of idle pooled connections (e.g. the server restarted); ignored by default. */
  onIdleError?: (error: Error) => void;
}

/** A `Store` on node-postgres (Node host with `DATABASE_URL`, CI). */
export function createPgStore(url: string, opts: PgStoreOptions = {}): DrizzleStore {
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10 });
  // Without a listener an idle connection's error would crash the process; the pool drops
  // the connection and the next query opens a fresh one.
  pool.on("error", (error) => opts.onIdleError?.(error));
  const db = drizzle({ client: pool, schema });
  return createDrizzleStore(db, "pg", () => pool.end());
}
