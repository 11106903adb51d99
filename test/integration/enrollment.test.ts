import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/core/encoding.js";
import { enrollmentEnv, createPromptField, type EnrollmentEnv } from "../support/enrollment.js";
import { seedFlow } from "../support/flows.js";

const SETUP = "initial-setup";
const ENROLL = "default-invitation-enrollment-flow";

describe("enrollment and setup stages (default blueprints, PGlite, executor API)", () => {
  let env: EnrollmentEnv;
  beforeAll(async () => {
    env = await enrollmentEnv();
  });
  afterAll(async () => {
    await env.deps.queue.drain();
    await env.deps.store.close();
  });

  describe("initial setup", () => {
    it("validates, sets akadmin's email and password, logs in, then is locked", async () => {
      const { deps } = env;
      const c = env.client();
      const first = await c.get(SETUP);
      expect(first.body).toMatchObject({ component: "ak-stage-prompt", pending_user: "akadmin" });
      const keys = (first.body.fields as Array<{ field_key: string }>).map((f) => f.field_key);
      expect(keys).toEqual(["oobe-header-text", "email", "password", "password_repeat"]);

      const mismatch = await c.post(SETUP, { component: "ak-stage-prompt", email: "admin@example.com", password: "a-long-pass", password_repeat: "other" });
      expect(mismatch.body).toMatchObject({ component: "ak-stage-prompt", response_errors: { non_field_errors: [{ string: "Passwords don't match." }] } });

      const invalid = await c.post(SETUP, { component: "ak-stage-prompt", email: "not-an-email", password: "x" });
      expect(invalid.body.response_errors).toMatchObject({
        email: [{ string: "Enter a valid email address.", code: "invalid" }],
        password_repeat: [{ code: "required" }],
      });

      const done = await c.post(SETUP, { component: "ak-stage-prompt", email: "admin@example.com", password: "a-long-pass", password_repeat: "a-long-pass" });
      expect(done.body).toEqual({ component: "xak-flow-redirect", to: "/if/user/" });
      const admin = (await deps.store.users.byUsername("akadmin"))!;
      expect(admin.email).toBe("admin@example.com");
      expect((await deps.passwords.verify("a-long-pass", admin.passwordHash!)).valid).toBe(true);
      expect(admin.attributes).toEqual({}); // password_repeat is never written
      const session = await deps.store.sessions.byKeyHash(await sha256Hex(c.jar.get("authentik_session")!));
      expect(session?.userPk).toBe(admin.pk);
      expect((await deps.store.events.list({ limit: 5, action: "password_set" }))[0]?.user).toMatchObject({ username: "akadmin" });

      const again = await env.client().get(SETUP);
      expect(again.body).toMatchObject({ component: "ak-stage-access-denied" });
    });
  });

  describe("prompt", () => {
    it("checks required fields, types, unique usernames, choices and validation policies", async () => {
      const { deps } = env;
      await deps.store.users.create({ username: "taken" });
      const policy = await deps.store.policies.create({
        name: "no-admins-in-names",
        type: "expression",
        config: { expression: '!request.context.prompt_data.name.contains("admin") || (ak_message("Names may not contain admin.") && false)' },
      });
      const fields = [
        await createPromptField(deps, { field_key: "username", label: "Username", type: "username", order: 0 }),
        await createPromptField(deps, { field_key: "name", label: "Name", type: "text", order: 1 }),
        await createPromptField(deps, { field_key: "age", label: "Age", type: "number", required: false, order: 2 }),
        await createPromptField(deps, { field_key: "color", label: "Colour", type: "dropdown", placeholder: ["red", "blue"], order: 3 }),
        await createPromptField(deps, { field_key: "tos", label: "Terms", type: "checkbox", required: false, order: 4 }),
        await createPromptField(deps, { field_key: "source", type: "hidden", initial_value: "web", order: 5 }),
        await createPromptField(deps, { field_key: "born", type: "date", required: false, order: 6 }),
      ];
      await seedFlow(deps, { slug: "prompt-test", designation: "enrollment", stages: [{ type: "prompt", config: { fields, validation_policies: [policy.pk] } }, { type: "dummy" }] });
      const c = env.client();
      const shown = await c.get("prompt-test");
      expect(shown.body.fields).toHaveLength(7);
      expect((shown.body.fields as Array<Record<string, unknown>>)[3]).toMatchObject({ field_key: "color", choices: ["red", "blue"] });

      const bad = await c.post("prompt-test", { component: "ak-stage-prompt", username: "TAKEN", name: "", age: "x", color: "green", born: "31.12.2000" });
      expect(bad.body.response_errors).toMatchObject({
        username: [{ string: "Username is already taken." }],
        name: [{ code: "blank" }],
        age: [{ string: "A valid integer is required." }],
        color: [{ code: "invalid_choice" }],
        born: [{ code: "invalid" }],
      });

      const denied = await c.post("prompt-test", { component: "ak-stage-prompt", username: "newbie", name: "the admin", color: "red" });
      expect(denied.body.response_errors).toEqual({ non_field_errors: [{ string: "Names may not contain admin.", code: "invalid" }] });

      const ok = await c.post("prompt-test", { component: "ak-stage-prompt", username: "newbie", name: "Newbie", color: "red", age: "42", tos: true, source: "forged" });
      expect(ok.body).toMatchObject({ component: "ak-stage-dummy" });
    });
  });

  describe("invitation enrollment (default blueprint)", () => {
    const answers = (username: string) => ({
      component: "ak-stage-prompt",
      username,
      name: `User ${username}`,
      email: `${username}@example.com`,
      password: "enrol-pass-123",
      password_repeat: "enrol-pass-123",
    });

    it("creates and logs in a user; fixed_data applied; a single-use invitation works once", async () => {
      const { deps } = env;
      const flow = (await deps.store.flows.bySlug(ENROLL))!;
      const invite = await deps.store.enrollment.createInvitation({
        name: "once",
        flowPk: flow.pk,
        singleUse: true,
        fixedData: { attributes: { department: "Engineering" } },
      });
      const c = env.client();
      const shown = await c.get(ENROLL, `itoken=${invite.pk}`);
      expect(shown.body).toMatchObject({ component: "ak-stage-prompt" });
      const done = await c.post(ENROLL, answers("carol"), { query: `itoken=${invite.pk}` });
      expect(done.body).toEqual({ component: "xak-flow-redirect", to: "/if/user/" });
      const carol = (await deps.store.users.byUsername("carol"))!;
      expect(carol).toMatchObject({ email: "carol@example.com", name: "User carol", type: "internal", isActive: true, attributes: { department: "Engineering" } });
      expect((await deps.passwords.verify("enrol-pass-123", carol.passwordHash!)).valid).toBe(true);
      expect(await deps.store.enrollment.validInvitation(invite.pk, deps.clock.now())).toBeNull();
      expect((await deps.store.events.list({ limit: 1, action: "invitation_used" }))[0]?.context).toMatchObject({ invitation_name: "once" });

      const reuse = await env.client().get(ENROLL, `itoken=${invite.pk}`);
      expect(reuse.body).toMatchObject({ component: "ak-stage-access-denied", error_message: "Invalid invite/invite not found" });
    });

    it("without, with a malformed, an expired or another flow's invitation: denied", async () => {
      const { deps } = env;
      const expired = await deps.store.enrollment.createInvitation({ name: "old", expires: new Date(deps.clock.now().getTime() - 1000) });
      const other = await deps.store.enrollment.createInvitation({ name: "other-flow", flowPk: (await deps.store.flows.bySlug(SETUP))!.pk });
      for (const query of ["", "itoken=nope", `itoken=${expired.pk}`, `itoken=${other.pk}`]) {
        const r = await env.client().get(ENROLL, query);
        expect(r.body, query).toMatchObject({ component: "ak-stage-access-denied" });
      }
    });

    it("concurrent uses of a single-use invitation: exactly one wins", async () => {
      const { deps } = env;
      const invite = await deps.store.enrollment.createInvitation({ name: "race", singleUse: true });
      const results = await Promise.all([1, 2, 3, 4].map(() => env.client().get(ENROLL, `itoken=${invite.pk}`)));
      expect(results.filter((r) => r.body.component === "ak-stage-prompt")).toHaveLength(1);
      expect(results.filter((r) => r.body.component === "ak-stage-access-denied")).toHaveLength(3);
    });

    it("a multi-use invitation enrols several users; a duplicate username is a field error", async () => {
      const { deps } = env;
      const invite = await deps.store.enrollment.createInvitation({ name: "many" });
      for (const name of ["dave", "erin"]) {
        const c = env.client();
        await c.get(ENROLL, `itoken=${invite.pk}`);
        const r = await c.post(ENROLL, answers(name), { query: `itoken=${invite.pk}` });
        expect(r.body.component).toBe("xak-flow-redirect");
      }
      const c = env.client();
      await c.get(ENROLL, `itoken=${invite.pk}`);
      const dup = await c.post(ENROLL, answers("Dave"), { query: `itoken=${invite.pk}` });
      expect(dup.body.response_errors).toMatchObject({ username: [{ string: "Username is already taken." }] });
    });
  });

  describe("user_write and user_delete", () => {
    async function run(slug: string, stages: Parameters<typeof seedFlow>[1]["stages"], data: Record<string, unknown>) {
      const { deps } = env;
      const field = await createPromptField(deps, { field_key: "username", type: "text", required: false });
      await seedFlow(deps, { slug, designation: "enrollment", stages: [{ type: "prompt", config: { fields: [field] } }, ...stages] });
      const c = env.client();
      await c.get(slug);
      return { c, reply: await c.post(slug, { component: "ak-stage-prompt", ...data }) };
    }

    it("create_when_required creates inactive users in a group, with type, path and attributes", async () => {
      const { deps } = env;
      const group = await deps.store.groups.create({ name: "enrolled" });
      const { reply } = await run(
        "write-create",
        [{ type: "user_write", config: { create_users_as_inactive: true, create_users_group: group.pk, user_type: "external", user_path_template: "users/ext" } }, { type: "dummy" }],
        { username: "frank" },
      );
      expect(reply.body.component).toBe("ak-stage-dummy");
      const frank = (await deps.store.users.byUsername("frank"))!;
      expect(frank).toMatchObject({ isActive: false, type: "external", path: "users/ext" });
      expect((await deps.store.groups.groupsOf(frank.pk)).map((g) => g.name)).toEqual(["enrolled"]);
    });

    it("never_create without a pending user is denied; an existing user is updated in place", async () => {
      const { deps } = env;
      const { reply } = await run("write-never", [{ type: "user_write", config: { user_creation_mode: "never_create" } }], { username: "ghost" });
      expect(reply.body).toMatchObject({ component: "ak-stage-access-denied", error_message: "No user found and can't create new user." });
      expect(await deps.store.users.byUsername("ghost")).toBeNull();
    });

    it("writes attributes.* keys nested and always_create ignores the pending user", async () => {
      const { deps } = env;
      const fields = [
        await createPromptField(deps, { field_key: "username", type: "text" }),
        await createPromptField(deps, { field_key: "attributes.settings.locale", type: "text" }),
        await createPromptField(deps, { field_key: "nickname", type: "text" }),
      ];
      await seedFlow(deps, {
        slug: "write-attrs",
        designation: "enrollment",
        stages: [{ type: "prompt", config: { fields } }, { type: "user_write", config: { user_creation_mode: "always_create" } }, { type: "dummy" }],
      });
      const c = env.client();
      await c.get("write-attrs");
      const r = await c.post("write-attrs", { component: "ak-stage-prompt", username: "gina", "attributes.settings.locale": "de", nickname: "gi" });
      expect(r.body.component).toBe("ak-stage-dummy");
      expect((await deps.store.users.byUsername("gina"))!.attributes).toEqual({ settings: { locale: "de" }, nickname: "gi" });
    });

    it("user_delete removes the pending user", async () => {
      const { deps } = env;
      const { reply } = await run("write-then-delete", [{ type: "user_write" }, { type: "user_delete" }], { username: "harry" });
      expect(reply.body).toEqual({ component: "xak-flow-redirect", to: "/if/user/" });
      expect(await deps.store.users.byUsername("harry")).toBeNull();
      const none = await seedFlow(deps, { slug: "delete-nobody", stages: [{ type: "user_delete" }] });
      expect((await env.client().get(none.flow.slug)).body).toMatchObject({ component: "ak-stage-access-denied", error_message: "No Pending User." });
    });
  });
});
