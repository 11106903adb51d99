/**
 * OAuth2/OIDC providers and their grants (authentik `authentik_providers_oauth2`). Provider
 * settings live in `providers.settings` under authentik's field names and are parsed by
 * `src/protocols/oauth2/settings.ts`. Secrets (codes, tokens) reach the repository only as
 * SHA-256 hashes.
 */
import type { User } from "./store.js";

/** A provider of type "oauth2" with the application that links it. */
export interface OAuth2ProviderRecord {
  pk: number;
  name: string;
  authenticationFlowPk: string | null;
  authorizationFlowPk: string | null;
  invalidationFlowPk: string | null;
  /** Raw settings (authentik field names); parse before use. */
  settings: Record<string, unknown>;
  application: OAuth2Application | null;
}

export interface OAuth2Application {
  /** The application's policy binding target (authentik's pk). */
  pk: string;
  name: string;
  slug: string;
}

export interface NewOAuth2Provider {
  name: string;
  authenticationFlowPk?: string | null;
  authorizationFlowPk: string;
  invalidationFlowPk?: string | null;
  settings: Record<string, unknown>;
}

export interface NewAuthorizationCode {
  codeHash: string;
  providerPk: number;
  userPk: number;
  redirectUri: string;
  scope: string[];
  nonce: string | null;
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
  authTime: Date;
  sessionId: string | null;
  /** RFC 9449 §10: JWK thumbprint the code is bound to (redemption needs a proof by that key). */
  dpopJkt?: string | null;
  /** RFC 8707 resource indicators asked for at authorization. */
  resource?: string[];
  expires: Date;
}

export interface AuthorizationCode extends NewAuthorizationCode {
  id: string;
}

/** A code redemption: won, already used (a replay), or nothing (unknown or expired). */
export type CodeRedemption = { kind: "ok"; code: AuthorizationCode } | { kind: "reused"; code: AuthorizationCode } | { kind: "invalid" };

export interface NewAccessToken {
  tokenHash: string;
  providerPk: number;
  userPk: number | null;
  scope: string[];
  claims: Record<string, unknown>;
  authCodeId?: string | null;
  familyId?: string | null;
  expires: Date;
}

export interface AccessToken extends NewAccessToken {
  id: string;
  revoked: boolean;
}

export interface NewRefreshToken {
  tokenHash: string;
  providerPk: number;
  userPk: number;
  scope: string[];
  familyId: string;
  authCodeId?: string | null;
  idTokenContext: Record<string, unknown>;
  /** RFC 9449 §5: the token is bound to this JWK thumbprint (rotation needs a proof by that key). */
  dpopJkt?: string | null;
  /** RFC 8707 resources granted. */
  resource?: string[];
  expires: Date;
}

export interface RefreshToken extends NewRefreshToken {
  id: string;
  used: boolean;
  revoked: boolean;
}

/** A refresh rotation: won, a replay of a rotated or revoked token, or nothing. */
export type RefreshRotation = { kind: "ok"; token: RefreshToken } | { kind: "reused"; token: RefreshToken } | { kind: "invalid" };

/** Token rows to store in place of a spent code or refresh token. */
export interface IssuedRows {
  access: NewAccessToken | null;
  refresh: NewRefreshToken | null;
}

export interface OAuth2Repository {
  createProvider(p: NewOAuth2Provider): Promise<OAuth2ProviderRecord>;
  /** Creates an application (its policy binding target first) linking `providerPk`. */
  createApplication(a: { name: string; slug: string; providerPk: number | null }): Promise<OAuth2Application>;
  providerByClientId(clientId: string): Promise<OAuth2ProviderRecord | null>;
  /** The OAuth2 provider of the application `slug`. */
  providerByApplicationSlug(slug: string): Promise<OAuth2ProviderRecord | null>;
  providerByPk(pk: number): Promise<OAuth2ProviderRecord | null>;
  /** RFC 7591: a provider and the application that links it, in one transaction. */
  createProviderWithApplication(p: NewOAuth2Provider, a: { name: string; slug: string }): Promise<OAuth2ProviderRecord>;
  /** RFC 7592 update: replaces the provider's name and settings; false when it is gone. */
  updateProvider(pk: number, p: { name: string; settings: Record<string, unknown> }): Promise<boolean>;
  /** RFC 7592 delete: the provider, its application and its grants, in one transaction. */
  deleteProviderWithApplication(pk: number): Promise<boolean>;

