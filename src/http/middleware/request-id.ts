import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env.js";

const INCOMING = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Gives every request an id: a well-formed incoming `X-Request-Id` (from a proxy) is kept,
 * otherwise a new one is made. It is echoed in the response and on every log line.
 */
export function requestId(): MiddlewareHandler<AppEnv> {
  return async function requestIdMiddleware(c, next) {
    const incoming = c.req.header("x-request-id");
    const id = incoming && INCOMING.test(incoming) ? incoming : c.env.random.uuid();
    c.set("requestId", id);
    c.set("logger", c.env.logger.child({ request_id: id }));
    await next();
    // On the response itself: a handler that returns a Response it built (a lazily built
    // sub-app's, a proxied asset) never sees headers prepared on the context.
    try {
      c.res.headers.set("X-Request-Id", id);
    } catch {
      c.header("X-Request-Id", id); // immutable headers (a `fetch()` response): rebuilt by Hono
    }
  };
}
