/** The Postgres blueprint applier on PGlite: state semantics, rollback, skipped models, updates. */
import { readFileSync } from "node:fs";
import { count, eq } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyBlueprint } from "../../src/adapters/postgres/blueprints.js";
import { migratePglite } from "../../src/adapters/postgres/migrate.js";
import { createPgliteStore } from "../../src/adapters/postgres/pglite.js";
import type { DrizzleStore } from "../../src/adapters/postgres/store.js";
import { parseBlueprint } from "../../src/blueprints/parse.js";
import { BlueprintEntryError } from "../../src/blueprints/types.js";
import * as s from "../../src/db/schema/index.js";

const fixture = (name: string) =>
  parseBlueprint(readFileSync(new URL(`../fixtures/blueprints/${name}`, import.meta.url), "utf8"));

let store: DrizzleStore;
beforeAll(async () => {
  store = await createPgliteStore();
  await migratePglite(store);
});
afterAll(() => store?.close());

const n = async (t: PgTable) => (await store.db.select({ n: count() }).from(t))[0]!.n;
const snapshot = async () => ({
  flows: await n(s.flows),
  stages: await n(s.stages),
  bindings: await n(s.flowStageBindings),
  pbms: await n(s.policyBindingModels),
  policies: await n(s.policies),
  groups: await n(s.groups),
  users: await n(s.users),
});
const apply = (yaml: string, opts?: Parameters<typeof applyBlueprint>[2]) =>
  applyBlueprint(store.db, parseBlueprint(`version: 1\nentries:\n${yaml}`), opts);
const failure = async (p: Promise<unknown>): Promise<BlueprintEntryError> => {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(BlueprintEntryError);
    return e as BlueprintEntryError;
  }
  throw new Error("expected the blueprint to fail");
};

describe("a failing entry rolls back the whole blueprint", () => {
  it("KeyOf to a missing id: nothing applied, the error names the entry", async () => {
    const before = await snapshot();
    const e = await failure(applyBlueprint(store.db, fixture("broken-keyof.yaml")));
    expect(e.entryIndex).toBe(2);
    expect(e.model).toBe("authentik_flows.flowstagebinding");
    expect(e.message).toMatch(/^entry 2 \(authentik_flows\.flowstagebinding .*\): .*no earlier entry with id "no-such-stage"/);
    expect(await snapshot()).toEqual(before);
  });

  it("binding to a stage that does not exist: nothing applied", async () => {
    const before = await snapshot();
    const e = await failure(applyBlueprint(store.db, fixture("broken-binding.yaml")));
    expect(e.entryIndex).toBe(1);
    expect(e.model).toBe("authentik_flows.flowstagebinding");
    expect(e.identifiers).toMatchObject({ order: 0, stage: "00000000-0000-4000-8000-000000000000" });
    expect(e.message).toMatch(/does not exist/);
    expect(await snapshot()).toEqual(before);
    expect(await store.db.select().from(s.flows).where(eq(s.flows.slug, "fixture-broken-binding"))).toEqual([]);
  });
});

it("an authentik blueprint with models we lack applies where the models exist", async () => {
  const r = await applyBlueprint(store.db, fixture("authentik-unknown-models.yaml"));
  expect(r.created).toBe(3);
  expect(r.skipped).toEqual([
    { index: 0, model: "authentik_blueprints.metaapplyblueprint", reason: expect.stringMatching(/not supported/) },
    { index: 2, model: "authentik_sources_oauth.oauthsource", reason: expect.stringMatching(/not supported/) },
    { index: 3, model: "authentik_stages_source.sourcestage", reason: expect.stringMatching(/not supported/) },
    { index: 4, model: "authentik_flows.flowstagebinding", reason: 'references entry "source-stage", which was skipped' },
  ]);
  const [flow] = await store.db.select().from(s.flows).where(eq(s.flows.slug, "fixture-enrollment"));
  expect(await store.db.select().from(s.flowStageBindings).where(eq(s.flowStageBindings.targetId, flow!.flowUuid))).toHaveLength(1);
});

describe("state", () => {
  const group = (state: string, attrs = "{is_superuser: false}") =>
    `  - model: authentik_core.group\n    state: ${state}\n    identifiers: {name: state-group}\n    attrs: ${attrs}\n`;

  it("present creates, then updates only what differs, then changes nothing", async () => {
    expect(await apply(group("present", "{attributes: {a: 1}}"))).toMatchObject({ created: 1, updated: 0 });
    expect(await apply(group("present", "{attributes: {a: 2}}"))).toMatchObject({ created: 0, updated: 1 });
    expect(await apply(group("present", "{attributes: {a: 2}}"))).toMatchObject({ created: 0, updated: 0, unchanged: 1 });
    const [g] = await store.db.select().from(s.groups).where(eq(s.groups.name, "state-group"));
    expect(g!.attributes).toEqual({ a: 2 });
  });

  it("created leaves an existing object alone", async () => {
    expect(await apply(group("created", "{is_superuser: true}"))).toMatchObject({ created: 0, updated: 0, unchanged: 1 });
    const [g] = await store.db.select().from(s.groups).where(eq(s.groups.name, "state-group"));
    expect(g!.isSuperuser).toBe(false);
  });

  it("must_created fails when the object exists", async () => {
    const e = await failure(apply(group("must_created")));
    expect(e.entryIndex).toBe(0);
    expect(e.message).toMatch(/authentik_core\.group \{"name":"state-group"\}\): .*already exists/);
  });

  it("absent deletes; a flow takes its bindings along", async () => {
    expect(await apply(group("absent"))).toMatchObject({ deleted: 1 });
    expect(await apply(group("absent"))).toMatchObject({ deleted: 0 });
    const flow = `  - model: authentik_flows.flow\n    state: absent\n    identifiers: {slug: fixture-enrollment}\n`;
    const bindings = await n(s.flowStageBindings);
    expect(await apply(flow)).toMatchObject({ deleted: 1 });
    expect(await n(s.flowStageBindings)).toBe(bindings - 1);
  });
});

