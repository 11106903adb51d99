/**
 * The directory as LDAP entries, with authentik's attributes: users under `ou=users,<base>`,
 * groups under `ou=groups,<base>`. Pure functions of the API's users and groups.
 */
import type { ApiGroup, ApiUser, LdapProviderConfig } from "../api.js";

export interface LdapEntry {
  dn: string;
  attributes: Record<string, string[]>;
}

export const USER_OBJECT_CLASSES = ["top", "person", "organizationalPerson", "inetOrgPerson", "user", "posixAccount", "goauthentik.io/ldap/user"];
export const GROUP_OBJECT_CLASSES = ["top", "group", "groupOfNames", "groupOfUniqueNames", "posixGroup", "goauthentik.io/ldap/group"];

/** RFC 4514 §2.4: escape an attribute value for use in a DN. */
export function escapeDnValue(value: string): string {
  let out = value.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`);
  if (out.startsWith("#") || out.startsWith(" ")) out = `\\${out}`;
  if (out.endsWith(" ") && out.length > 1) out = `${out.slice(0, -1)}\\ `;
  return out;
}

/** A DN for comparisons: lowercase, no spaces around separators. */
export function normDn(dn: string): string {
  return dn
    .split(/(?<!\\),/)
    .map((rdn) =>
      rdn
        .split(/(?<!\\)=/)
        .map((p) => p.trim())
        .join("="),
    )
    .join(",")
    .toLowerCase();
}

export const usersDn = (base: string) => `ou=users,${base}`;
export const groupsDn = (base: string) => `ou=groups,${base}`;
export const userDn = (base: string, username: string) => `cn=${escapeDnValue(username)},${usersDn(base)}`;
export const groupDn = (base: string, name: string) => `cn=${escapeDnValue(name)},${groupsDn(base)}`;

/** Group pk → it and all its ancestors (nested groups; cycles stop). */
export function withAncestors(pks: string[], groups: Map<string, ApiGroup>): ApiGroup[] {
  const seen = new Map<string, ApiGroup>();
  const todo = [...pks];
  while (todo.length > 0) {
    const pk = todo.pop()!;
    const group = groups.get(pk);
    if (seen.has(pk) || !group) continue;
    seen.set(pk, group);
    todo.push(...group.parents);
  }
  return [...seen.values()];
}

const BUILTIN = new Set(
  ["objectclass", "cn", "uid", "samaccountname", "name", "displayname", "mail", "memberof", "uidnumber", "gidnumber", "homedirectory", "member", "memberuid", "sn", "givenname"],
);

/** Custom attributes (authentik exposes the user's/group's attributes too): scalar or list values, LDAP-safe names. */
function customAttributes(attrs: Record<string, unknown>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(attrs)) {
    if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(key) || BUILTIN.has(key.toLowerCase()) || key.toLowerCase().startsWith("ak-")) continue;
    const values = (Array.isArray(value) ? value : [value]).filter((v) => ["string", "number", "boolean"].includes(typeof v)).map(String);
    if (values.length > 0) out[key] = values;
  }
  return out;
}

export function userEntry(user: ApiUser, provider: LdapProviderConfig, groups: Map<string, ApiGroup>): LdapEntry {
  const base = provider.base_dn;
  const uidNumber = String(provider.uid_start_number + user.pk);
  const name = user.name || user.username;
  return {
    dn: userDn(base, user.username),
    attributes: {
      ...customAttributes(user.attributes),
      objectClass: USER_OBJECT_CLASSES,
      cn: [user.username],
      uid: [user.uid],
      sAMAccountName: [user.username],
      name: [name],
      displayName: [name],
      sn: [name],
      ...(user.email ? { mail: [user.email] } : {}),
      memberOf: withAncestors(user.groups, groups).map((g) => groupDn(base, g.name)),
      uidNumber: [uidNumber],
      // Each user is its own (virtual) primary group, as on most Unix systems.
      gidNumber: [uidNumber],
      homeDirectory: [`/home/${user.username}`],
      "ak-active": [String(user.is_active)],
      "ak-superuser": [String(user.is_superuser)],
    },
  };
}

export function groupEntry(group: ApiGroup, provider: LdapProviderConfig, groups: Map<string, ApiGroup>, users: Map<number, ApiUser>): LdapEntry {
  const base = provider.base_dn;
  const members = group.users.map((pk) => users.get(pk)).filter((u): u is ApiUser => u !== undefined);
  const parents = withAncestors(group.parents, groups).filter((g) => g.pk !== group.pk);
  return {
    dn: groupDn(base, group.name),
    attributes: {
      ...customAttributes(group.attributes),
      objectClass: GROUP_OBJECT_CLASSES,
      cn: [group.name],
      uid: [group.pk],
      gidNumber: [String(provider.gid_start_number + group.num_pk)],
      member: members.map((u) => userDn(base, u.username)),
      memberUid: members.map((u) => u.username),
      memberOf: parents.map((g) => groupDn(base, g.name)),
      "ak-superuser": [String(group.is_superuser)],
    },
  };
}

/** The base DN and the two organisational units. */
export function structuralEntries(provider: LdapProviderConfig): LdapEntry[] {
  const base = provider.base_dn;
  return [
    { dn: base, attributes: { objectClass: ["top", "domain"] } },
    { dn: usersDn(base), attributes: { objectClass: ["top", "organizationalUnit"], ou: ["users"] } },
    { dn: groupsDn(base), attributes: { objectClass: ["top", "organizationalUnit"], ou: ["groups"] } },
  ];
}

/** Every entry of the directory for one provider. */
export function directoryEntries(provider: LdapProviderConfig, users: ApiUser[], groups: ApiGroup[]): LdapEntry[] {
  const groupMap = new Map(groups.map((g) => [g.pk, g]));
  const userMap = new Map(users.map((u) => [u.pk, u]));
  return [
    ...structuralEntries(provider),
    ...users.map((u) => userEntry(u, provider, groupMap)),
    ...groups.map((g) => groupEntry(g, provider, groupMap, userMap)),
  ];
}

/** Attribute names lowercased (ldapjs filters match on lowercase names; DESIGN §8). */
export function lowercaseAttributes(attrs: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k.toLowerCase(), v]));
}

/**
 * The attributes a search asked for (RFC 4511 §4.5.1.8): none listed or `*` → all user
 * attributes; `1.1` → none; otherwise the listed ones, matched case-insensitively, keeping the
 * entry's own spelling.
 */
export function selectAttributes(attrs: Record<string, string[]>, requested: string[]): Record<string, string[]> {
  const wanted = requested.map((a) => a.toLowerCase());
  if (wanted.length === 0 || wanted.includes("*")) return attrs;
  return Object.fromEntries(Object.entries(attrs).filter(([k]) => wanted.includes(k.toLowerCase())));
}
