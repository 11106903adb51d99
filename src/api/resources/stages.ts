/** `stages/all` and `stages/<type>` for every stage in `src/flows/registry.ts`, with `flow_set`. */
import * as z from "zod";
import { STAGES } from "../../flows/registry.js";
import type { AdminRow } from "../../ports/admin.js";
import type { Ctx } from "../resource.js";
import { typedResources, type TypedKind } from "./typed.js";

/** authentik's URL for a stage type: `authenticator_totp` → `authenticator/totp`, `prompt` → `prompt/stages`. */
export function stagePath(type: string): string {
  if (type.startsWith("authenticator_")) return `authenticator/${type.slice("authenticator_".length)}`;
  if (type === "prompt" || type === "invitation") return `${type}/stages`;
  return type;
}

function camel(type: string): string {
  return type.split("_").map((w) => w[0]!.toUpperCase() + w.slice(1)).join("");
}

export const STAGE_KINDS: readonly TypedKind[] = STAGES.map((s) => ({
  type: s.type,
  path: stagePath(s.type),
  app: `authentik_stages_${s.type}`,
  model: `${s.type.replace(/_/g, "")}stage`,
  name: `${camel(s.type)}Stage`,
  verbose: `${camel(s.type).replace(/([a-z])([A-Z])/g, "$1 $2")} Stage`,
  component: `ak-stage-${s.type.replace(/_/g, "-")}-form`,
  config: s.config as z.ZodObject,
}));

async function flowSets(rows: AdminRow[], ctx: Ctx) {
  const pks = rows.map((r) => r.stageUuid as string);
  const bindings = pks.length ? await ctx.repos.admin.all("flowStageBindings", [{ column: "stageId", op: "in", value: pks }]) : [];
  const flowPks = [...new Set(bindings.map((b) => b.targetId as string))];
  const flows = flowPks.length ? await ctx.repos.admin.all("flows", [{ column: "flowUuid", op: "in", value: flowPks }]) : [];
  return new Map(
    pks.map((pk) => [
      pk,
      {
        flow_set: bindings
          .filter((b) => b.stageId === pk)
          .flatMap((b) => flows.filter((f) => f.flowUuid === b.targetId))
          .map((f) => ({ pk: f.flowUuid as string, slug: f.slug as string, name: f.name as string, designation: f.designation as string })),
      },
    ]),
  );
}

export const stageResources = typedResources({
  prefix: "stages",
  tag: "stages",
  table: "stages",
  pk: "stageUuid",
  lookupParam: "stage_uuid",
  base: {},
  extra: flowSets,
  extraOutput: { flow_set: z.array(z.object({ pk: z.uuid(), slug: z.string(), name: z.string(), designation: z.string() })) },
  kinds: STAGE_KINDS,
  allApp: "authentik_flows",
  allModel: "stage",
});
