/**
 * Browser sessions. The `authentik_session` cookie holds an opaque random key; the database
 * stores only its SHA-256 (`authenticated_sessions.session_key_hash`), so a database leak yields
 * no usable cookies. Before login, flow state lives in the cache under `flow:session:<sha256>`
 * (`{[flowSlug]: executionId}`). Login and logout issue a new key (session fixation prevention);
 * in-progress executions move to the new key, as Django's `cycle_key` keeps session data.
 */
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { sha256Hex } from "../../core/encoding.js";
import type { AuthenticatedSession, User } from "../../ports/store.js";
import type { AppEnv } from "../env.js";
import { backchannelLogoutSession } from "../../protocols/oauth2/logout-channels.js";

export const SESSION_COOKIE = "authentik_session";
/** Idle lifetime of the pre-login flow map (matches the plan TTL; refreshed on use). */
export const FLOW_SESSION_TTL_SECONDS = 30 * 60;

const KEY_FORMAT = /^[A-Za-z0-9_-]{32,128}$/;

export interface SessionState {
  /** The cookie's key, or null when the request carries none (or a malformed one). */
  key: string | null;
  keyHash: string | null;
  /** Loaded lazily by {@link currentUser}; undefined = not looked up yet. */
  authenticated?: AuthenticatedSession | null;
}

export type SessionEnv = {
  Bindings: AppEnv["Bindings"];
  Variables: AppEnv["Variables"] & { session: SessionState };
};
type Ctx = Context<SessionEnv>;

/** Reads the session cookie (no database access; see {@link currentUser}). */
export function session(): MiddlewareHandler<SessionEnv> {
  return async function sessionMiddleware(c, next) {
    const raw = getCookie(c, SESSION_COOKIE);
    const key = raw && KEY_FORMAT.test(raw) ? raw : null;
    c.set("session", { key, keyHash: key ? await sha256Hex(key) : null });
    await next();
  };
}

/** Sets `c.var.user` from an authenticated session when there is one (for routes that need it). */
export function sessionUser(): MiddlewareHandler<SessionEnv> {
  return async function sessionUserMiddleware(c, next) {
    await currentUser(c);
    await next();
  };
}

function isHttps(c: Ctx): boolean {
  return new URL(c.req.url).protocol === "https:";
}

function writeCookie(c: Ctx, key: string, maxAgeSeconds?: number): void {
  setCookie(c, SESSION_COOKIE, key, {
    path: "/",
    httpOnly: true,
    secure: isHttps(c),
    sameSite: "Lax",
    ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}),
  });
}

/** The user of the request's authenticated session (expired or inactive → null); sets `c.var.user`. */
export async function currentUser(c: Ctx): Promise<User | null> {
  const state = c.var.session;
  if (c.var.user) return c.var.user;
  if (!state.keyHash) return null;
  if (state.authenticated === undefined) {
    const row = await c.env.store.sessions.byKeyHash(state.keyHash);
    state.authenticated = row && row.expires > c.env.clock.now() ? row : null;
  }
  if (!state.authenticated) return null;
  const user = await c.env.store.users.byPk(state.authenticated.userPk);
  if (!user || !user.isActive) return null;
  c.set("user", user);
  return user;
}

/** The session key hash, issuing a new (anonymous) session cookie when the request has none. */
export function ensureSession(c: Ctx): Promise<string> {
  const state = c.var.session;
  if (state.keyHash) return Promise.resolve(state.keyHash);
  return newKey(c).then((hash) => hash);
}

async function newKey(c: Ctx, maxAgeSeconds?: number): Promise<string> {
  const key = c.env.random.token(32);
  const keyHash = await sha256Hex(key);
  c.set("session", { key, keyHash, authenticated: null });
  writeCookie(c, key, maxAgeSeconds);
  return keyHash;
}

function flowMapKey(keyHash: string): string {
  return `flow:session:${keyHash}`;
}

/** The session's in-progress executions by flow slug. */
export async function sessionFlows(c: Ctx): Promise<Record<string, string>> {
  const hash = c.var.session.keyHash;
  if (!hash) return {};
  return (await c.env.cache.get<Record<string, string>>(flowMapKey(hash))) ?? {};
}

/**
 * A plan context handed from one flow to the next (redirect stage `keep_context`): kept for this
 * session until the target flow is planned, then taken once.
 */
export async function carryFlowContext(c: Ctx, flowSlug: string, context: Record<string, unknown>): Promise<void> {
  const hash = await ensureSession(c);
  await c.env.cache.set(`flow:carry:${hash}:${flowSlug}`, context, FLOW_SESSION_TTL_SECONDS);
}