it("stage config updates merge; conditions, Env and Context come from the options", async () => {
  const yaml = `  - model: authentik_stages_password.passwordstage
    id: pw
    conditions: [!Context enabled]
    identifiers: {name: ctx-password}
    attrs:
      failed_attempts_before_cancel: !Context [attempts, 5]
      backends: [!Env BACKEND]
  - model: authentik_stages_deny.denystage
    conditions: [!Condition [NOT_USED_AND, true]]
`;
  await expect(async () => apply(yaml)).rejects.toThrow(/mode must be/);
  const ok = yaml.replace("!Condition [NOT_USED_AND, true]", "false").concat("    identifiers: {name: never}\n");
  const r = await apply(ok, { env: (k) => (k === "BACKEND" ? "inbuilt" : undefined), context: { enabled: true } });
  expect(r).toMatchObject({ created: 1, skipped: [{ index: 1, reason: "conditions evaluated to false" }] });
  const [stage] = await store.db.select().from(s.stages).where(eq(s.stages.name, "ctx-password"));
  expect(stage).toMatchObject({ type: "password", config: { failed_attempts_before_cancel: 5, backends: ["inbuilt"] } });
  // A partial update keeps the other config keys.
  const r2 = await apply(
    `  - model: authentik_stages_password.passwordstage\n    identifiers: {name: ctx-password}\n    attrs: {allow_show_password: true}\n`,
  );
  expect(r2).toMatchObject({ updated: 1 });
  const [after] = await store.db.select().from(s.stages).where(eq(s.stages.name, "ctx-password"));
  expect(after!.config).toEqual({ failed_attempts_before_cancel: 5, backends: ["inbuilt"], allow_show_password: true });
  const skipped = await apply(ok, { context: { enabled: false } });
  expect(skipped.skipped.map((x) => x.index)).toEqual([0, 1]);
});

it("users, groups, applications and policy bindings (pk identifiers, many-to-many lists)", async () => {
  const yaml = `  - model: authentik_core.group
    id: admins
    identifiers: {name: bp-admins}
    attrs: {is_superuser: true}
  - model: authentik_core.group
    id: staff
    identifiers: {name: bp-staff}
    attrs: {parents: [!KeyOf admins]}
  - model: authentik_core.user
    id: alice
    identifiers: {username: bp-alice}
    attrs: {name: Alice, email: alice@example.com, password: ignored, groups: [!KeyOf staff, !KeyOf admins]}
  - model: authentik_core.application
    id: app
    identifiers: {slug: bp-app}
    attrs: {name: App, policy_engine_mode: all, meta_launch_url: !Format ["https://%s/", !Env HOST]}
  - model: authentik_policies.policybinding
    identifiers: {target: !KeyOf app, group: !KeyOf staff, order: 0}
  - model: authentik_policies.policybinding
    identifiers: {target: !KeyOf app, user: !KeyOf alice, order: 1}
    attrs: {negate: true}
`;
  const env = (k: string) => (k === "HOST" ? "app.example.com" : undefined);
  expect(await apply(yaml, { env })).toMatchObject({
    created: 6,
    updated: 0,
    skipped: [],
    ignored: [{ index: 2, model: "authentik_core.user", attrs: ["password"] }],
  });
  expect(await apply(yaml, { env })).toMatchObject({ created: 0, updated: 0, unchanged: 6 });
  const [alice] = await store.db.select().from(s.users).where(eq(s.users.username, "bp-alice"));
  expect(alice).toMatchObject({ name: "Alice", password: null });
  expect(await store.db.select().from(s.groupMemberships).where(eq(s.groupMemberships.userId, alice!.id))).toHaveLength(2);
  const [app] = await store.db.select().from(s.applications).where(eq(s.applications.slug, "bp-app"));
  expect(app!.metaLaunchUrl).toBe("https://app.example.com/");
  const [pbm] = await store.db.select().from(s.policyBindingModels).where(eq(s.policyBindingModels.pbmUuid, app!.pbmUuid));
  expect(pbm!.policyEngineMode).toBe("all");
  const bindings = await store.db.select().from(s.policyBindings).where(eq(s.policyBindings.targetId, app!.pbmUuid));
  expect(bindings.map((b) => [b.order, b.negate, b.userId ?? b.groupId])).toEqual(
    expect.arrayContaining([[1, true, alice!.id]]),
  );
  // Identified by pk: renames the group, drops the user from one group.
  const [staff] = await store.db.select().from(s.groups).where(eq(s.groups.name, "bp-staff"));
  const [admins] = await store.db.select().from(s.groups).where(eq(s.groups.name, "bp-admins"));
  const r = await apply(`  - model: authentik_core.group
    identifiers: {pk: ${staff!.groupUuid}}
    attrs: {name: bp-staff-renamed}
  - model: authentik_core.user
    identifiers: {pk: ${alice!.id}}
    attrs: {groups: [${admins!.groupUuid}]}
`);
  expect(r).toMatchObject({ updated: 2, created: 0 });
  const [renamed] = await store.db.select().from(s.groups).where(eq(s.groups.groupUuid, staff!.groupUuid));
  expect(renamed!.name).toBe("bp-staff-renamed");
  expect(await store.db.select().from(s.groupMemberships).where(eq(s.groupMemberships.userId, alice!.id))).toEqual([
    { userId: alice!.id, groupId: admins!.groupUuid },
  ]);
});
