/**
 * LDAP test support: a directory (users, nested groups, a TOTP device), an LDAP provider with its
 * application and an outpost token, all seeded through the store of a running host; the outpost
 * started in-process against it; and a runner for Debian's ldap-utils.
 */
import { spawn } from "node:child_process";
import { generate } from "otplib";
import { startOutpost, type RunningOutpost } from "../../outpost/src/outpost.js";
import { createLogger } from "../../outpost/src/log.js";
import type { Deps } from "../../src/deps.js";
import { newTotpSecret, TOTP_KEY_CONTEXT } from "../../src/flows/mfa.js";
import type { Group, User } from "../../src/ports/store.js";
import { createLdapProvider, createOutpost } from "../../src/protocols/ldap/outposts.js";

export const LDAP_PASSWORD = "ldap-Test-passphrase-7";
export const BASE_DN = "DC=ldap,DC=goauthentik,DC=io";

export interface LdapFixture {
  providerPk: number;
  token: string;
  users: Record<"alice" | "bob" | "carol", User>;
  groups: Record<"staff" | "developers", Group>;
  extraUsers: User[];
  /** Base32 seed of carol's TOTP device. */
  totpSecret: string;
}

/**
 * alice ∈ developers ⊂ staff (staff is the provider's search group, so alice may search all);
 * bob has no groups (sees only himself); carol has a confirmed TOTP device. Eight more users
 * (`user1`…) make paging observable.
 */
export async function seedLdapDirectory(deps: Deps, opts: { bindMode?: "direct" | "cached"; searchMode?: "direct" | "cached" } = {}): Promise<LdapFixture> {
  const hash = await deps.passwords.hash(LDAP_PASSWORD);
  const mk = (username: string, name: string, attributes: Record<string, unknown> = {}) =>
    deps.store.users.create({ username, name, email: `${username}@example.com`, passwordHash: hash, attributes });
  const alice = await mk("alice", "Alice Liddell", { department: "engineering" });
  const bob = await mk("bob", "Bob Builder");
  const carol = await mk("carol", "Carol Danvers");
  const extraUsers: User[] = [];
  for (let i = 1; i <= 8; i++) extraUsers.push(await mk(`user${i}`, `User ${i}`));

  const staff = await deps.store.groups.create({ name: "staff" });
  const developers = await deps.store.groups.create({ name: "developers", parentPks: [staff.pk] });
  await deps.store.groups.addMember(developers.pk, alice.pk);

  const totpSecret = newTotpSecret(deps);
  await deps.store.devices.createTotp({ userPk: carol.pk, name: "phone", keyWrapped: await deps.keys.wrap(totpSecret, TOTP_KEY_CONTEXT), confirmed: true });

  const flow = await deps.store.flows.bySlug("default-authentication-flow");
  const unbind = await deps.store.flows.bySlug("default-invalidation-flow");
  const provider = await createLdapProvider(deps, {
    name: "ldap",
    authenticationFlowPk: flow!.pk,
    invalidationFlowPk: unbind!.pk,
    settings: { search_group: staff.pk, bind_mode: opts.bindMode ?? "direct", search_mode: opts.searchMode ?? "direct" },
  });
  await deps.store.outposts.createApplication({ name: "LDAP", slug: "ldap", providerPk: provider.pk });
  const { token } = await createOutpost(deps, { name: "ldap-outpost", type: "ldap", providerPks: [provider.pk] });
  return { providerPk: provider.pk, token, users: { alice, bob, carol }, groups: { staff, developers }, extraUsers, totpSecret };
}

/** The outpost in-process against `host` (LDAP and health on free ports, logs kept). */
export async function startTestOutpost(host: string, token: string): Promise<RunningOutpost & { logs: string[] }> {
  const logs: string[] = [];
  const outpost = await startOutpost(
    { host, token, insecure: false, ldapPort: 0, healthPort: 0, listen: "127.0.0.1", refreshIntervalMs: 60_000, logLevel: "debug" },
    { log: createLogger({ level: "debug", write: (l) => logs.push(l) }) },
  );
  return Object.assign(outpost, { logs });
}

/** The current TOTP code for a base32 seed (as an authenticator app computes it). */
export function totpNow(secret: string): Promise<string> {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000), digits: 6, period: 30 });
}

export const userDn = (name: string) => `cn=${name},ou=users,${BASE_DN}`;

/** Runs an ldap-utils command; resolves with its exit code and output (never rejects). */
export function ldapTool(cmd: "ldapwhoami" | "ldapsearch" | "ldapadd" | "ldapmodify" | "ldapdelete", args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: { ...process.env, LDAPTLS_REQCERT: "never", LDAPNOINIT: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

/** `attr: value` lines of LDIF output, grouped per entry (`dn` first). */
export function parseLdif(text: string): Record<string, string[]>[] {
  const entries: Record<string, string[]>[] = [];
  let current: Record<string, string[]> | null = null;
  for (const raw of text.replace(/\n /g, "").split("\n")) {
    if (raw.startsWith("#") || raw.trim() === "") {
      if (raw.trim() === "" && current) current = null;
      continue;
    }
    const m = /^([^:]+):(:?) ?(.*)$/.exec(raw);
    if (!m) continue;
    const value = m[2] ? Buffer.from(m[3]!, "base64").toString("utf8") : m[3]!;
    if (m[1] === "dn") {
      current = {};
      entries.push(current);
    }
    if (!current) continue;
    (current[m[1]!] ??= []).push(value);
  }
  return entries;
}
