/** Provider lookup and issuer URLs (authentik: `/application/o/<slug>/`, or `/` in global mode). */
import { OAuthError } from "../../core/errors.js";
import type { Deps } from "../../deps.js";
import { parseProvider, type OAuth2Provider } from "./settings.js";

export const BASE_PATH = "/application/o";

/** The issuer of a provider as seen from `origin` (the request's origin). */
export function issuerOf(origin: string, provider: OAuth2Provider): string {
  if (provider.settings.issuer_mode === "global" || !provider.application) return `${origin}/`;
  return `${origin}${BASE_PATH}/${provider.application.slug}/`;
}

/** The provider of client `clientId`, or null (unknown, unusable, or without application). */
export async function providerByClientId(deps: Deps, clientId: string): Promise<OAuth2Provider | null> {
  // Control characters (NUL above all) never name a client, and PostgreSQL refuses NUL in text.
  if (!clientId || clientId.length > 255 || /[\u0000-\u001f]/.test(clientId)) return null;
  const p = parseProvider(deps, await deps.store.oauth2.providerByClientId(clientId));
  return p?.application ? p : null;
}

/** The provider of the application `slug`; an OAuth error page/JSON when there is none. */
export async function providerBySlug(deps: Deps, slug: string): Promise<OAuth2Provider> {
  const p = /^[-a-zA-Z0-9_]{1,255}$/.test(slug) ? parseProvider(deps, await deps.store.oauth2.providerByApplicationSlug(slug)) : null;
  if (!p) throw new OAuthError("invalid_request", "No OAuth2 provider for this application.", 404);
  return p;
}
