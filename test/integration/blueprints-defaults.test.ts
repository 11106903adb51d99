/**
 * The default blueprints: embedded texts match the .yaml files, and they apply to an empty
 * migrated database (PGlite in process) with the flows, stages, bindings and brand authentik's docs
 * describe. Applying them again changes nothing.
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { asc, count, eq } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyBlueprint, applyDefaultBlueprints } from "../../src/adapters/postgres/blueprints.js";
import { migratePglite } from "../../src/adapters/postgres/migrate.js";
import { createPgliteStore } from "../../src/adapters/postgres/pglite.js";
import type { DrizzleStore } from "../../src/adapters/postgres/store.js";
import { DEFAULT_BLUEPRINT_FILES } from "../../src/blueprints/defaults.generated.js";
import { DEFAULT_BLUEPRINT_ORDER, defaultBlueprints } from "../../src/blueprints/defaults.js";
import * as s from "../../src/db/schema/index.js";
import { renderEmbedded } from "../../scripts/blueprints-embed.js";

const dir = fileURLToPath(new URL("../../src/blueprints/default/", import.meta.url));

describe("embedded default blueprints", () => {
  it("equal the .yaml files (run `npx tsx scripts/blueprints-embed.ts` after editing them)", () => {
    const files = readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort();
    expect(Object.keys(DEFAULT_BLUEPRINT_FILES).sort()).toEqual(files);
    for (const f of files) expect(DEFAULT_BLUEPRINT_FILES[f], f).toBe(readFileSync(dir + f, "utf8"));
    expect(readFileSync(fileURLToPath(new URL("../../src/blueprints/defaults.generated.ts", import.meta.url)), "utf8")).toBe(
      renderEmbedded(),
    );
  });

  it("are all in the application order", () => {
    expect([...DEFAULT_BLUEPRINT_ORDER].sort()).toEqual(Object.keys(DEFAULT_BLUEPRINT_FILES).sort());
  });
});

describe("default blueprints on an empty database [pglite]", () => {
  let store: DrizzleStore;
  beforeAll(async () => {
    store = await createPgliteStore();
    await migratePglite(store);
  });
  afterAll(() => store?.close());

  const counts = async () => {
    const db = store.db;
    const n = async (t: PgTable) => (await db.select({ n: count() }).from(t))[0]!.n;
    return {
      flows: await n(s.flows),
      stages: await n(s.stages),
      bindings: await n(s.flowStageBindings),
      policies: await n(s.policies),
      policyBindings: await n(s.policyBindings),
      pbms: await n(s.policyBindingModels),
      brands: await n(s.brands),
    };
  };

  it("apply: flows, stages, ordered bindings, brand", async () => {
    for (const d of defaultBlueprints()) {
      const r = await applyBlueprint(store.db, d.blueprint);
      expect(r.skipped, d.file).toEqual([]);
      expect(r.ignored, d.file).toEqual([]);
      expect(r.updated, d.file).toBe(0);
      expect(r.created, d.file).toBe(d.blueprint.entries.length);
    }
    const db = store.db;
    const slugs = (await db.select({ slug: s.flows.slug }).from(s.flows)).map((f) => f.slug).sort();
    expect(slugs).toEqual(
      [
        "default-authentication-flow",
        "default-authenticator-email-setup",
        "default-authenticator-static-setup",
        "default-authenticator-totp-setup",
        "default-authenticator-webauthn-setup",
        "default-invalidation-flow",
        "default-invitation-enrollment-flow",
        "default-password-change",
        "default-provider-authorization-explicit-consent",
        "default-provider-authorization-implicit-consent",
        "default-provider-invalidation-flow",
        "default-recovery-flow",
        "default-user-settings-flow",
        "initial-setup",
      ].sort(),
    );

    const [auth] = await db.select().from(s.flows).where(eq(s.flows.slug, "default-authentication-flow"));
    expect(auth).toMatchObject({ designation: "authentication", authentication: "none" });
    const chain = await db
      .select({ order: s.flowStageBindings.order, name: s.stages.name, type: s.stages.type, config: s.stages.config })
      .from(s.flowStageBindings)
      .innerJoin(s.stages, eq(s.stages.stageUuid, s.flowStageBindings.stageId))
      .where(eq(s.flowStageBindings.targetId, auth!.flowUuid))
      .orderBy(asc(s.flowStageBindings.order));
    expect(chain.map((c) => [c.order, c.name, c.type])).toEqual([
      [10, "default-authentication-identification", "identification"],
      [20, "default-authentication-password", "password"],
      [30, "default-authentication-mfa-validation", "authenticator_validate"],
      [100, "default-authentication-login", "user_login"],
    ]);
    expect(chain[0]!.config).toMatchObject({ user_fields: ["email", "username"] });
    expect(chain[2]!.config).toMatchObject({ not_configured_action: "skip" });
    // `!Find` put the password change flow's uuid into the password stage's configure_flow.
    const [pwChange] = await db.select().from(s.flows).where(eq(s.flows.slug, "default-password-change"));
    expect(chain[1]!.config.configure_flow).toBe(pwChange!.flowUuid);

    // Each flow and stage binding shares its uuid with a policy binding model row.
    const c = await counts();
    expect(c.pbms).toBe(c.flows + c.bindings);

    // The initial-setup flow is guarded by the CEL policy.
    const [oobe] = await db.select().from(s.flows).where(eq(s.flows.slug, "initial-setup"));
    const guards = await db
      .select({ name: s.policies.name, type: s.policies.type, config: s.policies.config })
      .from(s.policyBindings)
      .innerJoin(s.policies, eq(s.policies.policyUuid, s.policyBindings.policyId))
      .where(eq(s.policyBindings.targetId, oobe!.flowUuid));
    expect(guards).toEqual([
      {
        name: "default-oobe-password-usable",
        type: "expression",
        config: { expression: expect.stringContaining("akadmin_has_usable_password == false") },
      },
    ]);
    // Prompt stage fields are prompt_field rows.
    const [prompt] = await db.select().from(s.stages).where(eq(s.stages.name, "stage-default-oobe-password"));
    const fieldIds = prompt!.config.fields as string[];
    expect(fieldIds).toHaveLength(4);
    const fields = await db.select().from(s.stages).where(eq(s.stages.type, "prompt_field"));
    expect(fieldIds.every((id) => fields.some((f) => f.stageUuid === id))).toBe(true);

    const [brand] = await db.select().from(s.brands);
    expect(brand).toMatchObject({ domain: "authentik-default", default: true, flowAuthenticationId: auth!.flowUuid });
    expect(brand!.flowInvalidationId).toBeTruthy();
    expect(brand!.flowUserSettingsId).toBeTruthy();
  });

  it("applying again changes nothing", async () => {
    const before = await counts();
    const entries = new Map(defaultBlueprints().map((d) => [d.file, d.blueprint.entries.length]));
    const results = await applyDefaultBlueprints(store.db);
    expect(results.map((r) => r.file)).toEqual([...DEFAULT_BLUEPRINT_ORDER]);
    for (const { file, result } of results) {
      expect(result, file).toEqual({ created: 0, updated: 0, deleted: 0, unchanged: entries.get(file), skipped: [], ignored: [] });
    }
    expect(await counts()).toEqual(before);
  });
});
