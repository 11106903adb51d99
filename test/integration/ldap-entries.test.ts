/**
 * The outpost's entry mapping and search evaluation (pure functions), and the Worker-side
 * serializers they consume: authentik's attributes, nested memberOf, escaping, scope, filters,
 * visibility, size limit, bind DN parsing and `password;code` splitting.
 */
import ldap from "ldapjs";
import { describe, expect, it } from "vitest";
import type { ApiGroup, ApiUser, LdapProviderConfig } from "../../outpost/src/api.js";
import { splitMfa, usernameFromDn } from "../../outpost/src/ldap/bind.js";
import { directoryEntries, escapeDnValue, normDn, selectAttributes, userEntry, type LdapEntry } from "../../outpost/src/ldap/entries.js";
import { search, type LdapFilter } from "../../outpost/src/ldap/search.js";
import { ancestorsOf, groupNumPk, paginate } from "../../src/protocols/ldap/serialize.js";
import { parseLdapSettings } from "../../src/protocols/ldap/settings.js";

const BASE = "DC=ldap,DC=goauthentik,DC=io";
const provider: LdapProviderConfig = {
  pk: 1,
  name: "ldap",
  base_dn: BASE,
  bind_flow_slug: "default-authentication-flow",
  unbind_flow_slug: null,
  application_slug: "ldap",
  search_group: null,
  uid_start_number: 2000,
  gid_start_number: 4000,
  search_mode: "direct",
  bind_mode: "direct",
  mfa_support: true,
};
const groups: ApiGroup[] = [
  { pk: "g-root", num_pk: 1, name: "root", is_superuser: true, parents: [], users: [], attributes: {} },
  { pk: "g-mid", num_pk: 2, name: "mid", is_superuser: false, parents: ["g-root"], users: [], attributes: {} },
  { pk: "g-leaf", num_pk: 3, name: "leaf, inc", is_superuser: false, parents: ["g-mid"], users: [7], attributes: {} },
];
const users: ApiUser[] = [
  { pk: 7, username: "ann", name: "Ann A", email: "ann@example.com", is_active: true, is_superuser: true, groups: ["g-leaf"], attributes: { team: ["a", "b"], "bad key": 1, nested: { x: 1 } }, uid: "u7" },
  { pk: 8, username: "ben", name: "", email: "", is_active: false, is_superuser: false, groups: [], attributes: {}, uid: "u8" },
];
const filter = (text: string) => ldap.parseFilter(text) as unknown as LdapFilter;

