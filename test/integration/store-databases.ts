/**
 * Throwaway databases on the real server named by DATABASE_URL: each run (and each backend)
 * gets `threshold_test_<random>`, migrated, and dropped afterwards, so runs never collide or see
 * stale rows.
 */
import pg from "pg";
import { migratePg } from "../../src/adapters/postgres/migrate.js";

export interface TestDatabase {
  /** Connection string of the fresh database. */
  url: string;
  /** `host:port` of the server, for test names. */
  server: string;
  drop(): Promise<void>;
}

async function admin<T>(serverUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database on the server of `serverUrl`; `migrate` (default true) applies `migrations/`. */
export async function createTestDatabase(serverUrl: string, opts: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const name = `threshold_test_${crypto.randomUUID().replace(/-/g, "").slice(0, 16)}`;
  await admin(serverUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  if (opts.migrate ?? true) await migratePg(url.toString());
  return {
    url: url.toString(),
    server: `${url.hostname}:${url.port || "5432"}`,
    drop: () => admin(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** `host:port` of a connection string (never its credentials). */
export function serverOf(serverUrl: string): string {
  const url = new URL(serverUrl);
  return `${url.hostname}:${url.port || "5432"}`;
}
