/**
 * Renderers of the OAuth2 endpoint family (STYLE habit 5): token-style JSON errors with
 * `WWW-Authenticate`, and authorize responses (query, fragment, form_post) once the client and
 * redirect URI are validated. Unexpected errors become `server_error` with the request id only.
 */
import type { Context, ErrorHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { OAuthError, isThresholdError } from "../../core/errors.js";
import type { AppEnv } from "../../http/env.js";
import { renderPageError } from "../../http/render/errors.js";

function noStore(c: Context): void {
  c.header("Cache-Control", "no-store");
  c.header("Pragma", "no-cache");
}

/** RFC 6749 §5.2 error JSON. */
export const renderOAuthJsonError: ErrorHandler<AppEnv> = (err, c) => {
  noStore(c);
  if (err instanceof OAuthError) {
    if (err.wwwAuthenticate) c.header("WWW-Authenticate", err.wwwAuthenticate);
    return c.json({ error: err.error, error_description: err.description }, err.status as 400);
  }
  if (err instanceof HTTPException && err.status < 500) {
    return c.json({ error: "invalid_request", error_description: "Malformed request." }, 400);
  }
  if (isThresholdError(err) && err.expose && err.status < 500) {
    return c.json({ error: "invalid_request", error_description: err.message }, 400);
  }
  (c.get("logger") ?? c.env.logger).error("oauth2 endpoint failed", { error: err, path: new URL(c.req.url).pathname });
  return c.json({ error: "server_error", error_description: `Internal error (request id ${c.get("requestId") ?? ""}).` }, 500);
};

/** Errors before the redirect URI is validated: a page, never a redirect. */
export const renderOAuthPageError: ErrorHandler<AppEnv> = (err, c) => {
  if (err instanceof OAuthError) {
    const page = new HTTPException(err.status >= 500 ? 400 : (err.status as 400), { message: `${err.description} (${err.error})` });
    return renderPageError(page, c);
  }
  return renderPageError(err, c);
};

export type ResponseMode = "query" | "fragment" | "form_post";

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** The URL that delivers `params` to `redirectUri` by query or fragment. */
export function responseUrl(redirectUri: string, mode: Exclude<ResponseMode, "form_post">, params: Record<string, string>): string {
  const url = new URL(redirectUri);
  if (mode === "query") {
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return url.toString();
  }
  url.hash = new URLSearchParams(params).toString();
  return url.toString();
}

/** OAuth 2.0 Form Post Response Mode: an auto-submitting form to the client. */
export function formPostPage(redirectUri: string, params: Record<string, string>): string {
  const inputs = Object.entries(params)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join("");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Submit</title></head><body onload="document.forms[0].submit()"><form method="post" action="${escapeHtml(redirectUri)}">${inputs}<noscript><button type="submit">Continue</button></noscript></form></body></html>`;
}

/** A same-origin page that navigates to `url` (meta refresh, with a link as fallback). */
export function navigatePage(url: string): string {
  const u = escapeHtml(url);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${u}"><title>Redirecting</title></head><body><p><a href="${u}">Continue</a></p></body></html>`;
}
