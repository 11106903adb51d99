/**
 * Property mappings as CEL (DESIGN §5; authentik's are Python): what SAML attribute mappings and
 * OIDC scope mappings share. An expression sees the same `request` as expression policies
 * (`request.user.email`, `request.user.groups` with nested groups, `request.user.attributes`, …)
 * and `ak_is_group_member`. A failing mapping is logged (its name and the error, never the
 * user's data) and skipped, as in authentik.
 */
import type { Deps } from "../deps.js";
import { policyRequest } from "../flows/planner.js";
import type { RequestInfo } from "../flows/stage.js";
import type { User } from "../ports/store.js";
import { compileExpression } from "./cel.js";
import { celRequest } from "./types/expression.js";

/** For mappings evaluated outside a browser request (token endpoint, userinfo by bearer token). */
export const NO_REQUEST: RequestInfo = { ip: null, userAgent: null, host: "", path: "", method: "" };

/** One mapping's outcome: its value, or `ok: false` when it failed (already logged). */
export type MappingResult = { ok: true; value: unknown } | { ok: false };

/** Runs mapping expressions for one user (groups loaded once). */
export type MappingRunner = (name: string, expression: string) => MappingResult;

/**
 * A runner for `user`'s mappings; `kind` names the mapping family in logs ("saml property
 * mapping", "oauth2 scope mapping"); `context` becomes `request.context`.
 */
export async function mappingRunner(
  deps: Deps,
  user: User,
  request: RequestInfo,
  kind: string,
  context: Record<string, unknown> = {},
): Promise<MappingRunner> {
  const groups = await deps.store.policies.allGroupsOf(user.pk);
  const variables = { request: celRequest(policyRequest(request, user, context), groups) };
  const bindings = { groupNames: new Set(groups.map((g) => g.name)) };
  return (name, expression) => {
    try {
      return { ok: true, value: compileExpression(expression).evaluate(variables, bindings).value };
    } catch (err) {
      deps.logger.warn(`${kind} failed`, { mapping: name, error: (err as Error).message });
      return { ok: false };
    }
  };
}

/**
 * CEL values → JSON values: ints (bigint) → numbers, maps → plain objects, timestamps → ISO
 * strings; bytes and anything else unrepresentable → null.
 */
export function fromCel(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined || depth > 32) return null;
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : null;
    case "bigint":
      return Number(value);
    case "object":
      break;
    default:
      return null;
  }
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return null;
  if (Array.isArray(value)) return value.map((v) => fromCel(v, depth + 1));
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value as object);
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) {
    const key = String(k);
    if (key === "__proto__" || key === "constructor" || key === "prototype") continue;
    out[key] = fromCel(v, depth + 1);
  }
  return out;
}
