import { LDAP_PROVIDER_TYPE, ldapProviderSettings } from "../../protocols/ldap/settings.js";
import type { ProviderType } from "./types.js";

/** LDAP (served by the outpost); binds run the provider's authentication flow. */
export const ldapProviderType: ProviderType = {
  type: LDAP_PROVIDER_TYPE,
  path: "ldap",
  app: "authentik_providers_ldap",
  model: "ldapprovider",
  name: "LDAPProvider",
  verboseName: "LDAP Provider",
  component: "ak-provider-ldap-form",
  settings: ldapProviderSettings,
};
