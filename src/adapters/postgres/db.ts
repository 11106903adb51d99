import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import * as schema from "../../db/schema/index.js";

export { schema };

/**
 * The drizzle database every driver produces (node-postgres, Neon serverless, PGlite) and every
 * transaction handle: repositories are written once against it.
 */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** Which driver a store runs on. */
export type Driver = "pg" | "neon" | "pglite";

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Postgres rejects malformed uuids with an error; lookups by such ids simply find nothing. */
export function isUuid(value: string): boolean {
  return UUID_RE.test(value);
}

/** `db.execute` returns `{rows}` on pg/Neon/PGlite; normalise. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
