/**
 * Userinfo (OIDC Core §5.3), introspection (RFC 7662) and revocation (RFC 7009). Stored tokens are
 * found by hash; client_credentials access tokens, which are not stored, by their signature.
 */
import { createLocalJWKSet, jwtVerify, type JWK, type JWTPayload } from "jose";
import { sha256Hex } from "../../core/encoding.js";
import { OAuthError } from "../../core/errors.js";
import type { Deps } from "../../deps.js";
import { KEY_ALGORITHMS } from "../../ports/crypto.js";
import type { AccessToken } from "../../ports/oauth2.js";
import type { AuthenticatedClient } from "./client-auth.js";
import { scopeClaims, subjectOf } from "./claims.js";
import { DPOP_ALGS, verifyDpop } from "./dpop.js";
import { jwks } from "./discovery.js";
import { parseProvider, type OAuth2Provider } from "./settings.js";
import { STATELESS_JTI_PREFIX } from "./tokens.js";

function invalidToken(): OAuthError {
  return new OAuthError("invalid_token", "The access token is invalid.", 401, 'Bearer realm="threshold", error="invalid_token"');
}

/** The access token of a userinfo request and how it came (RFC 6750 §2; RFC 9449 §7.1 `DPoP`). */
export interface PresentedToken {
  token: string;
  scheme: "Bearer" | "DPoP";
}

/** `Authorization: Bearer|DPoP <token>` (RFC 6750 §2.1, RFC 9449 §7.1), or null. */
function headerToken(authorization: string | undefined): PresentedToken | null {
  if (!authorization || !/^(bearer|dpop) /i.test(authorization)) return null;
  const scheme = /^dpop /i.test(authorization) ? "DPoP" : "Bearer";
  return { token: authorization.slice(scheme.length + 1).trim(), scheme };
}

/** The access token a request carries (header or form), without checking how it is sent. */
export function presentedAccessToken(authorization: string | undefined, form: URLSearchParams | null): string | null {
  return headerToken(authorization)?.token || form?.get("access_token") || null;
}

/** The access token of a userinfo request (header, or form body on POST). */
export function bearerToken(authorization: string | undefined, form: URLSearchParams | null): PresentedToken {
  const header = headerToken(authorization);
  const fromHeader = header ? header.token : null;
  const fromBody = form?.get("access_token") ?? null;
  if (fromHeader && fromBody) throw new OAuthError("invalid_request", "Send the access token once.", 400);
  const token = fromHeader ?? fromBody;
  if (!token) throw new OAuthError("invalid_request", "Missing access token.", 401, 'Bearer realm="threshold"');
  return { token, scheme: header?.scheme ?? "Bearer" };
}

async function activeAccessToken(deps: Deps, token: string): Promise<AccessToken | null> {
  if (token.length > 8192) return null;
  const row = await deps.store.oauth2.accessTokenByHash(await sha256Hex(token));
  if (!row || row.revoked || row.expires <= deps.clock.now()) return null;
  return row;
}

/** The DPoP proof of a resource request (RFC 9449 §7). */
export interface ResourceRequest {
  dpop: string[];
  method: string;
  url: string;
}

function boundJkt(row: AccessToken): string | null {
  const cnf = row.claims.cnf as { jkt?: unknown } | undefined;
  return typeof cnf?.jkt === "string" ? cnf.jkt : null;
}

/** RFC 9449 §7: a DPoP-bound token needs the `DPoP` scheme and a proof by its key (with `ath`). */
async function checkSenderConstraint(deps: Deps, row: AccessToken, presented: PresentedToken, req: ResourceRequest): Promise<void> {
  const jkt = boundJkt(row);
  const dpopChallenge = (error: string) => `DPoP error="${error}", algs="${DPOP_ALGS.join(" ")}"`;
  if (!jkt) {
    if (presented.scheme === "DPoP") throw new OAuthError("invalid_token", "The access token is not DPoP-bound.", 401, dpopChallenge("invalid_token"));
    return;
  }
  if (presented.scheme !== "DPoP") throw new OAuthError("invalid_token", "The access token is DPoP-bound; present it with a DPoP proof.", 401, dpopChallenge("invalid_token"));
  const proofJkt = await verifyDpop(deps, "resource", { headers: req.dpop, method: req.method, url: req.url, accessToken: presented.token });
  if (!proofJkt) throw new OAuthError("invalid_dpop_proof", "Missing DPoP proof.", 401, dpopChallenge("invalid_dpop_proof"));
  if (proofJkt !== jkt) throw new OAuthError("invalid_token", "The DPoP proof key does not match the token.", 401, dpopChallenge("invalid_token"));
}

