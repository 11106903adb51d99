/**
 * The token endpoint (RFC 6749 §3.2): client authentication, the DPoP proof (RFC 9449), then one
 * grant handler per `grant_type`. Codes and refresh tokens are consumed with conditional UPDATEs in
 * the statement that stores their tokens, so concurrent redemptions cannot both win and nothing
 * is spent without its successor stored; replays revoke what the first redemption issued.
 */
import { sha256Hex, base64url, sha256Bytes, timingSafeEqual } from "../../core/encoding.js";
import { OAuthError } from "../../core/errors.js";
import type { Deps } from "../../deps.js";
import { recordEvent } from "../../services/events.js";
import { loginAmr } from "./claims.js";
import { appPasswordFromSecret, appPasswordUser, type AppPasswordCredentials } from "./app-password.js";
import { authenticateClient, identifyClient, JWT_BEARER_ASSERTION, presentedSecret, type AuthenticatedClient } from "./client-auth.js";
import { ACCESS_TOKEN_TYPE, federatedUser, SUBJECT_TOKEN_TYPES, TOKEN_EXCHANGE_GRANT } from "./federation.js";
import { DEVICE_CODE_GRANT, redeemDeviceCode } from "./device.js";
import { verifyDpop } from "./dpop.js";
import { BASE_PATH, issuerOf } from "./provider.js";
import { narrowResources, parseResources } from "./resource.js";
import type { AuthorizationCode, RefreshToken } from "../../ports/oauth2.js";
import type { User } from "../../ports/store.js";
import { issueTokens, prepareTokens, type AuthContext, type IssuedTokens } from "./tokens.js";

export interface TokenRequest {
  deps: Deps;
  origin: string;
  /** The endpoint URL the request was sent to. */
  url: string;
  form: URLSearchParams;
  client: AuthenticatedClient;
  clientIp: string | null;
  /** Thumbprint of the request's valid DPoP proof key (RFC 9449), if any. */
  dpopJkt: string | null;
  /** client_credentials / password as a user with an app password (authentik). */
  appPassword?: AppPasswordCredentials | null;
  /** client_credentials with another provider's access token as the assertion (authentik's JWT federation). */
  federatedToken?: string | null;
}

/** The HTTP request behind a token request. */
export interface TokenHttpRequest {
  origin: string;
  url: string;
  authorization: string | undefined;
  /** Every `DPoP` header value. */
  dpop: string[];
  form: URLSearchParams;
  clientIp: string | null;
}

/** RFC 9449 §5/§10: a grant bound to a key needs a proof by that key. */
function checkBinding(boundJkt: string | null | undefined, r: TokenRequest): void {
  if (!boundJkt) return;
  if (!r.dpopJkt) throw new OAuthError("invalid_dpop_proof", "A DPoP proof is required for this grant.");
  if (r.dpopJkt !== boundJkt) throw invalidGrant("The DPoP key does not match the grant.");
}

/** The token's DPoP key, also enforcing the client's `dpop_bound_access_tokens`. */
function dpopFor(r: TokenRequest): string | null {
  if (!r.dpopJkt && r.client.provider.settings.dpop_bound_access_tokens) throw new OAuthError("invalid_dpop_proof", "This client must use DPoP.");
  return r.dpopJkt;
}

const invalidGrant = (d: string) => new OAuthError("invalid_grant", d);

function param(form: URLSearchParams, name: string, required = true): string | null {
  const all = form.getAll(name);
  if (all.length > 1) throw new OAuthError("invalid_request", `Parameter '${name}' is repeated.`);
  if (required && !all[0]) throw new OAuthError("invalid_request", `Missing '${name}'.`);
  return all[0] ?? null;
}

/** RFC 7636 §4.6. */
async function pkceMatches(verifier: string, challenge: string): Promise<boolean> {
  if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) return false;
  return timingSafeEqual(base64url(sha256Bytes(verifier)), challenge);
}

