import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env.js";

/**
 * One JSON line per request. The query string is left out on purpose: it carries codes,
 * tokens and state values that must not reach logs.
 */
export function accessLog(): MiddlewareHandler<AppEnv> {
  return async function accessLogMiddleware(c, next) {
    const start = performance.now();
    await next();
    const path = new URL(c.req.url).pathname;
    if (path.startsWith("/-/health/live")) return; // probes every few seconds: noise
    c.var.logger.info("request", {
      method: c.req.method,
      path,
      status: c.res.status,
      duration_ms: Math.round((performance.now() - start) * 10) / 10,
    });
  };
}
