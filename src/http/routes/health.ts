import { Hono } from "hono";
import type { AppEnv } from "../env.js";
import { renderJsonError } from "../render/errors.js";

const CHECK_TIMEOUT_MS = 2_000;

async function check(name: string, fn: () => Promise<void>): Promise<[string, boolean, unknown?]> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${name} check timed out`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return [name, true];
  } catch (error) {
    return [name, false, error];
  } finally {
    clearTimeout(timer);
  }
}

/** `/-/health/live/` (process up) and `/-/health/ready/` (database and cache reachable), as authentik. */
export function healthRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  app.onError(renderJsonError);
  app.get("/live", (c) => c.json({ status: "ok" }));
  app.get("/ready", async (c) => {
    const results = await Promise.all([
      check("database", () => c.env.store.ping()),
      check("cache", () => c.env.cache.ping()),
    ]);
    const checks: Record<string, "ok" | "failing"> = {};
    for (const [name, ok, error] of results) {
      checks[name] = ok ? "ok" : "failing";
      if (!ok) c.var.logger.warn("readiness check failed", { check: name, error });
    }
    const ready = results.every(([, ok]) => ok);
    c.header("Cache-Control", "no-store");
    return c.json({ status: ready ? "ok" : "unavailable", checks }, ready ? 200 : 503);
  });
  return app;
}