/** RFC 6749 §4.1.2: a replayed code revokes the tokens issued from it. */
async function codeReplayed(r: TokenRequest, code: AuthorizationCode): Promise<never> {
  const revoked = await r.deps.store.oauth2.revokeByCode(code.id);
  await recordEvent(r.deps, { action: "suspicious_request", clientIp: r.clientIp, context: { reason: "authorization code reused", provider: r.client.provider.pk, revoked } });
  throw invalidGrant("The authorization code has already been used.");
}

/** Why `grant` cannot be redeemed by this request, or null. */
async function codeGrantError(r: TokenRequest, grant: AuthorizationCode, redirectUri: string, verifier: string | null): Promise<OAuthError | null> {
  const { client } = r;
  if (grant.providerPk !== client.provider.pk) return invalidGrant("The authorization code was issued to another client.");
  if (grant.redirectUri !== redirectUri) return invalidGrant("redirect_uri does not match the authorization request.");
  if (grant.codeChallenge) {
    if (!verifier || !(await pkceMatches(verifier, grant.codeChallenge))) return invalidGrant("PKCE verification failed.");
  } else if (verifier) {
    return invalidGrant("code_verifier sent without a code_challenge.");
  }
  if (!client.confidential && !grant.codeChallenge) return invalidGrant("PKCE is required for public clients.");
  return null;
}

/**
 * The code is read, checked and its tokens signed first; then one statement marks it used (a
 * conditional UPDATE: of concurrent redemptions exactly one wins) and stores the tokens, so a code
 * is never spent without its tokens stored, and a replay can only see it used once they are.
 * A failed check spends the code too.
 */
async function authorizationCode(r: TokenRequest): Promise<IssuedTokens> {
  const { deps, form, client } = r;
  const code = param(form, "code")!;
  const redirectUri = param(form, "redirect_uri")!;
  const verifier = param(form, "code_verifier", false);
  const codeHash = await sha256Hex(code);
  const now = deps.clock.now();
  const found = await deps.store.oauth2.codeWithUserByHash(codeHash);
  const grant = found?.code;
  if (grant?.used) return codeReplayed(r, grant);
  if (!grant || grant.expires <= now) throw invalidGrant("The authorization code is invalid or expired.");
  const spend = async (err: OAuthError): Promise<never> => {
    const spent = await deps.store.oauth2.redeemCode(codeHash, now);
    if (spent.kind === "reused") return codeReplayed(r, spent.code);
    throw err;
  };
  const failure = await codeGrantError(r, grant, redirectUri, verifier);
  if (failure) return spend(failure);
  try {
    checkBinding(grant.dpopJkt, r);
  } catch (err) {
    return spend(err as OAuthError);
  }
  const resource = narrowResources(form, grant.resource ?? [], client.provider);
  const user = found?.user ?? null;
  if (!user || !user.isActive) return spend(invalidGrant("The user is no longer active."));
  const auth: AuthContext = { authTime: Math.floor(grant.authTime.getTime() / 1000), nonce: grant.nonce, sid: grant.sessionId, amr: await loginAmr(deps, user.pk, grant.authTime) };
  const prepared = await prepareTokens(deps, {
    provider: client.provider,
    issuer: issuerOf(r.origin, client.provider),
    user,
    scope: grant.scope,
    auth,
    authCodeId: grant.id,
    dpopJkt: dpopFor(r),
    resource,
  });
  const redemption = await deps.store.oauth2.redeemCodeAndStore(codeHash, now, prepared);
  if (redemption.kind === "reused") return codeReplayed(r, redemption.code);
  if (redemption.kind === "invalid") throw invalidGrant("The authorization code is invalid or expired.");
  return prepared.out;
}

