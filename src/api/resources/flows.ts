/**
 * `flows/instances` (+ `{slug}/diagram/`), `flows/bindings` (+ `reorder/`) and
 * `policies/bindings` — authentik's FlowSerializer, FlowStageBindingSerializer and
 * PolicyBindingSerializer.
 */
import * as z from "zod";
import { ValidationError } from "../../core/errors.js";
import type { AdminRow } from "../../ports/admin.js";
import { auditModel } from "../audit.js";
import { fieldError, parseBody } from "../http.js";
import type { Ctx, ResourceDef } from "../resource.js";
import { pick, slug } from "./common.js";
import { STAGE_KINDS } from "./stages.js";

const DESIGNATIONS = ["authentication", "authorization", "invalidation", "enrollment", "unenrollment", "recovery", "stage_configuration"] as const;
const LAYOUTS = ["stacked", "content_left", "content_right", "sidebar_left", "sidebar_right"] as const;
const DENIED = ["message_continue", "message", "continue"] as const;
const AUTHN = ["none", "require_authenticated", "require_unauthenticated", "require_superuser", "require_redirect", "require_outpost"] as const;
const MODE = z.enum(["any", "all"]);

async function engineModes(ctx: Ctx, pks: string[]): Promise<Map<string, string>> {
  const rows = pks.length ? await ctx.repos.admin.all("policyBindingModels", [{ column: "pbmUuid", op: "in", value: pks }]) : [];
  return new Map(rows.map((r) => [r.pbmUuid as string, r.policyEngineMode as string]));
}

// ---- flows/instances -------------------------------------------------------------------------

export const flowOutput = z.object({
  pk: z.uuid(),
  policybindingmodel_ptr_id: z.uuid(),
  name: z.string(),
  slug: z.string(),
  title: z.string(),
  designation: z.enum(DESIGNATIONS),
  background: z.string(),
  stages: z.array(z.uuid()),
  policies: z.array(z.uuid()),
  policy_engine_mode: MODE,
  compatibility_mode: z.boolean(),
  export_url: z.string(),
  layout: z.enum(LAYOUTS),
  denied_action: z.enum(DENIED),
  authentication: z.enum(AUTHN),
});
type FlowOut = z.infer<typeof flowOutput>;

async function serializeFlows(rows: AdminRow[], ctx: Ctx): Promise<FlowOut[]> {
  const pks = rows.map((r) => r.flowUuid as string);
  const [bindings, policies, modes] = await Promise.all([
    pks.length ? ctx.repos.admin.all("flowStageBindings", [{ column: "targetId", op: "in", value: pks }]) : [],
    pks.length ? ctx.repos.admin.all("policyBindings", [{ column: "targetId", op: "in", value: pks }]) : [],
    engineModes(ctx, pks),
  ]);
  return rows.map((r) => ({
    pk: r.flowUuid as string,
    policybindingmodel_ptr_id: r.flowUuid as string,
    name: r.name as string,
    slug: r.slug as string,
    title: r.title as string,
    designation: r.designation as FlowOut["designation"],
    background: r.background as string,
    stages: bindings.filter((b) => b.targetId === r.flowUuid).sort((a, b) => (a.order as number) - (b.order as number)).map((b) => b.stageId as string),
    policies: policies.filter((p) => p.targetId === r.flowUuid).map((p) => p.policyBindingUuid as string),
    policy_engine_mode: (modes.get(r.flowUuid as string) ?? "any") as "any",
    compatibility_mode: r.compatibilityMode as boolean,
    export_url: `/api/v3/flows/instances/${encodeURIComponent(r.slug as string)}/export/`,
    layout: r.layout as FlowOut["layout"],
    denied_action: r.deniedAction as FlowOut["denied_action"],
    authentication: r.authentication as FlowOut["authentication"],
  }));
}

const flowInput = z.object({
  name: z.string().trim().min(1, "This field may not be blank.").max(255),
  slug,
  title: z.string().trim().min(1, "This field may not be blank.").max(255),
  designation: z.enum(DESIGNATIONS),
  policy_engine_mode: MODE.default("any"),
  compatibility_mode: z.boolean().default(false),
  layout: z.enum(LAYOUTS).default("stacked"),
  denied_action: z.enum(DENIED).default("message_continue"),
  authentication: z.enum(AUTHN).default("none"),
  background: z.string().max(2000).default(""),
});

