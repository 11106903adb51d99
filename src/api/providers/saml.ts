import { samlSettings } from "../../protocols/saml/settings.js";
import type { ProviderType } from "./types.js";

/** SAML 2.0 IdP; metadata at `/application/saml/<slug>/metadata/`. */
export const samlProviderType: ProviderType = {
  type: "saml",
  path: "saml",
  app: "authentik_providers_saml",
  model: "samlprovider",
  name: "SAMLProvider",
  verboseName: "SAML Provider",
  component: "ak-provider-saml-form",
  settings: samlSettings,
  requiresAuthorizationFlow: true,
  // authentik: IdP-initiated login at the application's init binding.
  launchUrl: (_settings, app) => `/application/saml/${encodeURIComponent(app.slug)}/sso/binding/init/`,
};
