/**
 * Resource indicators (RFC 8707): `resource` names the protected resources an access token is
 * for; they become its `aud`. Absolute URIs without a fragment, among the client's
 * `allowed_resources`; repeated parameters allowed.
 */
import { OAuthError } from "../../core/errors.js";
import type { OAuth2Provider } from "./settings.js";

const MAX_RESOURCES = 10;

function invalidTarget(description: string): OAuthError {
  return new OAuthError("invalid_target", description);
}

/**
 * The request's resources (RFC 8707 §2: absolute URI, no fragment), each one the client may ask
 * for (§2: "invalid_target" when the client is not allowed to request it).
 */
export function parseResources(p: URLSearchParams, provider: OAuth2Provider): string[] {
  const all = p.getAll("resource");
  if (all.length > MAX_RESOURCES) throw invalidTarget("Too many resource parameters.");
  for (const r of all) {
    let url: URL;
    try {
      url = new URL(r);
    } catch {
      throw invalidTarget("resource must be an absolute URI.");
    }
    if (r.length > 2048 || r.includes("#") || url.hash) throw invalidTarget("resource must not contain a fragment.");
    if (!provider.settings.allowed_resources.includes(r)) throw invalidTarget("This client may not request tokens for the resource.");
  }
  return [...new Set(all)];
}

/**
 * At the token endpoint: the resources asked for must be among those granted (RFC 8707 §2.2);
 * none asked means all granted. A grant made without resources is not audience-restricted, so
 * the token request may name them (any resource is allowed, as at authorization).
 */
export function narrowResources(p: URLSearchParams, granted: string[], provider: OAuth2Provider): string[] {
  const asked = parseResources(p, provider);
  if (asked.length === 0 || granted.length === 0) return asked.length ? asked : granted;
  if (asked.some((r) => !granted.includes(r))) throw invalidTarget("The resource was not part of the grant.");
  return asked;
}
