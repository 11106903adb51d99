/**
 * SAML 2.0 providers (authentik `authentik_providers_saml.samlprovider`). Like OAuth2, a SAML
 * provider is a `providers` row of type "saml" whose authentik fields live in `settings`
 * (parsed by `src/protocols/saml/settings.ts`). Applications are created with
 * `OAuth2Repository.createApplication`, which links any provider type.
 */
import type { NewOAuth2Provider, OAuth2Application } from "./oauth2.js";

/** A provider of type "saml" with the application that links it. */
export interface SamlProviderRecord {
  pk: number;
  name: string;
  authenticationFlowPk: string | null;
  authorizationFlowPk: string | null;
  invalidationFlowPk: string | null;
  /** Raw settings (authentik field names); parse before use. */
  settings: Record<string, unknown>;
  application: OAuth2Application | null;
}

export type NewSamlProvider = NewOAuth2Provider;

export interface SamlRepository {
  createProvider(p: NewSamlProvider): Promise<SamlProviderRecord>;
  /** The SAML provider of the application `slug`. */
  providerByApplicationSlug(slug: string): Promise<SamlProviderRecord | null>;
  providerByPk(pk: number): Promise<SamlProviderRecord | null>;
  /** Replaces the settings (refresh from SP metadata); false when there is no such SAML provider. */
  updateSettings(pk: number, settings: Record<string, unknown>): Promise<boolean>;
}
