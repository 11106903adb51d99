/**
 * authentik's JWT federation between providers (`jwt_federation_providers`): an access token that
 * a provider of this install issued to a user, presented to a provider that trusts the issuing
 * one, is exchanged for this provider's tokens for the same user. Two request forms:
 * - RFC 8693 token exchange (`grant_type=urn:ietf:params:oauth:grant-type:token-exchange`,
 *   `subject_token`, `subject_token_type` access_token or jwt), the client authenticating as usual
 *   (a public client sends its id); impersonation, no `actor_token`, no `audience`;
 * - authentik's client_credentials form: the token as `client_assertion` (type jwt-bearer) with
 *   the `client_id`.
 * The subject token must be live (stored, not revoked, unexpired, signed by its provider), its
 * user active, and the application's policy bindings must let the user in. The tokens issued are
 * the user's (stored, revocable; an ID token with `openid`), never a refresh token.
 */
import { createLocalJWKSet, jwtVerify, type JWK, type JWTPayload } from "jose";
import { sha256Hex } from "../../core/encoding.js";
import { OAuthError } from "../../core/errors.js";
import type { Deps } from "../../deps.js";
import { KEY_ALGORITHMS } from "../../ports/crypto.js";
import type { User } from "../../ports/store.js";
import { recordEvent } from "../../services/events.js";
import { jwks } from "./discovery.js";
import { parseProvider, type OAuth2Provider } from "./settings.js";

export const TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
export const ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";
export const JWT_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:jwt";
/** RFC 8693 §3: the subject token types accepted (both mean our JWT access tokens). */
export const SUBJECT_TOKEN_TYPES = [ACCESS_TOKEN_TYPE, JWT_TOKEN_TYPE];

const refused = (why: string) => new OAuthError("invalid_grant", why);

/**
 * The user behind `token` when it is a live access token of a provider `provider` federates with,
 * after the application's policy bindings; `invalid_grant` otherwise.
 */
export async function federatedUser(
  deps: Deps,
  provider: OAuth2Provider,
  token: string,
  request: { clientIp: string | null; url: string; scope: string[]; grantType: string },
): Promise<User> {
  const trusted = provider.settings.jwt_federation_providers;
  if (trusted.length === 0) throw refused("This provider does not accept tokens of other providers.");
  if (token.length > 8192 || token.split(".").length !== 3) throw refused("The subject token is not a JWT access token.");
  const row = await deps.store.oauth2.accessTokenByHash(await sha256Hex(token));
  const now = deps.clock.now();
  if (!row || row.revoked || row.expires <= now || row.userPk === null) throw refused("The subject token is not an active access token.");
  if (!trusted.includes(row.providerPk)) throw refused("The subject token's provider is not federated with this provider.");
  const issuer = parseProvider(deps, await deps.store.oauth2.providerByPk(row.providerPk));
  if (!issuer) throw refused("The subject token's provider no longer exists.");
  // The row proves it was issued here; the signature is checked too, against the issuing
  // provider's published keys (current, next or retired), so a forged look-alike never passes.
  let claims: JWTPayload;
  try {
    const keys = createLocalJWKSet((await jwks(deps, issuer)) as { keys: JWK[] });
    claims = (await jwtVerify(token, keys, { typ: "at+jwt", algorithms: KEY_ALGORITHMS, currentDate: now })).payload;
  } catch {
    throw refused("The subject token's signature or lifetime is invalid.");
  }
  const user = await deps.store.users.byPk(row.userPk);
  if (!user || !user.isActive) throw refused("The subject token's user is not active.");
  const app = provider.application;
  if (!app) throw refused("The provider has no application.");
  const url = new URL(request.url);
  const access = await deps.policyEngine.evaluate(app.pk, {
    user,
    http: { ip: request.clientIp, userAgent: null, host: url.host, path: url.pathname },
    // authentik's names (`request.context` in expressions): the grant, and the presented JWT.
    context: { oauth_scopes: request.scope, oauth_grant_type: request.grantType, oauth_jwt: claims },
    obj: { model: "authentik_core.application", pk: app.pk, name: app.name, slug: app.slug },
  });
  if (!access.passing) throw refused("The user may not access this application.");
  await recordEvent(deps, {
    action: "login",
    user,
    clientIp: request.clientIp,
    context: { method: "jwt", method_args: { provider: { pk: issuer.pk, name: issuer.name } }, application: { pk: app.pk, name: app.name, slug: app.slug } },
  });
  return user;
}