function narrowScope(form: URLSearchParams, granted: string[]): string[] {
  const asked = param(form, "scope", false);
  if (asked === null) return granted;
  const scope = [...new Set(asked.split(" ").filter(Boolean))];
  if (scope.some((s) => !granted.includes(s))) throw new OAuthError("invalid_scope", "The requested scope exceeds the grant.");
  return scope;
}

/** Reuse detection: a rotated or revoked token presented again revokes the whole family. */
async function refreshReplayed(r: TokenRequest, token: RefreshToken): Promise<never> {
  const { deps, client } = r;
  const revoked = await deps.store.oauth2.revokeFamily(token.familyId);
  const user = await deps.store.users.byPk(token.userPk);
  await recordEvent(deps, {
    action: "suspicious_request",
    user,
    clientIp: r.clientIp,
    context: { reason: "refresh token reused", provider: client.provider.pk, family: token.familyId, revoked },
  });
  throw invalidGrant("The refresh token is invalid.");
}

/**
 * Rotation: the token is read and checked and the new tokens signed first; then one statement
 * marks it used (conditional UPDATE: one of concurrent rotations wins, the others are replays)
 * and stores its successors, so a client never loses its token to a failure half-way.
 */
async function refreshToken(r: TokenRequest): Promise<IssuedTokens> {
  const { deps, form, client } = r;
  const token = param(form, "refresh_token")!;
  const hash = await sha256Hex(token);
  const now = deps.clock.now();
  const found = token.length <= 512 ? await deps.store.oauth2.refreshTokenWithUserByHash(hash) : null;
  const old = found?.token;
  if (!old || old.providerPk !== client.provider.pk) throw invalidGrant("The refresh token is invalid or expired.");
  if (old.used || old.revoked) return refreshReplayed(r, old);
  if (old.expires <= now) throw invalidGrant("The refresh token is invalid or expired.");
  checkBinding(old.dpopJkt, r);
  const resource = narrowResources(form, old.resource ?? [], client.provider);
  const user = found?.user ?? null;
  if (!user || !user.isActive) throw invalidGrant("The user is no longer active.");
  const scope = narrowScope(form, old.scope);
  const ctx = old.idTokenContext as Partial<AuthContext>;
  const auth: AuthContext = { authTime: Number(ctx.authTime) || 0, sid: ctx.sid ?? null, ...(Array.isArray(ctx.amr) ? { amr: ctx.amr } : {}) };
  const prepared = await prepareTokens(deps, {
    provider: client.provider,
    issuer: issuerOf(r.origin, client.provider),
    user,
    // Rotation keeps offline_access so the new refresh token is issued.
    scope: scope.includes("offline_access") ? scope : [...scope, "offline_access"].filter((s) => old.scope.includes(s)),
    auth,
    authCodeId: old.authCodeId ?? null,
    familyId: old.familyId,
    dpopJkt: dpopFor(r),
    resource,
  });
  // authentik's refresh threshold: rotate only once less than it is left of the token's validity.
  const threshold = client.provider.lifetimes.refreshThreshold;
  const rotate = threshold <= 0 || old.expires.getTime() - now.getTime() <= threshold;
  if (!rotate) {
    delete prepared.out.refresh_token;
    prepared.refresh = null;
  }
  const rotation = rotate
    ? await deps.store.oauth2.rotateRefreshTokenAndStore(hash, client.provider.pk, now, prepared)
    : await deps.store.oauth2.storeForRefreshToken(hash, client.provider.pk, now, prepared);
  if (rotation.kind === "reused") return refreshReplayed(r, rotation.token);
  if (rotation.kind === "invalid") throw invalidGrant("The refresh token is invalid or expired.");
  return prepared.out;
}

/** The scopes asked for that the provider maps, without `offline_access` (no refresh tokens here). */
function machineScope(r: TokenRequest): string[] {
  const asked = (param(r.form, "scope", false) ?? "").split(" ").filter(Boolean);
  return [...new Set(asked.filter((s) => r.client.provider.scopes.has(s) && s !== "offline_access"))];
}

