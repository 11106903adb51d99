/**
 * Token issuance: signed JWT access tokens and ID tokens, opaque refresh tokens. Only SHA-256
 * hashes of access and refresh tokens are stored (introspection, revocation, rotation); access
 * tokens of client_credentials are not stored at all (`issueAccessToken`).
 */
import { base64url, sha256Bytes, sha256Hex } from "../../core/encoding.js";
import { signJwt } from "../../core/jws.js";
import type { Deps } from "../../deps.js";
import type { NewAccessToken, NewRefreshToken } from "../../ports/oauth2.js";
import type { Repositories, User } from "../../ports/store.js";
import { scopeClaims, subjectOf } from "./claims.js";
import { chosenKeyPair, defaultKeyPair, signingKey, type SigningKey } from "./keys.js";
import type { OAuth2Provider } from "./settings.js";

/** authentik's ACR value. */
export const ACR = "goauthentik.io/providers/oauth2/default";

/** The provider's signing key (its `signing_key`, else the install default). */
export async function providerKey(deps: Deps, provider: OAuth2Provider): Promise<SigningKey> {
  const id = provider.settings.signing_key;
  const pair = (id ? await chosenKeyPair(deps, id) : null) ?? (await defaultKeyPair(deps));
  return signingKey(deps, pair);
}

/** OIDC Core §3.1.3.6: left half of the SHA-256 of the token, base64url. */
export async function halfHash(token: string): Promise<string> {
  return base64url(sha256Bytes(token).slice(0, 16));
}

function sign(deps: Deps, key: SigningKey, claims: Record<string, unknown>, typ?: string): Promise<string> {
  return signJwt(deps.signer, key, claims, typ);
}

/** What the ID token says about the authentication (carried from code to refresh). */
export interface AuthContext {
  authTime: number;
  nonce?: string | null;
  sid?: string | null;
  amr?: string[];
}

export interface IssueInput {
  provider: OAuth2Provider;
  issuer: string;
  user: User | null;
  scope: string[];
  auth: AuthContext | null;
  authCodeId?: string | null;
  /** Refresh family: continued on rotation, new for a code grant. */
  familyId?: string | null;
  /** RFC 9449: bind the access token (and a public client's refresh token) to this key thumbprint. */
  dpopJkt?: string | null;
  /** RFC 8707: the resources the access token is for (its `aud`); the client when empty. */
  resource?: string[];
  /** Implicit/hybrid: no refresh token from the authorization endpoint. */
  noRefresh?: boolean;
  /** Hybrid: the code returned alongside (`c_hash`). */
  code?: string;
}

export interface IssuedTokens {
  access_token: string;
  token_type: "Bearer" | "DPoP";
  expires_in: number;
  scope: string;
  id_token?: string;
  refresh_token?: string;
  /** RFC 8693 §2.2.1, token exchange only. */
  issued_token_type?: string;
}

interface AccessTokenOut {
  token: string;
  tokenType: "Bearer" | "DPoP";
  expiresIn: number;
  /** What to store (null: client_credentials tokens are not stored). */
  row: NewAccessToken | null;
}

/**
 * The `jti` prefix of client_credentials access tokens, which are not stored (see
 * `issueAccessToken`). Only tokens carrying it are ever accepted without a row, so a stored token
 * whose row is gone (its user was deleted) can never pass as one.
 */
export const STATELESS_JTI_PREFIX = "cc.";

/**
 * Signs an access token (RFC 9068 `at+jwt`) and prepares the row with its hash — except for
 * client_credentials: no user, no session, no refresh family, nothing for a later revocation to
 * cascade from, so the signed JWT is the whole token (as Keycloak's transient client sessions and
 * oidc-provider's JWT tokens). Introspection verifies it and revocation records it as a revoked
 * row (`resources.ts`); sparing one database commit per token is what lets the token endpoint serve
 * machine-to-machine traffic at the speed of signing (bench/oauth).
 */
async function issueAccessToken(deps: Deps, key: SigningKey, input: IssueInput, familyId: string | null): Promise<AccessTokenOut> {
  const { provider, issuer, user, scope } = input;
  const now = Math.floor(deps.clock.now().getTime() / 1000);
  const expiresIn = Math.floor(provider.lifetimes.access / 1000);
  const clientId = provider.settings.client_id;
  const sub = user ? await subjectOf(provider, user) : clientId;
  const resource = input.resource ?? [];
  const aud = resource.length === 0 ? clientId : resource.length === 1 ? resource[0]! : resource;
  const exp = now + expiresIn;
  const scopeText = scope.join(" ");
  const jti = user ? deps.random.token(16) : `${STATELESS_JTI_PREFIX}${deps.random.token(16)}`;
  // Literals of one shape (no spreads of optional parts): V8 builds them on its fast path.
  const claims: Record<string, unknown> = { iss: issuer, sub, aud, iat: now, exp, azp: clientId, client_id: clientId, scope: scopeText, jti };
  if (input.dpopJkt) claims.cnf = { jkt: input.dpopJkt };
  const token = await sign(deps, key, claims, "at+jwt");
  const tokenType = input.dpopJkt ? "DPoP" : "Bearer";
  if (!user) return { token, tokenType, expiresIn, row: null };
  const stored: Record<string, unknown> = { iss: issuer, sub, aud, iat: now, exp, scope: scopeText, client_id: clientId };
  if (input.dpopJkt) stored.cnf = { jkt: input.dpopJkt };
  const row: NewAccessToken = {
    tokenHash: await sha256Hex(token),
    providerPk: provider.pk,
    userPk: user.pk,
    scope,
    claims: stored,
    authCodeId: input.authCodeId ?? null,
    familyId,
    expires: new Date((now + expiresIn) * 1000),
  };
  return { token, tokenType, expiresIn, row };
}

