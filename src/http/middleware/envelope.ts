import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env.js";

const INCOMING_ID = /^[A-Za-z0-9._:-]{8,128}$/;
const HEALTH_PROBE = "/-/health/live";

/**
 * What every request gets, in one middleware (each layer is a promise per request):
 * - an id: a well-formed incoming `X-Request-Id` (from a proxy) is kept, otherwise a new one is
 *   made; it is echoed in the response and on every log line (`c.var.logger`);
 * - `X-Content-Type-Options: nosniff` and `Referrer-Policy: same-origin` on the response;
 * - one JSON access-log line. The query string is left out on purpose: it carries codes, tokens
 *   and state values that must not reach logs.
 *
 * The three headers go on the response itself, so that a handler's own Response (a lazily built
 * sub-app's, a proxied asset) carries them too; where the host can set headers on the outgoing
 * response directly (`Deps.setResponseHeader`, the Node host), they are set there before the
 * handler runs and no `Headers` object is built for them.
 */
export function envelope(): MiddlewareHandler<AppEnv> {
  return async function envelopeMiddleware(c, next) {
    const start = performance.now();
    const incoming = c.req.header("x-request-id");
    const id = incoming && INCOMING_ID.test(incoming) ? incoming : c.env.random.uuid();
    const logger = c.env.logger.child({ request_id: id });
    c.set("requestId", id);
    c.set("logger", logger);
    const common: [string, string][] = [
      ["X-Request-Id", id],
      ["X-Content-Type-Options", "nosniff"],
      ["Referrer-Policy", "same-origin"],
    ];
    const setHeader = c.env.setResponseHeader;
    if (setHeader) for (const [name, value] of common) setHeader(name, value);
    await next();
    if (!setHeader) {
      try {
        const headers = c.res.headers;
        for (const [name, value] of common) headers.set(name, value);
      } catch {
        // Immutable headers (a `fetch()` response): Hono rebuilds the response once per call.
        for (const [name, value] of common) c.header(name, value);
      }
    }
    const path = c.req.path;
    if (path.startsWith(HEALTH_PROBE)) return; // probes every few seconds: noise
    logger.info("request", {
      method: c.req.method,
      path,
      status: c.res.status,
      duration_ms: Math.round((performance.now() - start) * 10) / 10,
    });
  };
}
