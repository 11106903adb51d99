/**
 * Token issuance: signed JWT access tokens and ID tokens, opaque refresh tokens. Only SHA-256
 * hashes of access and refresh tokens are stored (introspection, revocation, rotation).
 */
import { SignJWT } from "jose";
import { base64url, sha256Hex, utf8 } from "../../core/encoding.js";
import type { Deps } from "../../deps.js";
import type { User } from "../../ports/store.js";
import { scopeClaims, subjectOf } from "./claims.js";
import { defaultKeyPair, signingKey, type SigningKey } from "./keys.js";
import type { OAuth2Provider } from "./settings.js";

/** authentik's ACR value. */
export const ACR = "goauthentik.io/providers/oauth2/default";

/** The provider's signing key (its `signing_key`, else the install default). */
export async function providerKey(deps: Deps, provider: OAuth2Provider): Promise<SigningKey> {
  const id = provider.settings.signing_key;
  const pair = (id ? await deps.store.crypto.byPk(id) : null) ?? (await defaultKeyPair(deps));
  return signingKey(deps, pair);
}

/** OIDC Core §3.1.3.6: left half of the SHA-256 of the token, base64url. */
export async function halfHash(token: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", utf8.encode(token) as BufferSource));
  return base64url(digest.slice(0, 16));
}

async function sign(key: SigningKey, claims: Record<string, unknown>, typ?: string): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, ...(typ ? { typ } : {}) }).sign(key.privateKey);
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
}

export interface IssuedTokens {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  scope: string;
  id_token?: string;
  refresh_token?: string;
}

/** Issues the access token (+ ID token with `openid`, + refresh token with `offline_access`). */
export async function issueTokens(deps: Deps, input: IssueInput): Promise<IssuedTokens> {
  const { provider, issuer, user, scope } = input;
  const key = await providerKey(deps, provider);
  const now = Math.floor(deps.clock.now().getTime() / 1000);
  const accessSeconds = Math.floor(provider.lifetimes.access / 1000);
  const clientId = provider.settings.client_id;
  const sub = user ? await subjectOf(provider, user) : clientId;
  const base = { iss: issuer, sub, aud: clientId, iat: now, exp: now + accessSeconds };
  const wantsRefresh = !!user && !!input.auth && scope.includes("offline_access");
  const familyId = wantsRefresh ? (input.familyId ?? deps.random.uuid()) : null;

  const accessToken = await sign(key, { ...base, azp: clientId, scope: scope.join(" "), jti: deps.random.token(16) }, "at+jwt");
  await deps.store.oauth2.createAccessToken({
    tokenHash: await sha256Hex(accessToken),
    providerPk: provider.pk,
    userPk: user?.pk ?? null,
    scope,
    claims: { ...base, scope: scope.join(" "), client_id: clientId },
    authCodeId: input.authCodeId ?? null,
    familyId,
    expires: new Date((now + accessSeconds) * 1000),
  });
  const out: IssuedTokens = { access_token: accessToken, token_type: "Bearer", expires_in: accessSeconds, scope: scope.join(" ") };

  if (user && input.auth && scope.includes("openid")) {
    const a = input.auth;
    const extra = provider.settings.include_claims_in_id_token ? await scopeClaims(deps, user, scope) : {};
    out.id_token = await sign(key, {
      ...extra,
      ...base,
      auth_time: a.authTime,
      acr: ACR,
      amr: a.amr ?? ["pwd"],
      ...(a.nonce ? { nonce: a.nonce } : {}),
      ...(a.sid ? { sid: a.sid } : {}),
      at_hash: await halfHash(accessToken),
      jti: deps.random.token(16),
    });
  }
  if (wantsRefresh && user && input.auth) {
    const refreshToken = deps.random.token(48);
    await deps.store.oauth2.createRefreshToken({
      tokenHash: await sha256Hex(refreshToken),
      providerPk: provider.pk,
      userPk: user.pk,
      scope,
      familyId: familyId!,
      authCodeId: input.authCodeId ?? null,
      idTokenContext: { ...input.auth },
      expires: new Date(deps.clock.now().getTime() + provider.lifetimes.refresh),
    });
    out.refresh_token = refreshToken;
  }
  return out;
}