  createCode(c: NewAuthorizationCode): Promise<AuthorizationCode>;
  /** The code by hash, used or not (nothing is consumed). */
  codeByHash(codeHash: string): Promise<(AuthorizationCode & { used: boolean }) | null>;
  /** `codeByHash` with the code's user (null if gone), in one query (the token endpoint's first read). */
  codeWithUserByHash(codeHash: string): Promise<{ code: AuthorizationCode & { used: boolean }; user: User | null } | null>;
  /** Marks the code used in one conditional UPDATE … RETURNING (RFC 6749 §4.1.2 single use). */
  redeemCode(codeHash: string, now: Date): Promise<CodeRedemption>;
  /**
   * `redeemCode` and, only if it won, the tokens issued from the code, atomically: never a spent
   * code without its tokens, never tokens of a code another request spent.
   */
  redeemCodeAndStore(codeHash: string, now: Date, rows: IssuedRows): Promise<{ kind: "ok" } | Exclude<CodeRedemption, { kind: "ok" }>>;

  createAccessToken(t: NewAccessToken): Promise<AccessToken>;
  accessTokenByHash(tokenHash: string): Promise<AccessToken | null>;
  createRefreshToken(t: NewRefreshToken): Promise<RefreshToken>;
  refreshTokenByHash(tokenHash: string): Promise<RefreshToken | null>;
  /** `refreshTokenByHash` with the token's user (null if gone), in one query. */
  refreshTokenWithUserByHash(tokenHash: string): Promise<{ token: RefreshToken; user: User | null } | null>;
  /**
   * Marks an unused, unrevoked, unexpired token used (a conditional UPDATE) and, only if it won,
   * stores its successors, atomically.
   */
  rotateRefreshTokenAndStore(tokenHash: string, providerPk: number, now: Date, rows: IssuedRows): Promise<{ kind: "ok" } | Exclude<RefreshRotation, { kind: "ok" }>>;

  /**
   * Stores the access token of a refresh that keeps its refresh token (the provider's refresh
   * threshold is not reached), only while that token is unused, unrevoked and unexpired, in one
   * statement.
   */
  storeForRefreshToken(tokenHash: string, providerPk: number, now: Date, rows: IssuedRows): Promise<{ kind: "ok" } | Exclude<RefreshRotation, { kind: "ok" }>>;

  /** Revokes every token issued from the code; returns how many. */
  revokeByCode(codeId: string): Promise<number>;
  /** Revokes every refresh and access token of the family; returns how many. */
  revokeFamily(familyId: string): Promise<number>;
  revokeAccessToken(tokenHash: string, providerPk: number): Promise<boolean>;
  /** Revokes a token that has no row (client_credentials): records it as a revoked row; idempotent. */
  recordRevokedAccessToken(t: NewAccessToken): Promise<void>;
  /**
   * Cleanup: deletes codes, access tokens and refresh tokens that expired before `before`, at most
   * `limit` rows of each per call (oldest first); how many of each.
   */
  deleteExpired(before: Date, limit: number): Promise<{ codes: number; accessTokens: number; refreshTokens: number }>;
  revokeRefreshToken(tokenHash: string, providerPk: number): Promise<boolean>;

  /** Every OAuth2 provider (key rotation keeps retired keys as long as the longest token lifetime). */
  listProviders(): Promise<OAuth2ProviderRecord[]>;
  /**
   * The providers and users that were issued a code in the browser session `sid` (the ID token's
   * `sid`): who to notify by back-/front-channel logout when that session ends.
   */
  sessionLogins(sid: string): Promise<Array<{ providerPk: number; userPk: number }>>;
}
