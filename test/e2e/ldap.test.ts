import { sql } from "drizzle-orm";
/**
 * LDAP through the outpost, end to end: the Node host (in-process, real HTTP) with an LDAP
 * provider, application and outpost token seeded through its store; the outpost in-process
 * against it over HTTP; Debian's ldapwhoami/ldapsearch (spawned) and ldapts as clients.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, InvalidCredentialsError } from "ldapts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/core/config.js";
import { startNodeServer, type NodeServer } from "../../src/node/server.js";
import { BASE_DN, LDAP_PASSWORD, ldapTool, parseLdif, seedLdapDirectory, startTestOutpost, totpNow, userDn, type LdapFixture } from "../support/ldap.js";

const USERS = `ou=users,${BASE_DN}`;
const GROUPS = `ou=groups,${BASE_DN}`;

describe("LDAP outpost against the Node host", () => {
  let server: NodeServer;
  let outpost: Awaited<ReturnType<typeof startTestOutpost>>;
  let fx: LdapFixture;
  let dataDir: string;
  let url: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "threshold-ldap-"));
    const config = { ...loadConfig({ THRESHOLD_ENVIRONMENT: "test", THRESHOLD_DATA_DIR: dataDir, THRESHOLD_SECRET_KEY: "s".repeat(40) }), PORT: 0 };
    server = await startNodeServer(config, { hostname: "127.0.0.1" });
    fx = await seedLdapDirectory(server.deps);
    outpost = await startTestOutpost(`http://127.0.0.1:${server.port}`, fx.token);
    url = `ldap://127.0.0.1:${outpost.ldapPort}`;
  });
  afterAll(async () => {
    await outpost?.close(100);
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** ldapsearch as `bindAs`; options (-E, -z) before the filter, requested attributes after it. */
  const search = (bindAs: string, base: string, filter: string, attrs: string[] = [], opts: string[] = []) =>
    ldapTool("ldapsearch", ["-x", "-LLL", "-H", url, "-D", userDn(bindAs), "-w", LDAP_PASSWORD, "-b", base, ...opts, filter, ...attrs]);

  it("serves its health endpoint and loaded the provider", async () => {
    const res = await fetch(`http://127.0.0.1:${outpost.healthPort}/-/health/ready/`);
    expect(res.status).toBe(200);
    expect(outpost.providers.current()).toMatchObject([{ pk: fx.providerPk, base_dn: BASE_DN, bind_flow_slug: "default-authentication-flow", application_slug: "ldap" }]);
  });

  // A plain username as bind DN is refused by ldapjs's DN parser (34) before our handler runs.
  it("ldapwhoami binds with the password (cn= and uid=)", async () => {
    for (const dn of [userDn("alice"), `uid=alice,${USERS}`]) {
      const r = await ldapTool("ldapwhoami", ["-x", "-H", url, "-D", dn, "-w", LDAP_PASSWORD]);
      expect(r.stderr).toBe("");
      expect(r.stdout.trim()).toBe(`dn:${userDn("alice")}`);
      expect(r.code).toBe(0);
    }
  });

  it("ends each bind's session on the issuer through the unbind flow (no session pile-up)", async () => {
    const alice = fx.users.alice;
    const count = async () => {
      const rows = await (server.deps.store as unknown as { db: { execute(q: unknown): Promise<{ rows: { n: number }[] }> } }).db.execute(
        sql`select count(*)::int as n from authenticated_sessions where user_id = ${alice.pk}`,
      );
      return rows.rows[0]!.n;
    };
    for (let i = 0; i < 3; i++) await ldapTool("ldapwhoami", ["-x", "-H", url, "-D", userDn("alice"), "-w", LDAP_PASSWORD]);
    for (let i = 0; i < 50 && (await count()) > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await count()).toBe(0);
  });

  it("a wrong password is 49 invalidCredentials", async () => {
    const r = await ldapTool("ldapwhoami", ["-x", "-H", url, "-D", userDn("alice"), "-w", "wrong-password"]);
    expect(r.code).toBe(49);
    expect(r.stderr).toContain("Invalid credentials (49)");
    const client = new Client({ url });
    await expect(client.bind(userDn("bob"), "nope")).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(client.bind(userDn("nobody"), LDAP_PASSWORD)).rejects.toBeInstanceOf(InvalidCredentialsError);
    await client.unbind();
  });

  it("MFA: the password alone is refused, password;TOTP binds (ldapts)", async () => {
    const client = new Client({ url });
    await expect(client.bind(userDn("carol"), LDAP_PASSWORD)).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(client.bind(userDn("carol"), `${LDAP_PASSWORD};000000`)).rejects.toBeInstanceOf(InvalidCredentialsError);
    await client.bind(userDn("carol"), `${LDAP_PASSWORD};${await totpNow(fx.totpSecret)}`);
    const who = await client.exop("1.3.6.1.4.1.4203.1.11.3");
    expect(who.value).toBe(`dn:${userDn("carol")}`);
    await client.unbind();
  });

  it("user search with filters returns authentik's attributes, memberOf with nested groups", async () => {
    const r = await search("alice", USERS, "(&(objectClass=user)(cn=alice))");
    expect(r.code).toBe(0);
    const [alice] = parseLdif(r.stdout);
    expect(alice!.dn).toEqual([userDn("alice")]);
    expect(alice).toMatchObject({
      cn: ["alice"],
      sAMAccountName: ["alice"],
      name: ["Alice Liddell"],
      displayName: ["Alice Liddell"],
      mail: ["alice@example.com"],
      uidNumber: [String(2000 + fx.users.alice.pk)],
      gidNumber: [String(2000 + fx.users.alice.pk)],
      homeDirectory: ["/home/alice"],
      "ak-active": ["true"],
      "ak-superuser": ["false"],
      department: ["engineering"],
    });
    expect(alice!.objectClass).toEqual(expect.arrayContaining(["user", "organizationalPerson", "inetOrgPerson", "posixAccount", "goauthentik.io/ldap/user"]));
    expect(alice!.memberOf!.sort()).toEqual([`cn=developers,${GROUPS}`, `cn=staff,${GROUPS}`]);
    expect(alice!.uid![0]).toMatch(/^[0-9a-f]{64}$/);

    // memberOf through a parent group, requested attributes only
    const byGroup = await search("alice", USERS, `(memberOf=cn=staff,${GROUPS})`, ["cn", "mail"]);
    const entries = parseLdif(byGroup.stdout);
    expect(entries.map((e) => e.cn![0])).toEqual(["alice"]);
    expect(Object.keys(entries[0]!).sort()).toEqual(["cn", "dn", "mail"]);

    const sub = await search("alice", BASE_DN, "(&(objectClass=user)(|(cn=user1)(cn=user2)(mail=bob@example.com)))", ["cn"]);
    expect(parseLdif(sub.stdout).map((e) => e.cn![0]).sort()).toEqual(["bob", "user1", "user2"]);
  });

  it("group search: members, memberOf, gidNumber, object classes", async () => {
    const r = await search("alice", GROUPS, "(objectClass=groupOfNames)");
    expect(r.code).toBe(0);
    const groups = Object.fromEntries(parseLdif(r.stdout).map((e) => [e.cn![0]!, e]));
    expect(groups.developers).toMatchObject({ member: [userDn("alice")], memberOf: [`cn=staff,${GROUPS}`], memberUid: ["alice"] });
    expect(groups.developers!.objectClass).toEqual(expect.arrayContaining(["group", "groupOfNames", "groupOfUniqueNames", "posixGroup"]));
    expect(Number(groups.staff!.gidNumber![0])).toBeGreaterThanOrEqual(4000);
    expect(groups.staff!.member).toBeUndefined();
    const one = await search("alice", GROUPS, "(&(objectClass=posixGroup)(cn=dev*))", ["cn"]);
    expect(parseLdif(one.stdout).map((e) => e.dn![0])).toEqual([`cn=developers,${GROUPS}`]);
  });

  it("paged results (RFC 2696) with ldapsearch and ldapts", async () => {
    const r = await search("alice", USERS, "(cn=user*)", ["cn"], ["-E", "pr=3/noprompt"]);
    expect(r.code).toBe(0);
    expect(parseLdif(r.stdout).map((e) => e.cn![0]).sort()).toEqual(fx.extraUsers.map((u) => u.username).sort());
    const client = new Client({ url });
    await client.bind(userDn("alice"), LDAP_PASSWORD);
    const pages: number[] = [];
    for await (const page of client.searchPaginated(USERS, { filter: "(cn=user*)", attributes: ["cn"], paged: { pageSize: 3 } })) {
      pages.push(page.searchEntries.length);
    }
    expect(pages).toEqual([3, 3, 2]);
    await client.unbind();
  });

  it("size limit: result 4 sizeLimitExceeded with the first entries", async () => {
    const r = await search("alice", USERS, "(cn=user*)", ["cn"], ["-z", "2"]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("Size limit exceeded (4)");
    expect(parseLdif(r.stdout)).toHaveLength(2);
  });

  it("a non-privileged user sees only itself", async () => {
    const users = await search("bob", USERS, "(objectClass=user)", ["cn"]);
    expect(users.code).toBe(0);
    expect(parseLdif(users.stdout).map((e) => e.dn![0])).toEqual([userDn("bob")]);
    const groups = await search("bob", GROUPS, "(objectClass=group)");
    expect(groups.code).toBe(0);
    expect(parseLdif(groups.stdout)).toEqual([]);
    const client = new Client({ url });
    await client.bind(userDn("bob"), LDAP_PASSWORD);
    const { searchEntries } = await client.search(BASE_DN, { filter: "(cn=alice)" });
    expect(searchEntries).toEqual([]);
    await client.unbind();
  });

  it("anonymous search → 50, unknown base → 32, writes → 53, WhoAmI", async () => {
    const anon = await ldapTool("ldapsearch", ["-x", "-LLL", "-H", url, "-b", USERS, "(objectClass=user)"]);
    expect(anon.code).toBe(50);
    const unknown = await search("alice", "ou=nothing,DC=example,DC=com", "(objectClass=*)");
    expect(unknown.code).toBe(32);
    const under = await search("alice", `ou=nothing,${BASE_DN}`, "(objectClass=*)");
    expect(under.code).toBe(32);
    const add = await ldapTool("ldapadd", ["-x", "-H", url, "-D", userDn("alice"), "-w", LDAP_PASSWORD], `dn: cn=eve,${USERS}\nobjectClass: user\ncn: eve\n`);
    expect(add.code).toBe(53);
    const del = await ldapTool("ldapdelete", ["-x", "-H", url, "-D", userDn("alice"), "-w", LDAP_PASSWORD, userDn("bob")]);
    expect(del.code).toBe(53);
    const root = await ldapTool("ldapsearch", ["-x", "-LLL", "-H", url, "-s", "base", "-b", "", "(objectClass=*)", "namingContexts", "supportedControl"]);
    expect(root.code).toBe(0);
    expect(root.stdout).toContain(`namingContexts: ${BASE_DN}`);
  });

  it("the outpost API answers 304 for an unchanged configuration and refuses other tokens", async () => {
    const base = `http://127.0.0.1:${server.port}/api/v3/outposts/ldap/`;
    const first = await fetch(base, { headers: { Authorization: `Bearer ${fx.token}` } });
    const etag = first.headers.get("etag")!;
    expect(etag).toBeTruthy();
    const again = await fetch(base, { headers: { Authorization: `Bearer ${fx.token}`, "If-None-Match": etag } });
    expect(again.status).toBe(304);
    expect((await fetch(base)).status).toBe(401);
  });
});
