/**
 * OAuth2 provider settings (authentik `OAuth2Provider` fields) as stored in `providers.settings`,
 * with authentik's defaults. Unknown keys are kept (forward compatibility) but ignored.
 */
import * as z from "zod";
import { isTimedelta, parseTimedelta } from "../../flows/timedelta.js";
import type { Deps } from "../../deps.js";
import type { NewOAuth2Provider, OAuth2ProviderRecord } from "../../ports/oauth2.js";

const timedelta = (def: string) => z.string().refine(isTimedelta, { message: "expected a duration like 'hours=1'" }).default(def);

/** Managed scope mappings (authentik's names); the scope is the part after `scope-`. */
export const SCOPE_MAPPING_PREFIX = "goauthentik.io/providers/oauth2/scope-";
export const DEFAULT_SCOPE_MAPPINGS = ["openid", "email", "profile", "offline_access"].map((s) => SCOPE_MAPPING_PREFIX + s);

/**
 * authentik's `ScopeMapping`: a CEL expression returning a map of claims, merged into userinfo
 * (and the ID token with `include_claims_in_id_token`) when `scope_name` is granted. It sees the
 * same `request` as expression policies; `request.context.application` is the provider's
 * application and `request.context.entitlements` the application's entitlements of the user.
 */
export const scopeMapping = z.object({
  /** authentik's managed name or a free name (shown in logs). */
  name: z.string().min(1),
  /** The scope that brings these claims (`scope_name`). */
  scope_name: z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, { message: "expected a scope token (RFC 6749 §3.3)" }),
  /** Shown on the consent page for the scope. */
  description: z.string().default(""),
  /** CEL expression returning a map of claims. */
  expression: z.string().min(1),
});
export type ScopeMapping = z.infer<typeof scopeMapping>;

const managed = (scope: string, description: string, expression: string): ScopeMapping => ({
  name: SCOPE_MAPPING_PREFIX + scope,
  scope_name: scope,
  description,
  expression,
});

/** authentik's managed scope mappings, in CEL, producing the claims authentik's produce. */
export const MANAGED_SCOPE_MAPPINGS: readonly ScopeMapping[] = [
  managed("openid", "", "{}"),
  managed("email", "Email address", `{"email": request.user.email, "email_verified": request.user.email_verified}`),
  managed(
    "profile",
    "General Profile Information",
    `{"name": request.user.name, "given_name": request.user.name, "preferred_username": request.user.username, "nickname": request.user.username, "groups": request.user.groups}`,
  ),
  managed("offline_access", "Access to request new tokens without interaction", "{}"),
  // authentik lists the user's application entitlements; Threshold has no entitlement model, so
  // these are the user's groups (nested included) bound to the application (see claims.ts).
  managed("entitlements", "Application entitlements", `{"entitlements": request.context.entitlements}`),
];

/** A managed mapping by its name; undefined when there is none. */
export function managedScopeMapping(name: string): ScopeMapping | undefined {
  return MANAGED_SCOPE_MAPPINGS.find((m) => m.name === name);
}