const diagramOutput = z.object({
  /** Mermaid flowchart source, as authentik's `diagram`. */
  diagram: z.string(),
  /** The same graph as data: stages in order with the policies bound to each binding. */
  stages: z.array(
    z.object({
      binding: z.uuid(),
      order: z.number().int(),
      stage: z.uuid(),
      name: z.string(),
      type: z.string(),
      component: z.string(),
      policies: z.array(z.object({ pk: z.uuid(), label: z.string(), negate: z.boolean(), enabled: z.boolean() })),
    }),
  ),
  policies: z.array(z.object({ pk: z.uuid(), label: z.string(), negate: z.boolean(), enabled: z.boolean() })),
});

/** Label of a policy binding: the policy's, group's or user's name. */
async function bindingLabels(ctx: Ctx, bindings: AdminRow[]): Promise<Map<string, string>> {
  const ids = (key: string) => [...new Set(bindings.map((b) => b[key]).filter((v) => v !== null))] as (string | number)[];
  const [policies, groups, users] = await Promise.all([
    ids("policyId").length ? ctx.repos.admin.all("policies", [{ column: "policyUuid", op: "in", value: ids("policyId") }]) : [],
    ids("groupId").length ? ctx.repos.admin.all("groups", [{ column: "groupUuid", op: "in", value: ids("groupId") }]) : [],
    ids("userId").length ? ctx.repos.admin.all("users", [{ column: "id", op: "in", value: ids("userId") }]) : [],
  ]);
  return new Map(
    bindings.map((b) => {
      const label = b.policyId
        ? `Policy ${String(policies.find((p) => p.policyUuid === b.policyId)?.name ?? b.policyId)}`
        : b.groupId
          ? `Group ${String(groups.find((g) => g.groupUuid === b.groupId)?.name ?? b.groupId)}`
          : `User ${String(users.find((u) => u.id === b.userId)?.username ?? b.userId)}`;
      return [b.policyBindingUuid as string, label];
    }),
  );
}