async function clientCredentials(r: TokenRequest): Promise<IssuedTokens> {
  const { deps, form, client } = r;
  if (r.appPassword) return appPasswordGrant(r, r.appPassword);
  // authentik's client_credentials with a federated provider's token as `client_assertion`.
  if (r.federatedToken) return federatedTokens(r, r.federatedToken);
  if (form.get("grant_type") === "password") throw new OAuthError("invalid_request", "Missing 'username'.");
  if (!client.confidential) throw new OAuthError("unauthorized_client", "client_credentials requires a confidential client.");
  const scope = machineScope(r);
  return issueTokens(deps, {
    provider: client.provider,
    issuer: issuerOf(r.origin, client.provider),
    user: null,
    scope,
    auth: null,
    dpopJkt: dpopFor(r),
    resource: parseResources(form, client.provider),
  });
}

type MachineUserCheck = (deps: Deps, provider: AuthenticatedClient["provider"], request: { clientIp: string | null; url: string; scope: string[]; grantType: string }) => Promise<User>;

/**
 * Tokens for a user proven at the token endpoint itself (an app password, a federated provider's
 * access token): the scopes asked for that the provider maps, no refresh token.
 */
async function machineUserTokens(r: TokenRequest, check: MachineUserCheck): Promise<IssuedTokens> {
  const { deps, client } = r;
  const scope = machineScope(r);
  const user = await check(deps, client.provider, { clientIp: r.clientIp, url: r.url, scope, grantType: r.form.get("grant_type")! });
  return issueTokens(deps, {
    provider: client.provider,
    issuer: issuerOf(r.origin, client.provider),
    user,
    scope,
    auth: { authTime: Math.floor(deps.clock.now().getTime() / 1000) },
    dpopJkt: dpopFor(r),
    resource: parseResources(r.form, client.provider),
    noRefresh: true,
  });
}

/** authentik's machine-to-machine login: tokens for the user whose app password was presented. */
const appPasswordGrant = (r: TokenRequest, creds: AppPasswordCredentials) => machineUserTokens(r, (deps, provider, req) => appPasswordUser(deps, provider, creds, req));

/** Tokens for the user of another provider's access token (federation.ts). */
const federatedTokens = (r: TokenRequest, subjectToken: string) => machineUserTokens(r, (deps, provider, req) => federatedUser(deps, provider, subjectToken, req));

/** RFC 8693 token exchange (impersonation) of a federated provider's access token. */
async function tokenExchange(r: TokenRequest): Promise<IssuedTokens> {
  const { form } = r;
  const subjectToken = param(form, "subject_token")!;
  const subjectType = param(form, "subject_token_type")!;
  if (!SUBJECT_TOKEN_TYPES.includes(subjectType)) throw new OAuthError("invalid_request", "Unsupported subject_token_type.");
  const requested = param(form, "requested_token_type", false);
  if (requested !== null && !SUBJECT_TOKEN_TYPES.includes(requested)) throw new OAuthError("invalid_request", "Unsupported requested_token_type.");
  if (form.has("actor_token") || form.has("actor_token_type")) throw new OAuthError("invalid_request", "Delegation (actor_token) is not supported.");
  // The issued token's audience is this client, or resources from its allowed_resources (RFC 8707).
  if (form.has("audience")) throw new OAuthError("invalid_target", "audience is not supported; use resource.");
  const tokens = await federatedTokens(r, subjectToken);
  return { ...tokens, issued_token_type: requested ?? ACCESS_TOKEN_TYPE };
}

/** RFC 8628 §3.4. */
async function deviceCode(r: TokenRequest): Promise<IssuedTokens> {
  const { deps, form, client } = r;
  const { grant, approval } = await redeemDeviceCode(deps, client, param(form, "device_code")!);
  const user = await deps.store.users.byPk(approval.userPk);
  if (!user || !user.isActive) throw invalidGrant("The user is no longer active.");
  return issueTokens(deps, {
    provider: client.provider,
    issuer: issuerOf(r.origin, client.provider),
    user,
    scope: grant.scope,
    auth: approval.auth,
    dpopJkt: dpopFor(r),
    resource: grant.resource,
  });
}

