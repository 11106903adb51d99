/**
 * Error rendering for `/api/v3` in authentik's shapes: a validation error is `400` with the field
 * errors at the top level (`{"username": ["This field is required."]}`, what authentik's clients
 * parse); every other error is problem+json (RFC 9457) that also carries authentik's `detail`.
 * Unexpected errors are logged with the request id and reveal nothing.
 */
import type { Context, ErrorHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { isThresholdError, RateLimitedError, ValidationError } from "../core/errors.js";
import type { ApiEnv } from "./types.js";

/** authentik's validation body: field → messages (`non_field_errors` for the object as a whole). */
export function validationBody(err: ValidationError): Record<string, string[]> {
  const body: Record<string, string[]> = {};
  for (const [field, errors] of Object.entries(err.fields)) body[field] = errors.map((e) => e.string);
  if (Object.keys(body).length === 0) body.non_field_errors = [err.message];
  return body;
}

function problem(c: Context<ApiEnv>, status: number, title: string, code: string, headers: Record<string, string> = {}) {
  const body = { type: "about:blank", title, status, detail: title, code, request_id: c.get("requestId") };
  return c.body(JSON.stringify(body), status as 400, { "Content-Type": "application/problem+json", ...headers });
}

export const renderApiV3Error: ErrorHandler<ApiEnv> = (err, c) => {
  if (err instanceof ValidationError) {
    return c.body(JSON.stringify(validationBody(err)), 400, { "Content-Type": "application/json" });
  }
  if (isThresholdError(err) && err.expose) {
    const headers: Record<string, string> = {};
    if (err instanceof RateLimitedError) headers["Retry-After"] = String(err.retryAfterSeconds);
    if (err.status === 401) headers["WWW-Authenticate"] = 'Bearer realm="threshold"';
    return problem(c, err.status, err.message, err.code, headers);
  }
  if (err instanceof HTTPException && err.status < 500) return problem(c, err.status, err.message || "Bad request", "invalid");
  const logger = c.get("logger") ?? c.env.logger;
  logger.error("unhandled error", { error: err, path: new URL(c.req.url).pathname, method: c.req.method });
  const status = isThresholdError(err) ? err.status : 500;
  return problem(c, status, "Internal error", "server_error");
};