function mermaidText(s: string): string {
  return s.replace(/["\n\r]/g, " ").slice(0, 120);
}

async function diagram(ctx: Ctx, flow: AdminRow | null): Promise<Response> {
  const f = flow!;
  const bindings = (await ctx.repos.admin.all("flowStageBindings", [{ column: "targetId", op: "eq", value: f.flowUuid as string }])).sort((a, b) => (a.order as number) - (b.order as number));
  const stagePks = bindings.map((b) => b.stageId as string);
  const stages = stagePks.length ? await ctx.repos.admin.all("stages", [{ column: "stageUuid", op: "in", value: stagePks }]) : [];
  const targets = [f.flowUuid as string, ...bindings.map((b) => b.fsbUuid as string)];
  const policyBindings = await ctx.repos.admin.all("policyBindings", [{ column: "targetId", op: "in", value: targets }]);
  const labels = await bindingLabels(ctx, policyBindings);
  const bound = (target: string) =>
    policyBindings
      .filter((p) => p.targetId === target)
      .sort((a, b) => (a.order as number) - (b.order as number))
      .map((p) => ({ pk: p.policyBindingUuid as string, label: labels.get(p.policyBindingUuid as string) ?? "", negate: p.negate as boolean, enabled: p.enabled as boolean }));
  const kinds = new Map(STAGE_KINDS.map((k) => [k.type, k]));
  const data = bindings.map((b) => {
    const st = stages.find((s) => s.stageUuid === b.stageId);
    return {
      binding: b.fsbUuid as string,
      order: b.order as number,
      stage: b.stageId as string,
      name: (st?.name as string | undefined) ?? "",
      type: (st?.type as string | undefined) ?? "",
      component: kinds.get(st?.type as string)?.component ?? "",
      policies: bound(b.fsbUuid as string),
    };
  });
  // Mermaid, shaped like authentik's: start → (flow policies) → stages (each behind its policies) → done.
  const lines = ["graph TD", `flow_start[["Flow\\n${mermaidText(f.name as string)}"]]`];
  let prev = "flow_start";
  const flowPolicies = bound(f.flowUuid as string);
  if (flowPolicies.length) {
    lines.push(`flow_policy{{"Flow policies\\n${flowPolicies.map((p) => mermaidText(p.label)).join("\\n")}"}}`, `${prev} --> flow_policy`, `flow_policy -- Policy denied --> done`);
    prev = "flow_policy";
  }
  data.forEach((s, i) => {
    const node = `stage_${i}`;
    if (s.policies.length) {
      const pol = `stage_${i}_policy`;
      lines.push(`${pol}{{"Policies\\n${s.policies.map((p) => mermaidText(p.label)).join("\\n")}"}}`, `${prev} --> ${pol}`, `${pol} -- Policy passed --> ${node}`);
      lines.push(`${pol} -- Policy denied --> ${i + 1 < data.length ? `stage_${i + 1}` : "done"}`);
    } else {
      lines.push(`${prev} --> ${node}`);
    }
    lines.push(`${node}["Stage (${s.order})\\n${mermaidText(s.name)}\\n${mermaidText(s.type)}"]`);
    prev = node;
  });
  lines.push(`${prev} --> done`, `done[["End of the flow"]]`);
  return ctx.c.json({ diagram: lines.join("\n"), stages: data, policies: flowPolicies });
}

export const flowsResource: ResourceDef<FlowOut> = {
  path: "flows/instances",
  tag: "flows",
  table: "flows",
  app: "authentik_flows",
  model: "flow",
  name: "Flow",
  verbose: "flow",
  pk: "flowUuid",
  lookup: { param: "slug", column: "slug", type: "string" },
  output: flowOutput,
  serialize: serializeFlows,
  displayName: (r) => r.slug as string,
  input: flowInput,
  toValues: (data) =>
    pick(data, {
      name: "name",
      slug: "slug",
      title: "title",
      designation: "designation",
      compatibility_mode: "compatibilityMode",
      layout: "layout",
      denied_action: "deniedAction",
      authentication: "authentication",
      background: "background",
    }),
  async afterWrite(row, data, ctx) {
    if (data.policy_engine_mode) await ctx.repos.policies.setEngineMode(row.flowUuid as string, data.policy_engine_mode as "any");
  },
  search: ["name", "slug", "title", "designation"],
  ordering: { name: "name", slug: "slug", designation: "designation", title: "title" },
  defaultOrdering: [{ column: "slug", desc: false }],
  filters: { designation: { column: "designation", type: "string" }, slug: { column: "slug", type: "string" }, name: { column: "name", type: "string" } },
  actions: [{ method: "get", name: "diagram", detail: true, summary: "The flow as a diagram: Mermaid source plus the ordered stages and policies", action: "view", response: diagramOutput, responseName: "FlowDiagram", handler: diagram }],
};

// ---- flows/bindings --------------------------------------------------------------------------

const stageObj = z.object({ pk: z.uuid(), name: z.string(), component: z.string(), verbose_name: z.string(), meta_model_name: z.string() });
export const bindingOutput = z.object({
  pk: z.uuid(),
  policybindingmodel_ptr_id: z.uuid(),
  target: z.uuid(),
  stage: z.uuid(),
  stage_obj: stageObj.nullable(),
  evaluate_on_plan: z.boolean(),
  re_evaluate_policies: z.boolean(),
  order: z.number().int(),
  policy_engine_mode: MODE,
  invalid_response_action: z.enum(["retry", "restart", "restart_with_context"]),
});
type BindingOut = z.infer<typeof bindingOutput>;

async function serializeBindings(rows: AdminRow[], ctx: Ctx): Promise<BindingOut[]> {
  const stagePks = [...new Set(rows.map((r) => r.stageId as string))];
  const [stages, modes] = await Promise.all([
    stagePks.length ? ctx.repos.admin.all("stages", [{ column: "stageUuid", op: "in", value: stagePks }]) : [],
    engineModes(ctx, rows.map((r) => r.fsbUuid as string)),
  ]);
  const kinds = new Map(STAGE_KINDS.map((k) => [k.type, k]));
  return rows.map((r) => {
    const s = stages.find((x) => x.stageUuid === r.stageId);
    const k = s ? kinds.get(s.type as string) : undefined;
    return {
      pk: r.fsbUuid as string,
      policybindingmodel_ptr_id: r.fsbUuid as string,
      target: r.targetId as string,
      stage: r.stageId as string,
      stage_obj: s ? { pk: s.stageUuid as string, name: s.name as string, component: k?.component ?? "", verbose_name: k?.verbose ?? String(s.type), meta_model_name: k ? `${k.app}.${k.model}` : String(s.type) } : null,
      evaluate_on_plan: r.evaluateOnPlan as boolean,
      re_evaluate_policies: r.reEvaluatePolicies as boolean,
      order: r.order as number,
      policy_engine_mode: (modes.get(r.fsbUuid as string) ?? "any") as "any",
      invalid_response_action: r.invalidResponseAction as BindingOut["invalid_response_action"],
    };
  });
}

const bindingInput = z.object({
  target: z.uuid(),
  stage: z.uuid(),
  order: z.number().int().min(-2147483648).max(2147483647),
  evaluate_on_plan: z.boolean().default(false),
  re_evaluate_policies: z.boolean().default(true),
  policy_engine_mode: MODE.default("any"),
  invalid_response_action: z.enum(["retry", "restart", "restart_with_context"]).default("retry"),
});

const reorderBody = z.object({ target: z.uuid(), bindings: z.array(z.uuid()).min(1).max(1000) });

async function reorder(ctx: Ctx): Promise<Response> {
  const body = await parseBody(ctx.c, reorderBody);
  const current = await ctx.repos.admin.all("flowStageBindings", [{ column: "targetId", op: "eq", value: body.target }]);
  const ids = new Set(current.map((b) => b.fsbUuid as string));
  if (body.bindings.length !== ids.size || !body.bindings.every((b) => ids.has(b)) || new Set(body.bindings).size !== ids.size) {
    throw fieldError("bindings", "List every binding of the flow exactly once.", "invalid");
  }
  await ctx.c.env.store.transaction(async (tx) => {
    // Two passes: (target, order) is unique, so move everything out of the way first.
    for (const [i, pk] of body.bindings.entries()) await tx.admin.update("flowStageBindings", pk, { order: -1_000_000 - i });
    for (const [i, pk] of body.bindings.entries()) await tx.admin.update("flowStageBindings", pk, { order: (i + 1) * 10 });
  });
  const flow = await ctx.repos.admin.get("flows", body.target);
  await auditModel(ctx.c, "model_updated", { app: "authentik_flows", modelName: "flow", pk: body.target, name: String(flow?.slug ?? "") }, { reorder: body.bindings });
  const rows = await ctx.repos.admin.all("flowStageBindings", [{ column: "targetId", op: "eq", value: body.target }]);
  return ctx.c.json(await serializeBindings(rows.sort((a, b) => (a.order as number) - (b.order as number)), ctx));
}

export const flowBindingsResource: ResourceDef<BindingOut> = {
  path: "flows/bindings",
  tag: "flows",
  table: "flowStageBindings",
  app: "authentik_flows",
  model: "flowstagebinding",
  name: "FlowStageBinding",
  verbose: "flow stage binding",
  pk: "fsbUuid",
  lookup: { param: "fsb_uuid", type: "uuid" },
  output: bindingOutput,
  serialize: serializeBindings,
  displayName: (r) => `Flow-stage binding #${String(r.order)}`,
  input: bindingInput,
  async toValues(data, ctx) {
    if (typeof data.target === "string" && !(await ctx.repos.admin.get("flows", data.target))) throw fieldError("target", "Invalid pk - object does not exist.", "does_not_exist");
    if (typeof data.stage === "string" && !(await ctx.repos.admin.get("stages", data.stage))) throw fieldError("stage", "Invalid pk - object does not exist.", "does_not_exist");
    return pick(data, { target: "targetId", stage: "stageId", order: "order", evaluate_on_plan: "evaluateOnPlan", re_evaluate_policies: "reEvaluatePolicies", invalid_response_action: "invalidResponseAction" });
  },
  async afterWrite(row, data, ctx) {
    if (data.policy_engine_mode) await ctx.repos.policies.setEngineMode(row.fsbUuid as string, data.policy_engine_mode as "any");
  },
  ordering: { order: "order", target: "targetId" },
  defaultOrdering: [{ column: "targetId", desc: false }, { column: "order", desc: false }],
  filters: { target: { column: "targetId", type: "uuid" }, stage: { column: "stageId", type: "uuid" }, order: { column: "order", type: "integer" } },
  actions: [{ method: "post", name: "reorder", summary: "Reorder a flow's stage bindings in one transaction (orders 10, 20, …)", action: "change", body: reorderBody, bodyName: "FlowStageBindingReorderRequest", response: z.array(bindingOutput), handler: (ctx) => reorder(ctx) }],
};

// ---- policies/bindings -----------------------------------------------------------------------

export const policyBindingOutput = z.object({
  pk: z.uuid(),
  policy: z.uuid().nullable(),
  group: z.uuid().nullable(),
  user: z.number().int().nullable(),
  policy_obj: z.object({ pk: z.uuid(), name: z.string(), type: z.string() }).nullable(),
  group_obj: z.object({ pk: z.uuid(), name: z.string() }).nullable(),
  user_obj: z.object({ pk: z.number().int(), username: z.string(), name: z.string() }).nullable(),
  target: z.uuid(),
  negate: z.boolean(),
  enabled: z.boolean(),
  order: z.number().int(),
  timeout: z.number().int(),
  failure_result: z.boolean(),
});
type PolicyBindingOut = z.infer<typeof policyBindingOutput>;

async function serializePolicyBindings(rows: AdminRow[], ctx: Ctx): Promise<PolicyBindingOut[]> {
  const ids = (key: string) => [...new Set(rows.map((b) => b[key]).filter((v) => v !== null))] as (string | number)[];
  const [policies, groups, users] = await Promise.all([
    ids("policyId").length ? ctx.repos.admin.all("policies", [{ column: "policyUuid", op: "in", value: ids("policyId") }]) : [],
    ids("groupId").length ? ctx.repos.admin.all("groups", [{ column: "groupUuid", op: "in", value: ids("groupId") }]) : [],
    ids("userId").length ? ctx.repos.admin.all("users", [{ column: "id", op: "in", value: ids("userId") }]) : [],
  ]);
  return rows.map((b) => {
    const p = policies.find((x) => x.policyUuid === b.policyId);
    const g = groups.find((x) => x.groupUuid === b.groupId);
    const u = users.find((x) => x.id === b.userId);
    return {
      pk: b.policyBindingUuid as string,
      policy: (b.policyId as string | null) ?? null,
      group: (b.groupId as string | null) ?? null,
      user: (b.userId as number | null) ?? null,
      policy_obj: p ? { pk: p.policyUuid as string, name: p.name as string, type: p.type as string } : null,
      group_obj: g ? { pk: g.groupUuid as string, name: g.name as string } : null,
      user_obj: u ? { pk: u.id as number, username: u.username as string, name: u.name as string } : null,
      target: b.targetId as string,
      negate: b.negate as boolean,
      enabled: b.enabled as boolean,
      order: b.order as number,
      timeout: b.timeout as number,
      failure_result: b.failureResult as boolean,
    };
  });
}

const policyBindingInput = z.object({
  policy: z.uuid().nullable().optional(),
  group: z.uuid().nullable().optional(),
  user: z.number().int().positive().nullable().optional(),
  target: z.uuid(),
  negate: z.boolean().default(false),
  enabled: z.boolean().default(true),
  order: z.number().int().min(-2147483648).max(2147483647),
  timeout: z.number().int().min(0).max(3600).default(30),
  failure_result: z.boolean().default(false),
});

export const policyBindingsResource: ResourceDef<PolicyBindingOut> = {
  path: "policies/bindings",
  tag: "policies",
  table: "policyBindings",
  app: "authentik_policies",
  model: "policybinding",
  name: "PolicyBinding",
  verbose: "policy binding",
  pk: "policyBindingUuid",
  lookup: { param: "policy_binding_uuid", type: "uuid" },
  output: policyBindingOutput,
  serialize: serializePolicyBindings,
  displayName: (r) => `Binding #${String(r.order)}`,
  input: policyBindingInput,
  async toValues(data, ctx, existing) {
    const subject = {
      policy: data.policy !== undefined ? data.policy : (existing?.policyId ?? null),
      group: data.group !== undefined ? data.group : (existing?.groupId ?? null),
      user: data.user !== undefined ? data.user : (existing?.userId ?? null),
    };
    const set = Object.values(subject).filter((v) => v !== null && v !== undefined).length;
    if (set !== 1) throw new ValidationError("Only one of policy, group or user", { non_field_errors: [{ string: "Exactly one of policy, group or user must be set.", code: "invalid" }] });
    if (typeof data.target === "string" && !(await ctx.repos.admin.get("policyBindingModels", data.target))) throw fieldError("target", "Invalid pk - object does not exist.", "does_not_exist");
    if (typeof subject.policy === "string" && !(await ctx.repos.admin.get("policies", subject.policy))) throw fieldError("policy", "Invalid pk - object does not exist.", "does_not_exist");
    if (typeof subject.group === "string" && !(await ctx.repos.admin.get("groups", subject.group))) throw fieldError("group", "Invalid pk - object does not exist.", "does_not_exist");
    if (typeof subject.user === "number" && !(await ctx.repos.admin.get("users", subject.user))) throw fieldError("user", "Invalid pk - object does not exist.", "does_not_exist");
    return pick(data, { policy: "policyId", group: "groupId", user: "userId", target: "targetId", negate: "negate", enabled: "enabled", order: "order", timeout: "timeout", failure_result: "failureResult" });
  },
  ordering: { order: "order", target: "targetId" },
  defaultOrdering: [{ column: "targetId", desc: false }, { column: "order", desc: false }],
  filters: {
    target: { column: "targetId", type: "uuid" },
    target_in: { column: "targetId", op: "in", type: "uuid" },
    policy: { column: "policyId", type: "uuid" },
    group: { column: "groupId", type: "uuid" },
    user: { column: "userId", type: "integer" },
    enabled: { column: "enabled", type: "boolean" },
  },
};
