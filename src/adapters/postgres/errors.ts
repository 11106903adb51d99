import { ConflictError, NotFoundError } from "../../core/errors.js";

/** SQLSTATE codes we translate (PostgreSQL Appendix A). */
const UNIQUE_VIOLATION = "23505";
const FOREIGN_KEY_VIOLATION = "23503";

interface PgErrorLike {
  code?: unknown;
  constraint?: unknown;
  cause?: unknown;
}

/** drizzle wraps driver errors (`DrizzleQueryError.cause`); find the one with a SQLSTATE. */
function sqlState(e: unknown): { code: string; constraint: string | undefined } | null {
  for (let cur = e, depth = 0; cur && typeof cur === "object" && depth < 5; depth++) {
    const c = cur as PgErrorLike;
    if (typeof c.code === "string" && /^[0-9A-Z]{5}$/.test(c.code)) {
      return { code: c.code, constraint: typeof c.constraint === "string" ? c.constraint : undefined };
    }
    cur = c.cause;
  }
  return null;
}

/**
 * Maps constraint violations to the app's error hierarchy: a duplicate → `ConflictError`, a
 * reference to a missing row → `NotFoundError`. Anything else is rethrown unchanged.
 */
export function translateError(e: unknown): unknown {
  const state = sqlState(e);
  if (state?.code === UNIQUE_VIOLATION) {
    return new ConflictError(`already exists (${state.constraint ?? "unique constraint"})`, { cause: e });
  }
  if (state?.code === FOREIGN_KEY_VIOLATION) {
    return new NotFoundError(`referenced row does not exist (${state.constraint ?? "foreign key"})`, {
      cause: e,
    });
  }
  return e;
}

/** Awaits `query`, translating constraint violations (see `translateError`). */
export async function guard<T>(query: PromiseLike<T>): Promise<T> {
  try {
    return await query;
  } catch (e) {
    throw translateError(e);
  }
}