export async function takeCarriedFlowContext(c: Ctx, flowSlug: string): Promise<Record<string, unknown> | null> {
  const hash = c.var.session.keyHash;
  if (!hash) return null;
  return c.env.cache.take<Record<string, unknown>>(`flow:carry:${hash}:${flowSlug}`);
}

/** Records (or with `null`, forgets) the execution of `flowSlug` for this session. */
export async function setSessionFlow(c: Ctx, flowSlug: string, executionId: string | null): Promise<void> {
  const hash = await ensureSession(c);
  const map = await sessionFlows(c);
  if (executionId) map[flowSlug] = executionId;
  else delete map[flowSlug];
  if (Object.keys(map).length === 0) await c.env.cache.delete(flowMapKey(hash));
  else await c.env.cache.set(flowMapKey(hash), map, FLOW_SESSION_TTL_SECONDS);
}

/** Forgets every execution of this session (`/flows/-/cancel/`). */
export async function clearSessionFlows(c: Ctx): Promise<void> {
  const hash = c.var.session.keyHash;
  if (hash) await c.env.cache.delete(flowMapKey(hash));
}

/** Replaces the session key, moving the flow map along. Returns the new key hash. */
async function cycleKey(c: Ctx, maxAgeSeconds?: number): Promise<string> {
  const oldHash = c.var.session.keyHash;
  const map = await sessionFlows(c);
  const hash = await newKey(c, maxAgeSeconds);
  if (oldHash) await c.env.cache.delete(flowMapKey(oldHash));
  if (Object.keys(map).length > 0) await c.env.cache.set(flowMapKey(hash), map, FLOW_SESSION_TTL_SECONDS);
  return hash;
}

function clientInfo(c: Ctx): { ip: string; userAgent: string } {
  return { ip: clientIp(c) ?? "", userAgent: c.req.header("user-agent") ?? "" };
}

/**
 * The client IP as the host determined it (`Deps.client`); see `src/node/client-info.ts` for
 * which proxy headers the Node host trusts.
 */
export function clientIp(c: Context): string | null {
  // The host decides who the client is (it knows whether proxy headers can be trusted).
  const fromHost = (c.env as { client?: { ip: string | null } } | undefined)?.client;
  if (fromHost) return fromHost.ip;
  // In-process tests only (no host): read the usual proxy headers.
  const cf = c.req.header("cf-connecting-ip");
  if (cf) return cf.trim();
  const xff = c.req.header("x-forwarded-for");
  return xff ? xff.split(",")[0]!.trim() || null : null;
}

/** Deletes an authenticated session after telling its relying parties (back-channel logout). */
async function endSession(c: Ctx, row: AuthenticatedSession): Promise<void> {
  await backchannelLogoutSession(c.env, row.sessionKeyHash, new URL(c.req.url).origin);
  await c.env.store.sessions.delete(row.uuid);
}

/** Logs `user` in: ends any previous authenticated session, issues a new key, stores its hash. */
export async function loginSession(c: Ctx, user: User, opts: { expires: Date; persistent: boolean; terminateOthers?: boolean }): Promise<void> {
  const previous = c.var.session.keyHash ? await c.env.store.sessions.byKeyHash(c.var.session.keyHash) : null;
  if (previous) await endSession(c, previous);
  const maxAge = opts.persistent
    ? Math.max(1, Math.floor((opts.expires.getTime() - c.env.clock.now().getTime()) / 1000))
    : undefined;
  const hash = await cycleKey(c, maxAge);
  const { ip, userAgent } = clientInfo(c);
  const row = await c.env.store.sessions.create({
    sessionKeyHash: hash,
    userPk: user.pk,
    lastIp: ip,
    lastUserAgent: userAgent.slice(0, 512),
    expires: opts.expires,
  });
  c.var.session.authenticated = row;
  c.set("user", user);
  if (opts.terminateOthers) {
    const origin = new URL(c.req.url).origin;
    for (const keyHash of await c.env.store.sessions.deleteOthers(user.pk, row.uuid)) await backchannelLogoutSession(c.env, keyHash, origin);
  }
}

/** Ends the authenticated session (row deleted) and continues on a new anonymous key. */
export async function logoutSession(c: Ctx): Promise<void> {
  const hash = c.var.session.keyHash;
  const row = hash ? await c.env.store.sessions.byKeyHash(hash) : null;
  if (row) await endSession(c, row);
  await cycleKey(c);
  c.var.session.authenticated = null;
  c.set("user", undefined);
}