/** Grant handlers by `grant_type` (one line each). */
const GRANTS: Record<string, (r: TokenRequest) => Promise<IssuedTokens>> = {
  authorization_code: authorizationCode,
  refresh_token: refreshToken,
  client_credentials: clientCredentials,
  // authentik treats the resource owner password grant as client_credentials: with `username` and
  // an app password as `password` (no user passwords here; RFC 9700 §2.4 forbids that grant).
  password: clientCredentials,
  [DEVICE_CODE_GRANT]: deviceCode,
  [TOKEN_EXCHANGE_GRANT]: tokenExchange,
};

/** Discovery `grant_types_supported`. */
export const GRANT_TYPES = [...Object.keys(GRANTS), "implicit"];

/** POST `/application/o/token/`. */
export async function tokenEndpoint(deps: Deps, http: TokenHttpRequest): Promise<IssuedTokens> {
  const { form, origin } = http;
  const grantType = param(form, "grant_type")!;
  const { client, appPassword = null, federatedToken = null } = await tokenClient(deps, http, grantType);
  const handler = Object.hasOwn(GRANTS, grantType) ? GRANTS[grantType] : undefined;
  if (!handler) throw new OAuthError("unsupported_grant_type", "Unsupported grant_type.");
  const dpopJkt = await verifyDpop(deps, "token", { headers: http.dpop, method: "POST", url: http.url });
  return handler({ deps, origin, url: http.url, form, client, clientIp: http.clientIp, dpopJkt, appPassword, federatedToken });
}

/** The client of a token request, and for client_credentials / password the user credential authentik accepts besides. */
interface TokenClient {
  client: AuthenticatedClient;
  appPassword?: AppPasswordCredentials;
  federatedToken?: string;
}

async function tokenClient(deps: Deps, http: TokenHttpRequest, grantType: string): Promise<TokenClient> {
  const { form, origin } = http;
  const site = { origin, endpoint: `${origin}${BASE_PATH}/token/` };
  const machine = grantType === "client_credentials" || grantType === "password";
  const username = machine ? param(form, "username", false) : null;
  if (username) {
    return { client: await identifyClient(deps, http.authorization, form, site), appPassword: { username, password: param(form, "password", false) ?? "", via: "form" } };
  }
  try {
    return { client: await authenticateClient(deps, http.authorization, form, site) };
  } catch (error) {
    if (!machine || !(error instanceof OAuthError) || error.error !== "invalid_client") throw error;
    const instead = await userInPlaceOfClient(deps, http, site);
    if (!instead) throw error;
    return instead;
  }
}

/**
 * authentik's user credentials where client authentication failed: a client secret that is
 * base64("username:app password"), or a federated provider's access token as the client
 * assertion. Null when the request carries neither.
 */
async function userInPlaceOfClient(deps: Deps, http: TokenHttpRequest, site: { origin: string; endpoint: string }): Promise<TokenClient | null> {
  const { form } = http;
  const byId = (id: string) => identifyClient(deps, undefined, new URLSearchParams({ client_id: id }), site);
  const presented = presentedSecret(http.authorization, form);
  const appPassword = appPasswordFromSecret(presented?.secret ?? null);
  if (presented && appPassword) return { client: await byId(presented.id), appPassword };
  const assertion = form.get("client_assertion_type") === JWT_BEARER_ASSERTION ? form.get("client_assertion") : null;
  const clientId = form.get("client_id");
  if (!assertion || !clientId) return null;
  const client = await byId(clientId);
  return client.provider.settings.jwt_federation_providers.length > 0 ? { client, federatedToken: assertion } : null;
}