export async function userinfo(deps: Deps, presented: PresentedToken, req: ResourceRequest): Promise<Record<string, unknown>> {
  const row = await activeAccessToken(deps, presented.token);
  if (!row || row.userPk === null) throw invalidToken();
  await checkSenderConstraint(deps, row, presented, req);
  const user = await deps.store.users.byPk(row.userPk);
  const provider = parseProvider(deps, await deps.store.oauth2.providerByPk(row.providerPk));
  if (!user || !user.isActive || !provider) throw invalidToken();
  if (!row.scope.includes("openid")) throw new OAuthError("insufficient_scope", "The token lacks the openid scope.", 403, 'Bearer realm="threshold", error="insufficient_scope"');
  return { ...(await scopeClaims(deps, user, row.scope, provider)), sub: await subjectOf(provider, user) };
}

const ACCESS_TOKEN_ALGS = KEY_ALGORITHMS;

/**
 * The claims of a client_credentials access token of `provider`, which has no row (`tokens.ts`):
 * null unless it carries the stateless `jti`, names the provider's client as `client_id` and
 * `sub`, is signed by a key the provider publishes (current, next or retired) and is unexpired.
 * Revocation is a revoked row with its hash, checked by the callers before this.
 */
async function statelessClaims(deps: Deps, provider: OAuth2Provider, token: string): Promise<JWTPayload | null> {
  if (token.length > 8192 || token.split(".").length !== 3) return null;
  try {
    const keys = createLocalJWKSet((await jwks(deps, provider)) as { keys: JWK[] });
    const { payload } = await jwtVerify(token, keys, { typ: "at+jwt", algorithms: ACCESS_TOKEN_ALGS, currentDate: deps.clock.now() });
    const clientId = provider.settings.client_id;
    if (typeof payload.jti !== "string" || !payload.jti.startsWith(STATELESS_JTI_PREFIX)) return null;
    if (payload.client_id !== clientId || payload.sub !== clientId || typeof payload.exp !== "number") return null;
    return payload;
  } catch {
    return null; // bad signature, unknown key, expired, not a JWT
  }
}

/** RFC 7662 §2.2: inactive tokens say only `active: false`; tokens of other clients are inactive. */
export async function introspect(deps: Deps, client: AuthenticatedClient, token: string): Promise<Record<string, unknown>> {
  const hash = await sha256Hex(token);
  const now = deps.clock.now();
  const access = await deps.store.oauth2.accessTokenByHash(hash);
  if (access) {
    if (access.revoked || access.expires <= now || access.providerPk !== client.provider.pk) return { active: false };
    return { active: true, token_type: boundJkt(access) ? "DPoP" : "Bearer", ...access.claims, scope: access.scope.join(" "), client_id: client.provider.settings.client_id };
  }
  const stateless = await statelessClaims(deps, client.provider, token);
  if (stateless) {
    const { azp: _azp, ...claims } = stateless;
    const cnf = claims.cnf as { jkt?: unknown } | undefined;
    return { active: true, token_type: typeof cnf?.jkt === "string" ? "DPoP" : "Bearer", ...claims };
  }
  const refresh = await deps.store.oauth2.refreshTokenByHash(hash);
  if (!refresh || refresh.revoked || refresh.used || refresh.expires <= now || refresh.providerPk !== client.provider.pk) return { active: false };
  const user = await deps.store.users.byPk(refresh.userPk);
  return {
    active: true,
    token_type: "refresh_token",
    scope: refresh.scope.join(" "),
    client_id: client.provider.settings.client_id,
    exp: Math.floor(refresh.expires.getTime() / 1000),
    ...(user ? { sub: await subjectOf(client.provider, user) } : {}),
  };
}

/** RFC 7009 §2.2: answers 200 whether or not the token existed. */
export async function revoke(deps: Deps, client: AuthenticatedClient, token: string, hint: string | null): Promise<void> {
  const hash = await sha256Hex(token);
  const order = hint === "refresh_token" ? ["refresh", "access"] : ["access", "refresh"];
  for (const kind of order) {
    const done =
      kind === "access"
        ? await deps.store.oauth2.revokeAccessToken(hash, client.provider.pk)
        : await deps.store.oauth2.revokeRefreshToken(hash, client.provider.pk);
    if (done) return;
  }
  const stateless = await statelessClaims(deps, client.provider, token);
  if (stateless) {
    const scope = typeof stateless.scope === "string" ? stateless.scope.split(" ").filter(Boolean) : [];
    const { iss, sub, aud, iat, exp, cnf } = stateless;
    await deps.store.oauth2.recordRevokedAccessToken({
      tokenHash: hash,
      providerPk: client.provider.pk,
      userPk: null,
      scope,
      claims: { iss, sub, aud, iat, exp, ...(cnf ? { cnf } : {}), scope: scope.join(" "), client_id: client.provider.settings.client_id },
      expires: new Date(exp! * 1000),
    });
  }
}