/** Signs an ID token (OIDC Core §2) with `at_hash`/`c_hash` for what travels with it. */
export async function signIdToken(deps: Deps, key: SigningKey, input: IssueInput, accessToken: string | null): Promise<string> {
  const { provider, issuer, user, scope } = input;
  const a = input.auth!;
  const now = Math.floor(deps.clock.now().getTime() / 1000);
  const clientId = provider.settings.client_id;
  const extra = provider.settings.include_claims_in_id_token || !accessToken ? await scopeClaims(deps, user!, scope, provider) : {};
  return sign(deps, key, {
    ...extra,
    iss: issuer,
    sub: await subjectOf(provider, user!),
    aud: clientId,
    iat: now,
    exp: now + Math.floor(provider.lifetimes.access / 1000),
    auth_time: a.authTime,
    acr: ACR,
    // Omitted when the login's method is unknown (as authentik does), never guessed.
    ...(a.amr?.length ? { amr: a.amr } : {}),
    ...(a.nonce ? { nonce: a.nonce } : {}),
    ...(a.sid ? { sid: a.sid } : {}),
    ...(accessToken ? { at_hash: await halfHash(accessToken) } : {}),
    ...(input.code ? { c_hash: await halfHash(input.code) } : {}),
    jti: deps.random.token(16),
  });
}

/** Signed tokens for the response, and the rows that must be stored before it is sent. */
export interface PreparedTokens {
  out: IssuedTokens;
  access: NewAccessToken | null;
  refresh: NewRefreshToken | null;
}

/**
 * Signs the access token (+ ID token with `openid`) and makes the refresh token (with
 * `offline_access`) without writing anything: grants that consume something (a code, a refresh
 * token) store the rows in the statement that consumes it (`redeemCodeAndStore`, `rotateRefreshTokenAndStore`).
 */
export async function prepareTokens(deps: Deps, input: IssueInput): Promise<PreparedTokens> {
  const { provider, user, scope } = input;
  const key = await providerKey(deps, provider);
  const wantsRefresh = !input.noRefresh && !!user && !!input.auth && scope.includes("offline_access");
  const familyId = wantsRefresh ? (input.familyId ?? deps.random.uuid()) : null;
  const access = await issueAccessToken(deps, key, input, familyId);
  const out: IssuedTokens = { access_token: access.token, token_type: access.tokenType, expires_in: access.expiresIn, scope: scope.join(" ") };
  if (user && input.auth && scope.includes("openid")) out.id_token = await signIdToken(deps, key, input, access.token);
  let refresh: NewRefreshToken | null = null;
  if (wantsRefresh && user && input.auth) {
    const refreshToken = deps.random.token(48);
    refresh = {
      tokenHash: await sha256Hex(refreshToken),
      providerPk: provider.pk,
      userPk: user.pk,
      scope,
      familyId: familyId!,
      authCodeId: input.authCodeId ?? null,
      idTokenContext: { ...input.auth },
      // RFC 9449 §5: refresh tokens of public clients are bound; confidential clients authenticate.
      dpopJkt: provider.settings.client_type === "public" ? (input.dpopJkt ?? null) : null,
      resource: input.resource ?? [],
      expires: new Date(deps.clock.now().getTime() + provider.lifetimes.refresh),
    };
    out.refresh_token = refreshToken;
  }
  return { out, access: access.row, refresh };
}

/** Stores prepared token rows through `repos` (call inside a transaction when there are two). */
export async function saveTokens(repos: Pick<Repositories, "oauth2">, p: PreparedTokens): Promise<void> {
  if (p.access) await repos.oauth2.createAccessToken(p.access);
  if (p.refresh) await repos.oauth2.createRefreshToken(p.refresh);
}

/** Issues the access token (+ ID token with `openid`, + refresh token with `offline_access`). */
export async function issueTokens(deps: Deps, input: IssueInput): Promise<IssuedTokens> {
  const p = await prepareTokens(deps, input);
  if (p.access && p.refresh) await deps.store.transaction((tx) => saveTokens(tx, p));
  else await saveTokens(deps.store, p);
  return p.out;
}
