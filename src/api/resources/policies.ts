/** `policies/all` and `policies/<type>` for every type in `src/policies/registry.ts`, with `bound_to`. */
import * as z from "zod";
import { policyTypes } from "../../policies/registry.js";
import type { AdminRow } from "../../ports/admin.js";
import type { Ctx } from "../resource.js";
import { typedResources, type TypedKind } from "./typed.js";

export const POLICY_KINDS: readonly TypedKind[] = policyTypes.map((p) => {
  const [app, model] = p.authentikModel.split(".") as [string, string];
  const camel = p.id.split("_").map((w) => w[0]!.toUpperCase() + w.slice(1)).join("");
  return {
    type: p.id,
    path: p.id,
    app,
    model,
    name: `${camel}Policy`,
    verbose: `${camel.replace(/([a-z])([A-Z])/g, "$1 $2")} Policy`,
    component: `ak-policy-${p.id.replace(/_/g, "-")}-form`,
    config: p.config as unknown as z.ZodObject,
  };
});

async function boundTo(rows: AdminRow[], ctx: Ctx) {
  const pks = rows.map((r) => r.policyUuid as string);
  const bindings = pks.length ? await ctx.repos.admin.all("policyBindings", [{ column: "policyId", op: "in", value: pks }], 100_000) : [];
  return new Map(pks.map((pk) => [pk, { bound_to: bindings.filter((b) => b.policyId === pk).length }]));
}

export const policyResources = typedResources({
  prefix: "policies",
  tag: "policies",
  table: "policies",
  pk: "policyUuid",
  lookupParam: "policy_uuid",
  base: { execution_logging: { column: "executionLogging", input: z.boolean().default(false), output: z.boolean() } },
  extra: boundTo,
  extraOutput: { bound_to: z.number().int() },
  kinds: POLICY_KINDS,
  allApp: "authentik_policies",
  allModel: "policy",
});
