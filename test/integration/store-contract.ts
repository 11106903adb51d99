/**
 * The `Store` contract (src/ports/store.ts), run against every adapter (DESIGN §3, §7): PGlite,
 * PostgreSQL via `pg`, PostgreSQL via the Neon serverless driver. Tests share one store per
 * backend and use unique names, so they never depend on each other's rows.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConflictError, NotFoundError } from "../../src/core/errors.js";
import type { NewUser, Store } from "../../src/ports/store.js";

/** A random suffix for names unique to one test. */
const uniq = () => crypto.randomUUID().slice(0, 8);

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const FUTURE = new Date("2100-01-01T00:00:00Z");

export function describeStoreContract(name: string, makeStore: () => Promise<Store>): void {
  describe(name, () => {
    let store: Store;
    beforeAll(async () => {
      store = await makeStore();
    });
    afterAll(async () => {
      await store?.close();
    });

    const newUser = async (over: Partial<NewUser> = {}) =>
      store.users.create({ username: `user-${uniq()}`, ...over });

    describe("users", () => {
      it("creates a user with authentik's defaults", async () => {
        const username = `Alice-${uniq()}`;
        const user = await store.users.create({ username });
        expect(user).toMatchObject({
          username,
          name: "",
          email: "",
          emailVerified: false,
          type: "internal",
          isActive: true,
          path: "users",
          attributes: {},
          passwordHash: null,
          passwordChangeDate: null,
          lastLogin: null,
        });
        expect(user.pk).toBeTypeOf("number");
        expect(user.uuid).toMatch(/^[0-9a-f-]{36}$/);
        expect(user.dateJoined).toBeInstanceOf(Date);
      });

      it("stores every field of NewUser", async () => {
        const user = await store.users.create({
          username: `svc-${uniq()}`,
          name: "Service Ünïcode",
          email: "svc@example.com",
          emailVerified: true,
          type: "service_account",
          isActive: false,
          path: "users/services",
          attributes: { nested: { a: [1, "two"] } },
          passwordHash: "argon2id$fake",
        });
        expect(await store.users.byPk(user.pk)).toEqual(user);
        expect(user).toMatchObject({ type: "service_account", isActive: false, emailVerified: true });
        expect(user.attributes).toEqual({ nested: { a: [1, "two"] } });
      });

      it("finds users by pk and returns null for unknown pks", async () => {
        const user = await newUser();
        expect((await store.users.byPk(user.pk))?.username).toBe(user.username);
        expect(await store.users.byPk(2_000_000_000)).toBeNull();
        expect(await store.users.byPk(Number.NaN)).toBeNull();
      });

      it("looks usernames up case-insensitively", async () => {
        const user = await store.users.create({ username: `MiXeD-${uniq()}` });
        expect((await store.users.byUsername(user.username.toLowerCase()))?.pk).toBe(user.pk);
        expect((await store.users.byUsername(user.username.toUpperCase()))?.pk).toBe(user.pk);
        expect(await store.users.byUsername(`nobody-${uniq()}`)).toBeNull();
      });

      it("rejects a username that differs only in case (ConflictError)", async () => {
        const user = await store.users.create({ username: `case-${uniq()}` });
        await expect(store.users.create({ username: user.username.toUpperCase() })).rejects.toBeInstanceOf(
          ConflictError,
        );
      });

      it("createMany inserts all users", async () => {
        const names = [`many-a-${uniq()}`, `many-b-${uniq()}`, `many-c-${uniq()}`];
        const before = await store.users.count();
        const created = await store.users.createMany(names.map((username) => ({ username })));
        expect(created.map((u) => u.username).sort()).toEqual([...names].sort());
        expect(await store.users.count()).toBe(before + 3);
        expect(await store.users.createMany([])).toEqual([]);
      });

      it("createMany with a duplicate in the middle inserts nothing", async () => {
        const existing = await newUser();
        const first = `half-first-${uniq()}`;
        const last = `half-last-${uniq()}`;
        const before = await store.users.count();
        await expect(
          store.users.createMany([{ username: first }, { username: existing.username.toUpperCase() }, { username: last }]),
        ).rejects.toBeInstanceOf(ConflictError);
        expect(await store.users.byUsername(first)).toBeNull();
        expect(await store.users.byUsername(last)).toBeNull();
        expect(await store.users.count()).toBe(before);
      });

      it("setPassword stores the hash and the change date", async () => {
        const user = await newUser();
        const at = new Date("2026-01-02T03:04:05.678Z");
        await store.users.setPassword(user.pk, "pbkdf2_sha256$1000000$salt$hash", at);
        const after = await store.users.byPk(user.pk);
        expect(after?.passwordHash).toBe("pbkdf2_sha256$1000000$salt$hash");
        expect(after?.passwordChangeDate?.toISOString()).toBe(at.toISOString());
      });

      it("upgradePasswordHash is a compare-and-set", async () => {
        const user = await newUser({ passwordHash: "old" });
        expect(await store.users.upgradePasswordHash(user.pk, "stale", "new")).toBe(false);
        expect((await store.users.byPk(user.pk))?.passwordHash).toBe("old");
        expect(await store.users.upgradePasswordHash(user.pk, "old", "new")).toBe(true);
        expect((await store.users.byPk(user.pk))?.passwordHash).toBe("new");
        expect(await store.users.upgradePasswordHash(user.pk, "old", "newer")).toBe(false);
        // Not a password change: the change date stays as it was.
        expect((await store.users.byPk(user.pk))?.passwordChangeDate).toBeNull();
        // A user without a password never matches.
        const none = await newUser();
        expect(await store.users.upgradePasswordHash(none.pk, "", "x")).toBe(false);
      });

      it("concurrent upgrades of the same hash: exactly one wins", async () => {
        const user = await newUser({ passwordHash: "h0" });
        const results = await Promise.all(
          ["h1", "h2", "h3", "h4"].map((next) => store.users.upgradePasswordHash(user.pk, "h0", next)),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it("count counts users", async () => {
        const before = await store.users.count();
        await newUser();
        expect(await store.users.count()).toBe(before + 1);
      });
    });

    describe("groups", () => {
      it("creates groups with defaults and parents", async () => {
        const parent = await store.groups.create({ name: `parent-${uniq()}` });
        expect(parent).toMatchObject({ isSuperuser: false, attributes: {}, parentPks: [] });
        const other = await store.groups.create({ name: `other-${uniq()}`, isSuperuser: true, attributes: { k: 1 } });
        const child = await store.groups.create({ name: `child-${uniq()}`, parentPks: [parent.pk, other.pk] });
        expect(child.parentPks.sort()).toEqual([parent.pk, other.pk].sort());
        const found = await store.groups.byName(child.name);
        expect(found?.pk).toBe(child.pk);
        expect(found?.parentPks.sort()).toEqual([parent.pk, other.pk].sort());
        expect(await store.groups.byName(other.name)).toMatchObject({ isSuperuser: true, attributes: { k: 1 } });
        expect(await store.groups.byName(`missing-${uniq()}`)).toBeNull();
      });

      it("rejects duplicate names (ConflictError)", async () => {
        const group = await store.groups.create({ name: `dup-${uniq()}` });
        await expect(store.groups.create({ name: group.name })).rejects.toBeInstanceOf(ConflictError);
      });

      it("creating a group with an unknown parent leaves no group behind", async () => {
        const name = `orphan-${uniq()}`;
        await expect(
          store.groups.create({ name, parentPks: [crypto.randomUUID()] }),
        ).rejects.toBeInstanceOf(NotFoundError);
        expect(await store.groups.byName(name)).toBeNull();
      });

      it("adds members idempotently and lists a user's direct groups", async () => {
        const user = await newUser();
        const parent = await store.groups.create({ name: `p-${uniq()}` });
        const a = await store.groups.create({ name: `a-${uniq()}`, parentPks: [parent.pk] });
        const b = await store.groups.create({ name: `b-${uniq()}` });
        await store.groups.addMember(a.pk, user.pk);
        await store.groups.addMember(a.pk, user.pk);
        await store.groups.addMember(b.pk, user.pk);
        const groups = await store.groups.groupsOf(user.pk);
        expect(groups.map((g) => g.pk).sort()).toEqual([a.pk, b.pk].sort());
        expect(groups.find((g) => g.pk === a.pk)?.parentPks).toEqual([parent.pk]);
        expect(await store.groups.groupsOf((await newUser()).pk)).toEqual([]);
      });

      it("allGroupsOf: direct and inherited groups once each, by name, with their parent links", async () => {
        const u = uniq();
        const user = await newUser();
        // top ← left, right ← bottom (a diamond), plus an unrelated group and a second membership.
        const top = await store.groups.create({ name: `d-top-${u}`, attributes: { level: 0 } });
        const left = await store.groups.create({ name: `b-left-${u}`, parentPks: [top.pk] });
        const right = await store.groups.create({ name: `c-right-${u}`, parentPks: [top.pk] });
        const bottom = await store.groups.create({ name: `a-bottom-${u}`, parentPks: [left.pk, right.pk] });
        const other = await store.groups.create({ name: `e-other-${u}` });
        await store.groups.create({ name: `f-unrelated-${u}` });
        await store.groups.addMember(bottom.pk, user.pk);
        await store.groups.addMember(other.pk, user.pk);
        const all = await store.policies.allGroupsOf(user.pk);
        expect(all.map((g) => g.name)).toEqual([bottom, left, right, top, other].map((g) => g.name));
        expect(all.find((g) => g.pk === bottom.pk)?.parentPks.sort()).toEqual([left.pk, right.pk].sort());
        expect(all.find((g) => g.pk === left.pk)?.parentPks).toEqual([top.pk]);
        expect(all.find((g) => g.pk === top.pk)).toEqual({ pk: top.pk, name: top.name, isSuperuser: false, attributes: { level: 0 }, parentPks: [] });
        expect(await store.policies.allGroupsOf((await newUser()).pk)).toEqual([]);
        expect(await store.policies.allGroupsOf(2_000_000_000)).toEqual([]);
      });

      it("addMember with an unknown group or user throws NotFoundError", async () => {
        const user = await newUser();
        const group = await store.groups.create({ name: `g-${uniq()}` });
        await expect(store.groups.addMember(crypto.randomUUID(), user.pk)).rejects.toBeInstanceOf(NotFoundError);
        await expect(store.groups.addMember("not-a-uuid", user.pk)).rejects.toBeInstanceOf(NotFoundError);
        await expect(store.groups.addMember(group.pk, 2_000_000_000)).rejects.toBeInstanceOf(NotFoundError);
      });
    });

    describe("tokens", () => {
      it("stores only the SHA-256 of the key and finds the token by key", async () => {
        const user = await newUser();
        const key = `secret-${crypto.randomUUID()}`;
        const token = await store.tokens.create({
          identifier: `tok-${uniq()}`,
          intent: "api",
          userPk: user.pk,
          key,
          description: "for tests",
          expiring: false,
        });
        expect(token.keyHash).toBe(await sha256Hex(key));
        expect(JSON.stringify(token)).not.toContain(key);
        expect(token).toMatchObject({ intent: "api", userPk: user.pk, description: "for tests", expiring: false, expires: null });
        expect(await store.tokens.byKey(key)).toEqual(token);
        expect(await store.tokens.byKey(key, "api")).toEqual(token);
        expect(await store.tokens.byKey(key, "recovery")).toBeNull();
        expect(await store.tokens.byKey(`${key}x`)).toBeNull();
        expect(await store.tokens.byKey(token.keyHash)).toBeNull();
      });

      it("finds tokens by identifier and rejects duplicate identifiers", async () => {
        const user = await newUser();
        const identifier = `ident-${uniq()}`;
        const expires = new Date("2099-05-06T07:08:09.123Z");
        const token = await store.tokens.create({ identifier, intent: "recovery", userPk: user.pk, key: crypto.randomUUID(), expires });
        expect(token).toMatchObject({ expiring: true, description: "" });
        expect(token.expires?.toISOString()).toBe(expires.toISOString());
        expect(await store.tokens.byIdentifier(identifier)).toEqual(token);
        expect(await store.tokens.byIdentifier(`nope-${uniq()}`)).toBeNull();
        await expect(
          store.tokens.create({ identifier, intent: "api", userPk: user.pk, key: crypto.randomUUID() }),
        ).rejects.toBeInstanceOf(ConflictError);
      });

      it("rejects a token for an unknown user (NotFoundError)", async () => {
        await expect(
          store.tokens.create({ identifier: `t-${uniq()}`, intent: "api", userPk: 2_000_000_000, key: "k" }),
        ).rejects.toBeInstanceOf(NotFoundError);
      });

      it("deleteExpired removes expiring tokens past their expiry only", async () => {
        const user = await newUser();
        const now = new Date("2001-06-01T00:00:00Z");
        const mk = (expiring: boolean, expires: Date | null) =>
          store.tokens.create({ identifier: `exp-${uniq()}`, intent: "verification", userPk: user.pk, key: crypto.randomUUID(), expiring, expires });
        const gone1 = await mk(true, new Date("2001-05-31T00:00:00Z"));
        const gone2 = await mk(true, new Date("2001-05-31T23:59:59Z"));
        const keptFuture = await mk(true, new Date("2001-06-02T00:00:00Z"));
        const keptNonExpiring = await mk(false, new Date("2001-01-01T00:00:00Z"));
        const keptNoDate = await mk(true, null);
        expect(await store.tokens.deleteExpired(now)).toBe(2);
        expect(await store.tokens.byIdentifier(gone1.identifier)).toBeNull();
        expect(await store.tokens.byIdentifier(gone2.identifier)).toBeNull();
        for (const kept of [keptFuture, keptNonExpiring, keptNoDate]) {
          expect(await store.tokens.byIdentifier(kept.identifier)).not.toBeNull();
        }
        expect(await store.tokens.deleteExpired(now)).toBe(0);
      });
    });

    describe("sessions", () => {
      it("creates, finds, touches and deletes sessions", async () => {
        const user = await newUser();
        const keyHash = await sha256Hex(crypto.randomUUID());
        const session = await store.sessions.create({ sessionKeyHash: keyHash, userPk: user.pk, lastIp: "192.0.2.1", lastUserAgent: "UA/1", expires: FUTURE });
        expect(session).toMatchObject({ sessionKeyHash: keyHash, userPk: user.pk, lastIp: "192.0.2.1", lastUserAgent: "UA/1" });
        expect(session.lastUsed).toBeInstanceOf(Date);
        expect(await store.sessions.byKeyHash(keyHash)).toEqual(session);
        expect(await store.sessions.byKeyHash(await sha256Hex("other"))).toBeNull();

        const at = new Date("2030-01-01T00:00:00.5Z");
        await store.sessions.touch(session.uuid, at, "2001:db8::1", "UA/2");
        expect(await store.sessions.byKeyHash(keyHash)).toMatchObject({ lastUsed: at, lastIp: "2001:db8::1", lastUserAgent: "UA/2" });
        await store.sessions.touch("not-a-uuid", at, "x", "y");

        await store.sessions.delete(session.uuid);
        expect(await store.sessions.byKeyHash(keyHash)).toBeNull();
        await store.sessions.delete(session.uuid);
        await store.sessions.delete("not-a-uuid");
      });

      it("rejects a duplicate key hash and an unknown user", async () => {
        const user = await newUser();
        const sessionKeyHash = await sha256Hex(crypto.randomUUID());
        const s = { sessionKeyHash, userPk: user.pk, lastIp: "", lastUserAgent: "", expires: FUTURE };
        await store.sessions.create(s);
        await expect(store.sessions.create(s)).rejects.toBeInstanceOf(ConflictError);
        await expect(
          store.sessions.create({ ...s, sessionKeyHash: `${sessionKeyHash}0`, userPk: 2_000_000_000 }),
        ).rejects.toBeInstanceOf(NotFoundError);
      });

      it("deleteOthers ends a user's other sessions only", async () => {
        const [a, b] = [await newUser(), await newUser()];
        const mk = async (userPk: number) =>
          store.sessions.create({ sessionKeyHash: await sha256Hex(crypto.randomUUID()), userPk, lastIp: "", lastUserAgent: "", expires: FUTURE });
        const keep = await mk(a.pk);
        const other = await mk(a.pk);
        const foreign = await mk(b.pk);
        expect(await store.sessions.deleteOthers(a.pk, keep.uuid)).toEqual([other.sessionKeyHash]);
        expect(await store.sessions.byKeyHash(keep.sessionKeyHash)).not.toBeNull();
        expect(await store.sessions.byKeyHash(other.sessionKeyHash)).toBeNull();
        expect(await store.sessions.byKeyHash(foreign.sessionKeyHash)).not.toBeNull();
      });

      it("deleteExpired removes sessions past their expiry only", async () => {
        const user = await newUser();
        const now = new Date("2002-06-01T00:00:00Z");
        const mk = async (expires: Date) =>
          store.sessions.create({ sessionKeyHash: await sha256Hex(crypto.randomUUID()), userPk: user.pk, lastIp: "", lastUserAgent: "", expires });
        const gone = await mk(new Date("2002-05-31T23:59:59.999Z"));
        const kept = await mk(new Date("2002-06-01T00:00:00.001Z"));
        expect(await store.sessions.deleteExpired(now)).toBe(1);
        expect(await store.sessions.byKeyHash(gone.sessionKeyHash)).toBeNull();
        expect(await store.sessions.byKeyHash(kept.sessionKeyHash)).not.toBeNull();
        expect(await store.sessions.deleteExpired(now)).toBe(0);
      });
    });

    describe("events", () => {
      it("creates events with defaults and finds them by pk", async () => {
        const event = await store.events.create({ action: "login", expires: FUTURE });
        expect(event).toMatchObject({ action: "login", user: {}, app: "", context: {}, clientIp: null, brand: {}, processedAt: null });
        expect(event.created).toBeInstanceOf(Date);
        expect(await store.events.byPk(event.pk)).toEqual(event);
        expect(await store.events.byPk(crypto.randomUUID())).toBeNull();
        expect(await store.events.byPk("not-a-uuid")).toBeNull();

        const full = await store.events.create({
          action: "model_created",
          user: { pk: 1, username: "akadmin" },
          app: "threshold.core",
          context: { model: { app: "core", name: "user" }, n: 1.5 },
          clientIp: "203.0.113.9",
          brand: { pk: "b", domain: "example.com" },
          expires: FUTURE,
        });
        expect(await store.events.byPk(full.pk)).toEqual(full);
        expect(full.context).toEqual({ model: { app: "core", name: "user" }, n: 1.5 });
      });

      it("markProcessed succeeds once (idempotent)", async () => {
        const event = await store.events.create({ action: "login_failed", expires: FUTURE });
        const first = new Date("2030-02-02T00:00:00Z");
        expect(await store.events.markProcessed(event.pk, first)).toBe(true);
        expect(await store.events.markProcessed(event.pk, new Date("2031-01-01T00:00:00Z"))).toBe(false);
        expect((await store.events.byPk(event.pk))?.processedAt?.toISOString()).toBe(first.toISOString());
        expect(await store.events.markProcessed(crypto.randomUUID(), first)).toBe(false);
        expect(await store.events.markProcessed("not-a-uuid", first)).toBe(false);
      });

      it("listUnprocessed returns old unprocessed events, oldest first", async () => {
        const a = await store.events.create({ action: "outbox_a", expires: FUTURE });
        await new Promise((r) => setTimeout(r, 3)); // distinct timestamps on PGlite's millisecond clock
        const b = await store.events.create({ action: "outbox_b", expires: FUTURE });
        const done = await store.events.create({ action: "outbox_done", expires: FUTURE });
        await store.events.markProcessed(done.pk, new Date());
        const later = new Date(Date.now() + 60_000);
        const pending = (await store.events.listUnprocessed(later, 1000)).filter((e) => e.action.startsWith("outbox_"));
        expect(pending.map((e) => e.pk)).toEqual([a.pk, b.pk]);
        expect(await store.events.listUnprocessed(new Date(a.created.getTime() - 1000), 1000)).not.toContainEqual(expect.objectContaining({ pk: a.pk }));
        expect(await store.events.listUnprocessed(later, 1)).toHaveLength(1);
      });

      it("concurrent markProcessed: exactly one wins", async () => {
        const event = await store.events.create({ action: "email_sent", expires: FUTURE });
        const results = await Promise.all([1, 2, 3, 4].map(() => store.events.markProcessed(event.pk, new Date())));
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it("deleteExpired removes events past retention only", async () => {
        const now = new Date("2003-06-01T00:00:00Z");
        const gone = await store.events.create({ action: "logout", expires: new Date("2003-05-01T00:00:00Z") });
        const kept = await store.events.create({ action: "logout", expires: new Date("2003-07-01T00:00:00Z") });
        expect(await store.events.deleteExpired(now)).toBe(1);
        expect(await store.events.byPk(gone.pk)).toBeNull();
        expect(await store.events.byPk(kept.pk)).not.toBeNull();
        expect(await store.events.deleteExpired(now)).toBe(0);
      });

      it("lists newest first, with a limit and an action filter", async () => {
        const action = `test_list_${uniq()}`;
        const created = [];
        for (let i = 0; i < 3; i++) {
          created.push(await store.events.create({ action, context: { i }, expires: FUTURE }));
          // PGlite's clock has millisecond resolution: equal timestamps would have no defined order
          await new Promise((r) => setTimeout(r, 3));
        }
        const listed = await store.events.list({ limit: 2, action });
        expect(listed.map((e) => e.context.i)).toEqual([2, 1]);
        expect((await store.events.list({ limit: 10, action })).map((e) => e.pk)).toEqual(created.map((e) => e.pk).reverse());
        const unfiltered = await store.events.list({ limit: 2 });
        expect(unfiltered).toHaveLength(2);
        expect(unfiltered[0]!.created.getTime()).toBeGreaterThanOrEqual(unfiltered[1]!.created.getTime());
      });
    });

    describe("transactions", () => {
      it("commits every write together and returns the callback's value", async () => {
        const name = `tx-${uniq()}`;
        const result = await store.transaction(async (tx) => {
          const user = await tx.users.create({ username: name });
          const group = await tx.groups.create({ name });
          await tx.groups.addMember(group.pk, user.pk);
          await tx.events.create({ action: "model_created", context: { name }, expires: FUTURE });
          return user.pk;
        });
        expect((await store.users.byUsername(name))?.pk).toBe(result);
        expect((await store.groups.groupsOf(result)).map((g) => g.name)).toEqual([name]);
      });

      it("a callback that throws halfway leaves no rows and rethrows", async () => {
        const names = [`roll-a-${uniq()}`, `roll-b-${uniq()}`];
        const before = await store.users.count();
        const boom = new Error("boom");
        await expect(
          store.transaction(async (tx) => {
            for (const username of names) await tx.users.create({ username });
            await tx.groups.create({ name: names[0]!, parentPks: [] });
            expect(await tx.users.byUsername(names[1]!)).not.toBeNull(); // visible inside
            throw boom;
          }),
        ).rejects.toBe(boom);
        for (const username of names) expect(await store.users.byUsername(username)).toBeNull();
        expect(await store.groups.byName(names[0]!)).toBeNull();
        expect(await store.users.count()).toBe(before);
      });

      it("a constraint violation halfway rolls back the earlier writes", async () => {
        const existing = await newUser();
        const first = `viol-${uniq()}`;
        await expect(
          store.transaction(async (tx) => {
            await tx.users.create({ username: first });
            await tx.users.create({ username: existing.username });
          }),
        ).rejects.toBeInstanceOf(ConflictError);
        expect(await store.users.byUsername(first)).toBeNull();
      });

      it("a caught failure inside a nested write keeps the transaction usable", async () => {
        // groups.create runs in a savepoint inside the outer transaction.
        const name = `nested-${uniq()}`;
        await store.transaction(async (tx) => {
          await tx.groups.create({ name });
          await expect(tx.groups.create({ name: `${name}-bad`, parentPks: [crypto.randomUUID()] })).rejects.toBeInstanceOf(NotFoundError);
          await tx.users.create({ username: name });
        });
        expect(await store.groups.byName(name)).not.toBeNull();
        expect(await store.groups.byName(`${name}-bad`)).toBeNull();
        expect(await store.users.byUsername(name)).not.toBeNull();
      });
    });

    it("ping succeeds while connected", async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
