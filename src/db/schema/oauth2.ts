import { boolean, index, integer, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { providers } from "./providers.js";
import { users } from "./users.js";

/**
 * OAuth2/OIDC grants (authentik `authentik_providers_oauth2`). Secrets are stored only as SHA-256
 * hashes. Codes are redeemed with a conditional UPDATE (`used` false → true … RETURNING), so two
 * concurrent redemptions cannot both win; tokens remember the code they came from so a replayed
 * code revokes them (RFC 6749 §4.1.2).
 */
export const oauth2AuthorizationCodes = pgTable(
  "oauth2_authorization_codes",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    codeHash: text("code_hash").notNull().unique(),
    providerId: integer("provider_id")
      .notNull()
      .references(() => providers.id, { onDelete: "cascade" }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    redirectUri: text("redirect_uri").notNull(),
    scope: text("scope").array().notNull(),
    nonce: text("nonce"),
    codeChallenge: text("code_challenge"),
    codeChallengeMethod: text("code_challenge_method"),
    authTime: timestamp("auth_time", { withTimezone: true }).notNull(),
    sessionId: text("session_id"),
    /** RFC 9449 §10: the JWK thumbprint the code is bound to (`dpop_jkt`), if any. */
    dpopJkt: text("dpop_jkt"),
    /** RFC 8707: resource indicators of the authorization request. */
    resource: text("resource").array().notNull().default([]),
    expires: timestamp("expires", { withTimezone: true }).notNull(),
    used: boolean("used").notNull().default(false),
  },
  // session_id: end-session finds the clients a browser session logged into (back-channel logout).
  (t) => [index("oauth2_codes_expires_idx").on(t.expires), index("oauth2_codes_session_idx").on(t.sessionId)],
);

/** Issued access tokens (a JWT; only its hash is stored) for introspection and revocation. */
export const oauth2AccessTokens = pgTable(
  "oauth2_access_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    tokenHash: text("token_hash").notNull().unique(),
    providerId: integer("provider_id")
      .notNull()
      .references(() => providers.id, { onDelete: "cascade" }),
    /** Null for client_credentials tokens (the client itself is the subject). */
    userId: integer("user_id").references(() => users.id, { onDelete: "cascade" }),
    scope: text("scope").array().notNull(),
    /** Claims of the token (sub, aud, …) for introspection and userinfo. */
    claims: jsonb("claims").$type<Record<string, unknown>>().notNull().default({}),
    authCodeId: uuid("auth_code_id"),
    familyId: uuid("family_id"),
    expires: timestamp("expires", { withTimezone: true }).notNull(),
    revoked: boolean("revoked").notNull().default(false),
    created: timestamp("created", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("oauth2_access_tokens_code_idx").on(t.authCodeId),
    index("oauth2_access_tokens_family_idx").on(t.familyId),
    index("oauth2_access_tokens_expires_idx").on(t.expires),
  ],
);

/**
 * Refresh tokens. Each rotation marks the old token `used` and issues a new one in the same
 * `family_id`; presenting a used token again revokes the family (reuse detection).
 */
export const oauth2RefreshTokens = pgTable(
  "oauth2_refresh_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    tokenHash: text("token_hash").notNull().unique(),
    providerId: integer("provider_id")
      .notNull()
      .references(() => providers.id, { onDelete: "cascade" }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    scope: text("scope").array().notNull(),
    familyId: uuid("family_id").notNull(),
    authCodeId: uuid("auth_code_id"),
    /** ID token inputs carried over to refreshed ID tokens (auth_time, amr, sid, nonce). */
    idTokenContext: jsonb("id_token_context").$type<Record<string, unknown>>().notNull().default({}),
    /** RFC 9449 §5: DPoP-bound refresh token (public clients): the key's JWK thumbprint. */
    dpopJkt: text("dpop_jkt"),
    /** RFC 8707: resources granted (the refresh may narrow them). */
    resource: text("resource").array().notNull().default([]),
    expires: timestamp("expires", { withTimezone: true }).notNull(),
    used: boolean("used").notNull().default(false),
    revoked: boolean("revoked").notNull().default(false),
    created: timestamp("created", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("oauth2_refresh_tokens_family_idx").on(t.familyId),
    index("oauth2_refresh_tokens_code_idx").on(t.authCodeId),
    index("oauth2_refresh_tokens_expires_idx").on(t.expires),
  ],
);
