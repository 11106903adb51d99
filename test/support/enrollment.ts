/**
 * Enrollment test support: deps with the default blueprints applied, an app and headless client,
 * and a way to put protocol-handler context (`application`, `consent_permissions`) into a running
 * execution, as an OIDC authorize handler would when it plans a flow.
 */
import { applyDefaultBlueprints } from "../../src/adapters/postgres/blueprints.js";
import { isDrizzleStore } from "../../src/adapters/postgres/store.js";
import { createApp } from "../../src/app.js";
import { sha256Hex } from "../../src/core/encoding.js";
import { applications } from "../../src/db/schema/index.js";
import { loadPlan, savePlan } from "../../src/flows/plan.js";
import { makeTestDeps, type TestDeps } from "./app-deps.js";
import { FlowClient } from "./flows.js";

export interface EnrollmentEnv {
  deps: TestDeps;
  app: ReturnType<typeof createApp>;
  client(headers?: Record<string, string>): FlowClient;
}

/** PGlite deps (migrated) with every default blueprint applied. */
export async function enrollmentEnv(opts: { blueprints?: boolean } = {}): Promise<EnrollmentEnv> {
  const deps = await makeTestDeps();
  if (opts.blueprints !== false) {
    if (!isDrizzleStore(deps.store)) throw new Error("expected a drizzle store");
    await applyDefaultBlueprints(deps.store.db);
  }
  const app = createApp();
  return { deps, app, client: (headers = {}) => new FlowClient(app, () => deps, headers) };
}

/** Merges `patch` into the plan context of the client's execution of `slug`. */
export async function patchPlanContext(deps: TestDeps, client: FlowClient, slug: string, patch: Record<string, unknown>): Promise<void> {
  const key = client.jar.get("authentik_session");
  if (!key) throw new Error("client has no session");
  const map = await deps.cache.get<Record<string, string>>(`flow:session:${await sha256Hex(key)}`);
  const id = map?.[slug];
  const plan = id ? await loadPlan(deps.cache, id) : null;
  if (!id || !plan) throw new Error(`no execution of ${slug}`);
  Object.assign(plan.context, patch);
  await savePlan(deps.cache, id, plan);
}

/** Creates an application row (no repository exists yet) and returns its pk. */
export async function createApplication(deps: TestDeps, slug: string): Promise<string> {
  if (!isDrizzleStore(deps.store)) throw new Error("expected a drizzle store");
  const pk = await deps.store.policies.createTarget();
  await deps.store.db.insert(applications).values({ pbmUuid: pk, name: slug, slug });
  return pk;
}

/** Creates a `prompt_field` stage and returns its uuid. */
export async function createPromptField(deps: TestDeps, config: Record<string, unknown>): Promise<string> {
  const stage = await deps.store.flows.createStage({
    name: `field-${String(config.field_key)}-${deps.random.uuid()}`,
    type: "prompt_field",
    config,
  });
  return stage.pk;
}
