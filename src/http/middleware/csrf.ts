/**
 * CSRF protection by double submit, as Django/authentik do it: the `authentik_csrf` cookie
 * (readable by scripts) must be echoed in the `X-authentik-CSRF` (or Django's `X-CSRFToken`)
 * header on state-changing requests that carry a session cookie. A cross-site page can make the
 * browser send the cookie but cannot read it to set the header. Compared in constant time.
 */
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { timingSafeEqual } from "../../core/encoding.js";
import { ForbiddenError } from "../../core/errors.js";
import type { AppEnv } from "../env.js";
import { SESSION_COOKIE } from "./session.js";

export const CSRF_COOKIE = "authentik_csrf";
export const CSRF_HEADER = "x-authentik-csrf";
const DJANGO_HEADER = "x-csrftoken";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS", "TRACE"]);
const TOKEN_FORMAT = /^[A-Za-z0-9_-]{32,128}$/;

/** Makes sure the client has a CSRF cookie (set on safe requests, e.g. the first GET of a flow). */
export function ensureCsrfCookie<E extends AppEnv>(c: Context<E>): string {
  const existing = getCookie(c, CSRF_COOKIE);
  if (existing && TOKEN_FORMAT.test(existing)) return existing;
  const token = c.env.random.token(32);
  setCookie(c, CSRF_COOKIE, token, {
    path: "/",
    httpOnly: false, // the client must read it to echo it
    secure: new URL(c.req.url).protocol === "https:",
    sameSite: "Lax",
  });
  return token;
}

/** Rejects unsafe requests with a session cookie whose CSRF header does not match the cookie (403). */
export function csrf<E extends AppEnv>(): MiddlewareHandler<E> {
  return async function csrfMiddleware(c, next) {
    if (!SAFE_METHODS.has(c.req.method) && getCookie(c, SESSION_COOKIE)) {
      const cookie = getCookie(c, CSRF_COOKIE) ?? "";
      const header = c.req.header(CSRF_HEADER) ?? c.req.header(DJANGO_HEADER) ?? "";
      if (!cookie || !header || !timingSafeEqual(cookie, header)) {
        throw new ForbiddenError("CSRF Failed: CSRF token missing or incorrect.");
      }
    }
    await next();
  };
}
