import type { MiddlewareHandler } from "hono";
import { UnauthorizedError } from "../../core/errors.js";
import type { AppEnv } from "../env.js";

/**
 * API authentication by `Authorization: Bearer <API token>` (authentik's API tokens). Session
 * cookies with CSRF arrive with the flows issue. Sets `c.var.user`.
 */
export function apiTokenAuth(): MiddlewareHandler<AppEnv> {
  return async function apiTokenAuthMiddleware(c, next) {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new UnauthorizedError("Authentication credentials were not provided.");
    const token = await c.env.store.tokens.byKey(match[1]!, "api");
    const now = c.env.clock.now();
    if (!token || (token.expiring && token.expires && token.expires <= now)) {
      throw new UnauthorizedError("Token invalid/expired");
    }
    const user = await c.env.store.users.byPk(token.userPk);
    if (!user || !user.isActive) throw new UnauthorizedError("Token invalid/expired");
    c.set("user", user);
    await next();
  };
}

