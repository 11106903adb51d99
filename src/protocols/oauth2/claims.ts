/**
 * Subject, scope claims and `amr`. Scope claims come from the provider's scope mappings (CEL,
 * `src/policies/mappings.ts`; authentik's managed `goauthentik.io/providers/oauth2/scope-*` by
 * default): each granted scope's mappings return maps of claims, merged in mapping order. A
 * failing mapping is logged and skipped; registered claims (`sub`, `iss`, …) cannot be overridden.
 */
import { sha256Hex } from "../../core/encoding.js";
import type { Deps } from "../../deps.js";
import { loginMethod } from "../../flows/login-method.js";
import type { RequestInfo } from "../../flows/stage.js";
import { fromCel, mappingRunner, NO_REQUEST } from "../../policies/mappings.js";
import type { User } from "../../ports/store.js";
import { MANAGED_SCOPE_MAPPINGS, type OAuth2Provider, type ScopeMapping } from "./settings.js";

/** `sub` by the provider's `sub_mode` (default: a hash of the user id, stable per install). */
export async function subjectOf(provider: OAuth2Provider, user: User): Promise<string> {
  switch (provider.settings.sub_mode) {
    case "user_id":
      return String(user.pk);
    case "user_uuid":
      return user.uuid;
    case "user_username":
      return user.username;
    case "user_email":
      return user.email;
    case "user_upn": {
      const upn = user.attributes.upn;
      return typeof upn === "string" && upn ? upn : user.email;
    }
    default:
      return sha256Hex(`${user.pk}-${user.uuid}`);
  }
}

/** Claims a scope mapping may not set: the token's own (OIDC Core §2, §5.1; RFC 9068). */
const RESERVED_CLAIMS = new Set([
  "sub", "iss", "aud", "exp", "iat", "nbf", "jti", "auth_time", "nonce", "acr", "amr", "azp",
  "sid", "at_hash", "c_hash", "s_hash", "cnf", "scope", "client_id",
]);

/**
 * The application's entitlements of `user`. Threshold has no entitlement model (authentik 2025's
 * `ApplicationEntitlement`): these are the names of the user's groups (nested included) that are
 * bound, enabled and not negated, to the provider's application.
 */
async function entitlementsOf(deps: Deps, provider: OAuth2Provider | null, user: User): Promise<string[]> {
  const app = provider?.application;
  if (!app) return [];
  const mine = new Map((await deps.store.policies.allGroupsOf(user.pk)).map((g) => [g.pk, g.name]));
  const out: string[] = [];
  for (const b of await deps.store.policies.bindingsOf(app.pk)) {
    const name = b.enabled && !b.negate && b.groupPk ? mine.get(b.groupPk) : undefined;
    if (name && !out.includes(name)) out.push(name);
  }
  return out;
}

/**
 * Claims for the granted scopes (without `sub`): the provider's scope mappings for `scopes`
 * (authentik's managed defaults without a provider). `request` is the browser request when there
 * is one; token and userinfo calls see an empty `http_request`.
 */
export async function scopeClaims(
  deps: Deps,
  user: User,
  scopes: string[],
  provider: OAuth2Provider | null = null,
  request: RequestInfo = NO_REQUEST,
): Promise<Record<string, unknown>> {
  const granted = new Set(scopes);
  const mappings: readonly ScopeMapping[] = (provider?.mappings ?? MANAGED_SCOPE_MAPPINGS).filter((m) => granted.has(m.scope_name));
  const claims: Record<string, unknown> = {};
  if (mappings.length === 0) return claims;
  const context: Record<string, unknown> = {};
  if (provider?.application) {
    const app = provider.application;
    context.application = { pk: app.pk, slug: app.slug, name: app.name };
  }
  if (mappings.some((m) => m.expression.includes("entitlements"))) {
    context.entitlements = await entitlementsOf(deps, provider, user);
  }
  const run = await mappingRunner(deps, user, request, "oauth2 scope mapping", context);
  for (const m of mappings) {
    const result = run(m.name, m.expression);
    if (!result.ok) continue;
    const value = fromCel(result.value);
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      deps.logger.warn("oauth2 scope mapping failed", { mapping: m.name, error: "the expression must return a map of claims" });
      continue;
    }
    for (const [k, v] of Object.entries(value)) if (!RESERVED_CLAIMS.has(k)) claims[k] = v;
  }
  return claims;
}

/**
 * The consent stage's `consent_permissions` for `scopes`: one per scope, named by its mapping's
 * `description` (authentik's consent page lists them), the scope itself when none has one.
 */
export function scopePermissions(provider: OAuth2Provider, scopes: string[]): Array<{ id: string; name: string }> {
  return scopes.map((scope) => {
    const described = provider.mappings.find((m) => m.scope_name === scope && m.description);
    return { id: scope, name: described?.description ?? scope };
  });
}

/** A device that passed validation, as the login recorded it (`auth_method_args.mfa_devices`). */
interface MfaDeviceArg {
  app?: unknown;
  model_name?: unknown;
}

/**
 * `amr` (RFC 8176) from how the user logged in (the login's `auth_method` and
 * `auth_method_args`), as authentik derives it from the login event: `pwd` for a password, `otp`
 * for a TOTP or static code, `hwk` for a WebAuthn key used as a second factor and `user` for a
 * passwordless WebAuthn login, `sc` for a certificate, and `mfa` when more than one factor was
 * used. Undefined when nothing is known (authentik then omits the claim).
 */
export function amrOf(method: unknown, args: unknown): string[] | undefined {
  const a = (args !== null && typeof args === "object" ? args : {}) as Record<string, unknown>;
  const amr: string[] = [];
  const add = (v: string) => {
    if (!amr.includes(v)) amr.push(v);
  };
  if (method === "password") add("pwd");
  if (method === "auth_webauthn_pwl") add("user");
  if ("certificate" in a) add("sc");
  const devices = Array.isArray(a.mfa_devices) ? (a.mfa_devices as MfaDeviceArg[]) : [];
  for (const d of devices) {
    const model = typeof d?.model_name === "string" ? d.model_name : "";
    if (model === "totpdevice" || model === "staticdevice" || model === "emaildevice") add("otp");
    else if (model === "webauthndevice") add("hwk");
  }
  if (amr.length === 0) return undefined;
  if (amr.length > 1) add("mfa");
  return amr;
}

/** `amr` of the login of `userPk` at `at` (the ID token's `auth_time`); undefined when unknown. */
export async function loginAmr(deps: Deps, userPk: number, at: Date | null): Promise<string[] | undefined> {
  const m = await loginMethod(deps, userPk, at);
  return m ? amrOf(m.auth_method, m.auth_method_args) : undefined;
}
