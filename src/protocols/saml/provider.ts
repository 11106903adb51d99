/** SAML provider lookup (authentik: `/application/saml/<application slug>/…`). */
import type { Deps } from "../../deps.js";
import { SamlRequestError } from "./errors.js";
import { parseSamlProvider, type SamlProvider } from "./settings.js";

export const BASE_PATH = "/application/saml";

/** The usable SAML provider of the application `slug`; a 404 page when there is none. */
export async function providerBySlug(deps: Deps, slug: string): Promise<SamlProvider> {
  const p = /^[-a-zA-Z0-9_]{1,255}$/.test(slug) ? parseSamlProvider(deps, await deps.store.saml.providerByApplicationSlug(slug)) : null;
  if (!p?.application) throw new SamlRequestError("No SAML provider for this application.", 404);
  return p;
}

export async function providerByPk(deps: Deps, pk: number): Promise<SamlProvider> {
  const p = parseSamlProvider(deps, await deps.store.saml.providerByPk(pk));
  if (!p?.application) throw new SamlRequestError("The SAML provider is unavailable.", 404);
  return p;
}