export const oauth2Settings = z.object({
  client_type: z.enum(["confidential", "public"]).default("confidential"),
  /** 40 characters (authentik's generator). */
  client_id: z.string().min(1),
  /** The secret wrapped by the KeyStore (context `oauth2.client_secret`); "" for public clients. */
  client_secret: z.string().default(""),
  /**
   * authentik's redirect URIs: `strict` or `regex` (full match), each for the authorization
   * endpoint or, with `redirect_uri_type: logout`, for end-session's `post_logout_redirect_uri`.
   */
  redirect_uris: z
    .array(
      z.object({
        matching_mode: z.enum(["strict", "regex"]).default("strict"),
        url: z.string().min(1),
        redirect_uri_type: z.enum(["authorization", "logout"]).default("authorization"),
      }),
    )
    .default([]),
  /** Certificate/key pair pk; the install's default key when null. */
  signing_key: z.string().nullable().default(null),
  sub_mode: z
    .enum(["hashed_user_id", "user_id", "user_uuid", "user_username", "user_email", "user_upn"])
    .default("hashed_user_id"),
  issuer_mode: z.enum(["per_provider", "global"]).default("per_provider"),
  access_code_validity: timedelta("minutes=1"),
  access_token_validity: timedelta("hours=1"),
  refresh_token_validity: timedelta("days=30"),
  /**
   * authentik's refresh threshold: a refresh token is replaced (rotated) only once less than this
   * is left of its validity; before that, refreshing returns new access and ID tokens and the
   * client keeps its refresh token. `seconds=0`: always rotate.
   */
  refresh_token_threshold: timedelta("seconds=0"),
  include_claims_in_id_token: z.boolean().default(true),
  /**
   * Scope mappings: authentik's managed names (`goauthentik.io/providers/oauth2/scope-email`) or
   * inline mappings; unknown names are dropped (logged when the provider is parsed).
   */
  property_mappings: z.array(z.union([z.string(), scopeMapping])).default(DEFAULT_SCOPE_MAPPINGS),
  // Beyond authentik (issue 4): JWT client authentication, PAR, DPoP, Dynamic Client Registration.
  /** `private_key_jwt` (RFC 7523): the client's public keys inline (a JWKS), or … */
  jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).nullable().default(null),
  /** … where to fetch them. */
  jwks_uri: z.string().default(""),
  /** The one client authentication method allowed; null accepts any the client can use. */
  token_endpoint_auth_method: z
    .enum(["client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "none"])
    .nullable()
    .default(null),
  /** RFC 9126 §6: authorization requests must be pushed. */
  require_pushed_authorization_requests: z.boolean().default(false),
  /** RFC 9449 §5.2: access tokens must be DPoP-bound. */
  dpop_bound_access_tokens: z.boolean().default(false),
  /**
   * RFC 8707: the resources (exact absolute URIs) this client may ask tokens for; they become the
   * access token's `aud`. Empty: resource indicators are refused (`invalid_target`), so a client
   * can never mint tokens for an API that was not assigned to it.
   */
  allowed_resources: z.array(z.string().max(2048)).max(100).default([]),
  /**
   * authentik's JWT federation: the pks of providers of this install whose users' access tokens
   * this provider exchanges for its own (RFC 8693 token exchange, or authentik's
   * client_credentials with the token as `client_assertion`). Empty: none.
   */
  jwt_federation_providers: z.array(z.number().int().positive()).max(100).default([]),
  /** RFC 7592: SHA-256 of the registration access token (dynamically registered clients only). */
  registration_access_token_hash: z.string().default(""),
  /** RFC 7591: the registered client metadata as the client sent it (echoed on read). */
  client_metadata: z.record(z.string(), z.unknown()).default({}),
});
export type OAuth2Settings = z.infer<typeof oauth2Settings>;
/** Settings as written (API bodies, blueprints, tests): defaults may be left out. */
export type OAuth2SettingsInput = z.input<typeof oauth2Settings>;

/** A provider whose settings are parsed, with its application (required to serve OIDC). */
export interface OAuth2Provider extends Omit<OAuth2ProviderRecord, "settings"> {
  settings: OAuth2Settings;
  /** Lifetimes in milliseconds. */
  lifetimes: { code: number; access: number; refresh: number; refreshThreshold: number };
  /** Scopes the provider's mappings offer. */
  scopes: Set<string>;
  /** The provider's scope mappings, managed names resolved, in order. */
  mappings: ScopeMapping[];
}

// Parsed providers by record: the repository's client cache hands out the same record object for
// a few seconds, and validating its settings again on every token request is waste.
const parsedProviders = new WeakMap<OAuth2ProviderRecord, OAuth2Provider>();

/** Parses a stored provider; null when its settings are unusable (logged as a configuration error). */
export function parseProvider(deps: Deps, record: OAuth2ProviderRecord | null): OAuth2Provider | null {
  if (!record) return null;
  const hit = parsedProviders.get(record);
  if (hit) return hit;
  const provider = parseProviderRecord(deps, record);
  if (provider) parsedProviders.set(record, provider);
  return provider;
}

function parseProviderRecord(deps: Deps, record: OAuth2ProviderRecord): OAuth2Provider | null {
  const parsed = oauth2Settings.safeParse(record.settings);
  if (!parsed.success) {
    deps.logger.error("invalid oauth2 provider settings", { provider: record.pk, issues: parsed.error.issues.map((i) => i.message) });
    return null;
  }
  const s = parsed.data;
  const mappings: ScopeMapping[] = [];
  for (const m of s.property_mappings) {
    const mapping = typeof m === "string" ? managedScopeMapping(m) : m;
    if (mapping) mappings.push(mapping);
    else deps.logger.warn("unknown oauth2 scope mapping", { provider: record.pk, mapping: m as string });
  }
  return {
    ...record,
    settings: s,
    lifetimes: {
      code: parseTimedelta(s.access_code_validity),
      access: parseTimedelta(s.access_token_validity),
      refresh: parseTimedelta(s.refresh_token_validity),
      refreshThreshold: parseTimedelta(s.refresh_token_threshold),
    },
    scopes: new Set(mappings.map((m) => m.scope_name)),
    mappings,
  };
}

export const CLIENT_SECRET_CONTEXT = "oauth2.client_secret";
const ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** authentik's `generate_id` / `generate_key`: `length` alphanumeric characters. */
export function randomAlnum(deps: Deps, length: number): string {
  // 62 * 4 = 248: rejection sampling keeps the distribution uniform.
  let out = "";
  while (out.length < length) {
    for (const b of deps.random.bytes(length * 2)) {
      if (b < 248 && out.length < length) out += ALNUM[b % 62];
    }
  }
  return out;
}

export interface CreatedProvider {
  provider: OAuth2ProviderRecord;
  clientId: string;
  /** Shown once; only the wrapped form is stored. Empty for public clients. */
  clientSecret: string;
}

/** Creates a provider with a generated client id (40) and secret (128, stored wrapped). */
export async function createOAuth2Provider(
  deps: Deps,
  input: Omit<NewOAuth2Provider, "settings"> & { settings?: Partial<Omit<OAuth2SettingsInput, "client_id" | "client_secret">> },
): Promise<CreatedProvider> {
  const clientId = randomAlnum(deps, 40);
  const isPublic = input.settings?.client_type === "public";
  const clientSecret = isPublic ? "" : randomAlnum(deps, 128);
  const settings = {
    ...input.settings,
    client_id: clientId,
    client_secret: clientSecret ? await deps.keys.wrap(clientSecret, CLIENT_SECRET_CONTEXT) : "",
  };
  const provider = await deps.store.oauth2.createProvider({ ...input, settings });
  return { provider, clientId, clientSecret };
}
