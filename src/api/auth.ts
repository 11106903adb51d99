/**
 * Authentication for `/api/v3/*`: `Authorization: Bearer <API token>` (authentik's API tokens,
 * also the outposts') or the browser session cookie, with the CSRF double submit on writes
 * (`X-authentik-CSRF`). Sets `c.var.user` and `c.var.principal`; anonymous requests get 401.
 */
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { sha256Hex } from "../core/encoding.js";
import { ForbiddenError, UnauthorizedError } from "../core/errors.js";
import { csrf } from "../http/middleware/csrf.js";
import { SESSION_COOKIE } from "../http/middleware/session.js";
import type { Outpost } from "../ports/outposts.js";
import type { AuthenticatedSession, Token, User } from "../ports/store.js";
import { type ApiAction, OUTPOST_PERMISSIONS, permission, permissionsOf, type Permissions } from "./rbac.js";
import type { ApiEnv } from "./types.js";

export interface Principal {
  user: User;
  /** The API token used, when authenticated by token. */
  token: Token | null;
  /** The session used, when authenticated by cookie. */
  session: AuthenticatedSession | null;
  /** The outpost whose token this is, if any. */
  outpost: Outpost | null;
  permissions: Permissions;
}

const BEARER = /^Bearer\s+(\S+)$/i;
const KEY_FORMAT = /^[A-Za-z0-9_-]{32,128}$/;
const csrfCheck = csrf<ApiEnv>();

async function byToken(c: Context<ApiEnv>, key: string): Promise<Omit<Principal, "permissions"> | null> {
  const token = await c.env.store.tokens.byKey(key, "api");
  if (!token || (token.expiring && token.expires && token.expires <= c.env.clock.now())) return null;
  const user = await c.env.store.users.byPk(token.userPk);
  if (!user?.isActive) return null;
  return { user, token, session: null, outpost: await c.env.store.outposts.byTokenPk(token.pk) };
}

async function bySession(c: Context<ApiEnv>, key: string): Promise<Omit<Principal, "permissions"> | null> {
  const session = await c.env.store.sessions.byKeyHash(await sha256Hex(key));
  if (!session || session.expires <= c.env.clock.now()) return null;
  const user = await c.env.store.users.byPk(session.userPk);
  if (!user?.isActive) return null;
  return { user, token: null, session, outpost: null };
}

/** Authenticates the request (401 when it cannot) and resolves its permissions. */
export function apiAuth(): MiddlewareHandler<ApiEnv> {
  return async function apiAuthMiddleware(c, next) {
    const bearer = BEARER.exec(c.req.header("authorization") ?? "")?.[1];
    let found: Omit<Principal, "permissions"> | null = null;
    if (bearer) {
      found = await byToken(c, bearer);
      if (!found) throw new UnauthorizedError("Token invalid/expired");
    } else {
      const cookie = getCookie(c, SESSION_COOKIE);
      if (cookie && KEY_FORMAT.test(cookie)) found = await bySession(c, cookie);
      if (!found) throw new UnauthorizedError("Authentication credentials were not provided.");
    }
    const groups = await c.env.store.policies.allGroupsOf(found.user.pk);
    const principal: Principal = { ...found, permissions: permissionsOf(groups, found.outpost ? OUTPOST_PERMISSIONS : []) };
    c.set("user", found.user);
    c.set("principal", principal);
    // Outpost health for the dashboard: when each outpost last called the API.
    if (found.outpost) await c.env.cache.set(`outpost:last_seen:${found.outpost.pk}`, c.env.clock.now().toISOString(), 86_400);
    // Cookie-authenticated writes need the CSRF header; token requests are not ambient credentials.
    if (found.session) return csrfCheck(c, next);
    await next();
  };
}

export function principalOf(c: Context<ApiEnv>): Principal {
  const p = c.get("principal");
  if (!p) throw new UnauthorizedError("Authentication credentials were not provided.");
  return p;
}

/** 403 unless the principal holds `<app>.<action>_<model>`. */
export function requirePermission(c: Context<ApiEnv>, app: string, action: ApiAction, model: string): Principal {
  const p = principalOf(c);
  if (!p.permissions.has(permission(app, action, model))) {
    throw new ForbiddenError("You do not have permission to perform this action.");
  }
  return p;
}

/** Middleware form of {@link requirePermission}. */
export function needs(app: string, action: ApiAction, model: string): MiddlewareHandler<ApiEnv> {
  return async function needsPermission(c, next) {
    requirePermission(c, app, action, model);
    await next();
  };
}
