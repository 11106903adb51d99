/**
 * authentik's machine-to-machine login at the token endpoint: `grant_type=client_credentials` (or
 * its alias `password`) where a user — usually a service account — proves itself with one of its
 * app passwords, either as `username` + `password` in the form or, for clients that can only send
 * a client id and secret, as the client secret `base64("username:app password")`. The client id
 * only names the provider (a client secret, when one is sent, must still be right); the
 * application's policy bindings decide whether the user may have a token, as at the authorization
 * endpoint. The tokens are the user's: stored (introspectable, revocable), an ID token with
 * `openid`, never a refresh token. Failed attempts are throttled per client IP and per username.
 */
import { hitRateLimit, isRateLimited, firstReportInWindow, type RateLimitRule } from "../../core/rate-limit.js";
import { fromBase64Text } from "../../core/encoding.js";
import { OAuthError } from "../../core/errors.js";
import type { Deps } from "../../deps.js";
import type { User } from "../../ports/store.js";
import { recordEvent } from "../../services/events.js";
import type { OAuth2Provider } from "./settings.js";

/** Attempts per client IP (as for flows' credential stages). */
export const APP_PASSWORD_IP_ATTEMPTS: RateLimitRule = { name: "oauth-app-password-ip", limit: 60, windowSeconds: 300 };
/** Failed attempts per username (case-folded). */
export const APP_PASSWORD_FAILURES: RateLimitRule = { name: "oauth-app-password-uid", limit: 10, windowSeconds: 300 };

export interface AppPasswordCredentials {
  username: string;
  password: string;
  /** Where they came from, for the login event. */
  via: "form" | "client_secret";
}

/**
 * authentik's workaround for clients limited to an id and a secret: a secret that is standard
 * base64 of `username:password` (UTF-8). Null for anything else.
 */
export function appPasswordFromSecret(secret: string | null): AppPasswordCredentials | null {
  if (!secret || secret.length > 4096 || !/^[A-Za-z0-9+/]+={0,2}$/.test(secret) || secret.length % 4 !== 0) return null;
  const text = fromBase64Text(secret);
  if (text === null) return null;
  const colon = text.indexOf(":");
  // eslint-disable-next-line no-control-regex
  if (colon < 1 || colon === text.length - 1 || /[\u0000-\u001f]/.test(text)) return null;
  return { username: text.slice(0, colon), password: text.slice(colon + 1), via: "client_secret" };
}

const throttled = () => new OAuthError("invalid_grant", "Too many attempts. Please try again later.");
const badCredentials = () => new OAuthError("invalid_grant", "Invalid username or app password.");

async function reportThrottle(deps: Deps, rule: RateLimitRule, subject: string, username: string, clientIp: string | null): Promise<void> {
  if (!(await firstReportInWindow(deps.cache, rule, subject))) return;
  await recordEvent(deps, { action: "suspicious_request", clientIp, context: { reason: "rate_limited", limit: rule.name, identifier: username, endpoint: "token" } });
}

/**
 * The user the app password belongs to, once it is checked against the username, the token's
 * expiry, the user's state and the application's policy bindings; `invalid_grant` otherwise.
 */
export async function appPasswordUser(
  deps: Deps,
  provider: OAuth2Provider,
  creds: AppPasswordCredentials,
  request: { clientIp: string | null; url: string; scope: string[]; grantType: string },
): Promise<User> {
  const { username, password } = creds;
  // PostgreSQL refuses NUL in text, and no username holds control characters.
  // eslint-disable-next-line no-control-regex
  if (username.length > 150 || password.length > 1024 || /[\u0000-\u001f\u007f]/.test(username)) throw badCredentials();
  const ip = request.clientIp ?? "unknown";
  const folded = username.trim().toLowerCase();
  const ipState = await hitRateLimit(deps.cache, APP_PASSWORD_IP_ATTEMPTS, ip);
  if (ipState.limited) {
    await reportThrottle(deps, APP_PASSWORD_IP_ATTEMPTS, ip, username, request.clientIp);
    throw throttled();
  }
  if (await isRateLimited(deps.cache, APP_PASSWORD_FAILURES, folded)) {
    await reportThrottle(deps, APP_PASSWORD_FAILURES, folded, username, request.clientIp);
    throw throttled();
  }
  // Both lookups always run, so an unknown username and a wrong password take the same path.
  const [user, token] = await Promise.all([deps.store.users.byUsername(username), deps.store.tokens.byKey(password, "app_password")]);
  const now = deps.clock.now();
  const live = token && !(token.expiring && token.expires && token.expires <= now);
  if (!user || !live || token.userPk !== user.pk || !user.isActive) {
    await hitRateLimit(deps.cache, APP_PASSWORD_FAILURES, folded);
    await recordEvent(deps, {
      action: "login_failed",
      user: user ?? null,
      clientIp: request.clientIp,
      context: { username, method: "token", endpoint: "token", provider: provider.pk },
    });
    throw badCredentials();
  }
  const app = provider.application;
  if (!app) throw new OAuthError("invalid_grant", "The provider has no application.");
  const url = new URL(request.url);
  const access = await deps.policyEngine.evaluate(app.pk, {
    user,
    http: { ip: request.clientIp, userAgent: null, host: url.host, path: url.pathname },
    // authentik's names for what the grant asks (`request.context` in expressions).
    context: { oauth_scopes: request.scope, oauth_grant_type: request.grantType },
    obj: { model: "authentik_core.application", pk: app.pk, name: app.name, slug: app.slug },
  });
  if (!access.passing) throw new OAuthError("invalid_grant", "The user may not access this application.");
  await recordEvent(deps, {
    action: "login",
    user,
    clientIp: request.clientIp,
    context: { method: "token", method_args: { identifier: token.identifier, via: creds.via }, application: { pk: app.pk, name: app.name, slug: app.slug } },
  });
  return user;
}
