/**
 * LDAP provider settings (authentik's `LDAPProvider` fields), stored in `providers.settings`.
 * Defaults are authentik's.
 */
import * as z from "zod";

export const LDAP_PROVIDER_TYPE = "ldap";

export const ldapProviderSettings = z.object({
  /** Where users (`ou=users,<base_dn>`) and groups (`ou=groups,<base_dn>`) live. */
  base_dn: z.string().min(1).default("DC=ldap,DC=goauthentik,DC=io"),
  /** Members of this group (directly or through nested groups) may search the whole directory. */
  search_group: z.string().uuid().nullable().default(null),
  /** direct: every bind runs the flow; cached: successful binds are remembered for `bind_cache_ttl_seconds`. */
  bind_mode: z.enum(["direct", "cached"]).default("direct"),
  /** direct: every search asks the API; cached: the outpost keeps a periodically refreshed copy. */
  search_mode: z.enum(["direct", "cached"]).default("direct"),
  /** Accept `password;123456` binds: the part after the last `;` answers the MFA stage. */
  mfa_support: z.boolean().default(true),
  /** uidNumber = uid_start_number + user pk. */
  uid_start_number: z.number().int().nonnegative().default(2000),
  /** gidNumber of groups = gid_start_number + the group's numeric id. */
  gid_start_number: z.number().int().nonnegative().default(4000),
  /** Lifetime of a cached bind (cached bind mode). */
  bind_cache_ttl_seconds: z.number().int().positive().default(300),
});

export type LdapProviderSettings = z.infer<typeof ldapProviderSettings>;

/** Settings with defaults applied; throws a zod error naming the bad key. */
export function parseLdapSettings(settings: Record<string, unknown>): LdapProviderSettings {
  return ldapProviderSettings.parse(settings);
}
