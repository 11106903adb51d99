/**
 * One error hierarchy (STYLE habit 4). Every error the app raises on purpose is a
 * `ThresholdError`; each endpoint family renders them its own way (see `src/http/render/`).
 * Anything else is unexpected: it is logged with the request id and rendered as a generic
 * server error that reveals nothing internal.
 */

/** A field-level validation message, shaped like authentik's `{string, code}` error detail. */
export interface FieldError {
  string: string;
  code: string;
}

export abstract class ThresholdError extends Error {
  /** HTTP status used by renderers that speak HTTP. */
  abstract readonly status: number;
  /** Stable machine-readable code (problem+json `code`, log field). */
  abstract readonly code: string;
  /** Whether `message` is safe to show to the caller. Internal details never are. */
  readonly expose: boolean = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class NotFoundError extends ThresholdError {
  readonly status = 404;
  readonly code = "not_found";
}

export class ConflictError extends ThresholdError {
  readonly status = 409;
  readonly code = "conflict";
}

/** Bad input, with optional per-field messages (API problem+json `errors`). */
export class ValidationError extends ThresholdError {
  readonly status = 400;
  readonly code = "invalid";
  constructor(
    message: string,
    readonly fields: Record<string, FieldError[]> = {},
  ) {
    super(message);
  }
}

export class UnauthorizedError extends ThresholdError {
  readonly status = 401;
  readonly code = "not_authenticated";
}

export class ForbiddenError extends ThresholdError {
  readonly status = 403;
  readonly code = "permission_denied";
}

export class RateLimitedError extends ThresholdError {
  readonly status = 429;
  readonly code = "throttled";
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** A dependency (database, cache) is unreachable. Details stay in logs. */
export class ServiceUnavailableError extends ThresholdError {
  readonly status = 503;
  readonly code = "service_unavailable";
  override readonly expose = false;
}

/** Invalid configuration. `key` names the offending setting; the message says why. */
export class ConfigError extends ThresholdError {
  readonly status = 500;
  readonly code = "configuration_error";
  override readonly expose = false;
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(`${key}: ${reason}`);
  }
}

/** Tampered or undecryptable wrapped secret. */
export class KeyStoreError extends ThresholdError {
  readonly status = 500;
  readonly code = "keystore_error";
  override readonly expose = false;
}

/**
 * An OAuth 2.0 / OIDC protocol error (RFC 6749 §5.2, RFC 6750 §3.1). `error` is the wire code;
 * `description` is written for the client and never carries internal details. Renderers: token
 * JSON (`src/protocols/oauth2/render.ts`), authorize redirect once the client and redirect URI
 * are validated, an error page before that.
 */
export class OAuthError extends ThresholdError {
  readonly code: string;
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status: number = 400,
    /** `WWW-Authenticate` challenge for 401 responses (RFC 6749 §5.2, RFC 6750 §3). */
    readonly wwwAuthenticate?: string,
  ) {
    super(description);
    this.code = error;
  }
}

export function isThresholdError(e: unknown): e is ThresholdError {
  return e instanceof ThresholdError;
}