describe("LDAP entries", () => {
  it("maps a user with authentik's attributes and nested memberOf", () => {
    const entry = userEntry(users[0]!, provider, new Map(groups.map((g) => [g.pk, g])));
    expect(entry.dn).toBe(`cn=ann,ou=users,${BASE}`);
    expect(entry.attributes).toMatchObject({
      cn: ["ann"],
      uid: ["u7"],
      sAMAccountName: ["ann"],
      displayName: ["Ann A"],
      mail: ["ann@example.com"],
      uidNumber: ["2007"],
      gidNumber: ["2007"],
      homeDirectory: ["/home/ann"],
      "ak-superuser": ["true"],
      team: ["a", "b"],
    });
    expect(entry.attributes["bad key"]).toBeUndefined();
    expect(entry.attributes.nested).toBeUndefined();
    expect(entry.attributes.memberOf!.sort()).toEqual([`cn=leaf\\, inc,ou=groups,${BASE}`, `cn=mid,ou=groups,${BASE}`, `cn=root,ou=groups,${BASE}`]);
  });

  it("escapes DN values and normalises DNs", () => {
    expect(escapeDnValue('a,b+c"d\\e')).toBe('a\\,b\\+c\\"d\\\\e');
    expect(escapeDnValue("#x")).toBe("\\#x");
    expect(normDn("CN=Ann , OU=Users,DC=X")).toBe("cn=ann,ou=users,dc=x");
  });

  it("searches by scope and filter, with visibility and the size limit", () => {
    const all = directoryEntries(provider, users, groups);
    const run = (base: string, scope: string, f: string, sizeLimit = 0, visible: (e: LdapEntry) => boolean = () => true) =>
      search(all, visible, { base, scope, filter: filter(f), attributes: ["cn"], sizeLimit });
    const sub = run(BASE, "subtree", "(objectClass=user)");
    expect(sub.status === "ok" && sub.entries.map((e) => e.dn)).toEqual([`cn=ann,ou=users,${BASE}`, `cn=ben,ou=users,${BASE}`]);
    const one = run(BASE, "single", "(objectClass=*)");
    expect(one.status === "ok" && one.entries.map((e) => e.dn)).toEqual([`ou=users,${BASE}`, `ou=groups,${BASE}`]);
    const base = run(`cn=ann,ou=users,${BASE.toLowerCase()}`, "base", "(objectClass=*)");
    expect(base.status === "ok" && base.entries).toEqual([{ dn: `cn=ann,ou=users,${BASE}`, attributes: { cn: ["ann"] } }]);
    expect(run(`ou=nope,${BASE}`, "subtree", "(objectClass=*)").status).toBe("no_such_object");
    const limited = run(BASE, "subtree", "(|(objectClass=user)(objectClass=group))", 2);
    expect(limited.status).toBe("size_limit");
    expect(limited.status !== "no_such_object" && limited.entries).toHaveLength(2);
    const own = run(BASE, "subtree", "(objectClass=*)", 0, (e) => e.dn.startsWith("cn=ben,"));
    expect(own.status === "ok" && own.entries.map((e) => e.dn)).toEqual([`cn=ben,ou=users,${BASE}`]);
    const members = run(BASE, "subtree", `(member=cn=ann,ou=users,${BASE})`);
    expect(members.status === "ok" && members.entries.map((e) => e.attributes.cn![0])).toEqual(["leaf, inc"]);
  });

  it("selects requested attributes case-insensitively", () => {
    const attrs = { memberOf: ["x"], cn: ["a"], mail: ["m"] };
    expect(selectAttributes(attrs, ["MEMBEROF", "cn"])).toEqual({ memberOf: ["x"], cn: ["a"] });
    expect(selectAttributes(attrs, [])).toEqual(attrs);
    expect(selectAttributes(attrs, ["*"])).toEqual(attrs);
    expect(selectAttributes(attrs, ["1.1"])).toEqual({});
  });

  it("parses bind DNs and splits password;code", () => {
    expect(usernameFromDn(`cn=ann,ou=users,${BASE}`, BASE)).toBe("ann");
    expect(usernameFromDn(`UID=ann, OU=Users, ${BASE.toLowerCase()}`, BASE)).toBe("ann");
    expect(usernameFromDn(`cn=a\\,b,ou=users,${BASE}`, BASE)).toBe("a,b");
    expect(usernameFromDn(`cn=ann,ou=groups,${BASE}`, BASE)).toBeNull();
    expect(usernameFromDn("ann", BASE)).toBe("ann");
    expect(splitMfa("pw;123456", true)).toEqual({ password: "pw", code: "123456" });
    expect(splitMfa("p;w;12345678", true)).toEqual({ password: "p;w", code: "12345678" });
    expect(splitMfa("pw;123456", false)).toEqual({ password: "pw;123456" });
    expect(splitMfa("pw;abc", true)).toEqual({ password: "pw;abc" });
  });
});

describe("Worker-side LDAP serializers", () => {
  it("applies authentik's defaults to provider settings", () => {
    expect(parseLdapSettings({})).toMatchObject({ base_dn: BASE, uid_start_number: 2000, gid_start_number: 4000, bind_mode: "direct", search_mode: "direct", mfa_support: true });
    expect(() => parseLdapSettings({ bind_mode: "sometimes" })).toThrow(/bind_mode/);
  });

  it("paginates like authentik and derives stable group numbers", () => {
    expect(paginate([1, 2], 2, 2, 5).pagination).toEqual({ next: 3, previous: 1, count: 5, current: 2, total_pages: 3, start_index: 3, end_index: 4 });
    expect(paginate([], 1, 100, 0).pagination).toMatchObject({ next: 0, previous: 0, total_pages: 1 });
    expect(groupNumPk("0000000a-0000-4000-8000-000000000000")).toBe(0);
    expect(groupNumPk("abcdef12-0000-4000-8000-000000000000")).toBe(0xabcdef1);
    const parents = new Map([["c", ["b"]], ["b", ["a", "c"]], ["a", []]]);
    expect([...ancestorsOf(["c"], parents)].sort()).toEqual(["a", "b", "c"]);
  });
});
