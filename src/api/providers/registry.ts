/**
 * Every provider type the API manages, one line each (STYLE habit 2). A new type: a file exporting
 * a {@link ProviderType} and one entry here; `providers/<path>/`, its place in `providers/all/`,
 * the OpenAPI document and applications' `launch_url` follow.
 */
import { ldapProviderType } from "./ldap.js";
import { oauth2ProviderType } from "./oauth2.js";
import { proxyProviderType } from "./proxy.js";
import { samlProviderType } from "./saml.js";
import type { ProviderType } from "./types.js";

export const PROVIDER_TYPES: readonly ProviderType[] = [oauth2ProviderType, samlProviderType, ldapProviderType, proxyProviderType];

const byType = new Map(PROVIDER_TYPES.map((t) => [t.type, t]));

export function providerType(type: string): ProviderType | undefined {
  return byType.get(type);
}
