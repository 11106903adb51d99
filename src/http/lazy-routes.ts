import { Hono, type ExecutionContext, type Handler } from "hono";
import type { AppEnv } from "./env.js";

// What the outer app's middleware set for the request (request id, its logger), carried into a
// lazily built sub-app, whose own Context starts empty.
const OUTER_VARS = Symbol("outer-vars");
type Carried = Pick<AppEnv["Variables"], "requestId" | "logger">;

/**
 * A handler for everything under `base` that builds its routes on first use. The sub-app's
 * modules are imported dynamically, so the bundler defers their evaluation (esbuild wraps them
 * in lazy initializers) until a request needs them, instead of every cold isolate paying for
 * them before its first response. Requests run through the sub-app with the same deps, request
 * id and logger; its own error and not-found handlers answer as when it was mounted directly.
 */
export function lazyRoutes(base: string, load: () => Promise<Hono<AppEnv>>): Handler<AppEnv> {
  let built: Promise<Hono<AppEnv>> | undefined;
  const build = () => {
    built ??= load().then((routes) => {
      const outer = new Hono<AppEnv>({ strict: false });
      outer.use("*", async (c, next) => {
        const carried = (c.env as unknown as Record<symbol, Carried | undefined>)[OUTER_VARS];
        if (carried) {
          c.set("requestId", carried.requestId);
          c.set("logger", carried.logger);
        }
        await next();
      });
      return outer.route(base, routes);
    });
    built.catch(() => (built = undefined)); // a failed import is retried by the next request
    return built;
  };
  return async (c) => {
    const routes = await build();
    let ctx: ExecutionContext | undefined;
    try {
      ctx = c.executionCtx;
    } catch {
      ctx = undefined; // the Node host and in-process tests have none
    }
    const env = { ...c.env, [OUTER_VARS]: { requestId: c.var.requestId, logger: c.var.logger } satisfies Carried };
    return routes.fetch(c.req.raw, env, ctx);
  };
}
