/** Opens the same database (PGlite data folder or DATABASE_URL) the Node host uses. */
import type { DrizzleStore } from "../adapters/postgres/store.js";
import type { Db } from "../adapters/postgres/db.js";
import { loadConfig } from "../core/config.js";
import { buildNodeDeps, type NodeDeps } from "../node/deps.js";
import type { Io } from "./command.js";

/** Runs `fn` with the host's deps and always shuts them down. */
export async function withDeps<T>(io: Io, fn: (deps: NodeDeps, db: Db) => Promise<T>): Promise<T> {
  const deps = await buildNodeDeps(loadConfig(io.env, "node"));
  try {
    return await fn(deps, (deps.store as DrizzleStore).db);
  } finally {
    await deps.shutdown();
  }
}
