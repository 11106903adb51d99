/**
 * Subject and scope claims (authentik's default scope mappings `goauthentik.io/providers/oauth2/
 * scope-openid|email|profile`). CEL scope mappings are not wired yet; these are the defaults.
 */
import { sha256Hex } from "../../core/encoding.js";
import type { Deps } from "../../deps.js";
import type { User } from "../../ports/store.js";
import type { OAuth2Provider } from "./settings.js";

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

/** Claims for the granted scopes (without `sub`). */
export async function scopeClaims(deps: Deps, user: User, scopes: string[]): Promise<Record<string, unknown>> {
  const claims: Record<string, unknown> = {};
  if (scopes.includes("email")) {
    claims.email = user.email;
    claims.email_verified = user.emailVerified;
  }
  if (scopes.includes("profile")) {
    claims.name = user.name;
    claims.given_name = user.name;
    claims.preferred_username = user.username;
    claims.nickname = user.username;
    // authentik: every group including the ancestors of nested groups.
    claims.groups = (await deps.store.policies.allGroupsOf(user.pk)).map((g) => g.name);
  }
  return claims;
}
