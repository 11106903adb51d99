import type { Context, ErrorHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { isThresholdError, RateLimitedError, ValidationError } from "../../core/errors.js";
import type { AppEnv } from "../env.js";

/**
 * Renderers per endpoint family (STYLE habit 5). Each family's sub-app installs its own
 * `onError`; unexpected errors are logged with the request id and rendered generically.
 */

function logUnexpected(c: Context<AppEnv>, err: unknown): void {
  const logger = c.get("logger") ?? c.env.logger;
  logger.error("unhandled error", { error: err, path: new URL(c.req.url).pathname, method: c.req.method });
}

/** `application/problem+json` (RFC 9457) for `/api/v3/*`, with authentik-style field errors. */
export const renderApiError: ErrorHandler<AppEnv> = (err, c) => {
  const requestId = c.get("requestId");
  if (isThresholdError(err) && err.expose) {
    const body: Record<string, unknown> = {
      type: "about:blank",
      title: err.message,
      status: err.status,
      code: err.code,
      request_id: requestId,
    };
    if (err instanceof ValidationError) body.errors = err.fields;
    const headers: Record<string, string> = { "Content-Type": "application/problem+json" };
    if (err instanceof RateLimitedError) headers["Retry-After"] = String(err.retryAfterSeconds);
    if (err.status === 401) headers["WWW-Authenticate"] = 'Bearer realm="threshold"';
    return c.body(JSON.stringify(body), err.status as 400, headers);
  }
  if (err instanceof HTTPException && err.status < 500) {
    return c.body(
      JSON.stringify({ type: "about:blank", title: err.message || "Bad request", status: err.status, request_id: requestId }),
      err.status,
      { "Content-Type": "application/problem+json" },
    );
  }
  logUnexpected(c, err);
  const status = isThresholdError(err) ? err.status : 500;
  return c.body(
    JSON.stringify({ type: "about:blank", title: "Internal error", status, code: "server_error", request_id: requestId }),
    status as 500,
    { "Content-Type": "application/problem+json" },
  );
};

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** A readable HTML page for browser-facing routes (flow pages, UIs). */
export const renderPageError: ErrorHandler<AppEnv> = (err, c) => {
  const requestId = c.get("requestId") ?? "";
  let status = 500;
  let message = "Something went wrong on our side. Please try again.";
  if (isThresholdError(err) && err.expose) {
    status = err.status;
    message = err.message;
  } else if (err instanceof HTTPException && err.status < 500) {
    status = err.status;
    message = err.message || "Bad request";
  } else {
    logUnexpected(c, err);
    if (isThresholdError(err)) status = err.status;
  }
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Error</title></head><body style="font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem"><h1>${status === 404 ? "Not found" : "Request failed"}</h1><p>${escapeHtml(message)}</p><p style="color:#666;font-size:.85rem">Request id: <code>${escapeHtml(requestId)}</code></p></body></html>`;
  return c.html(html, status as 500);
};

/** Plain JSON for machine endpoints without a protocol of their own (health). */
export const renderJsonError: ErrorHandler<AppEnv> = (err, c) => {
  if (!(isThresholdError(err) && err.expose)) logUnexpected(c, err);
  const status = isThresholdError(err) ? err.status : 500;
  return c.json({ status: "error", request_id: c.get("requestId") }, status as 500);
};
