import * as z from "zod";
import type { PolicyRequest } from "../../ports/policy-engine.js";
import type { Group } from "../../ports/store.js";
import { compileExpression, toCel } from "../cel.js";
import { definePolicyType, PolicyError } from "../policy-type.js";

/**
 * authentik's expression policy, in CEL instead of Python (Workers forbid `eval`). The
 * expression must return a bool. Available: `request.user` (username, email, name, is_active,
 * is_authenticated, attributes, groups — names incl. nested), `request.http_request` (ip,
 * client_ip, user_agent, host, path, country, asn), `request.context` (flow context plus `geoip`
 * and `asn`), `request.obj`; functions `ak_is_group_member("name")`,
 * `ak_is_group_member(request.user, "name")`, `ak_message("text")` (adds a message, returns true).
 */
export const expressionPolicy = definePolicyType({
  id: "expression",
  authentikModel: "authentik_policies_expression.expressionpolicy",
  description: "Passes when the CEL expression returns true.",
  config: z.object({
    /** The CEL expression (required). */
    expression: z.string().min(1),
  }),
  async evaluate(request, config, deps) {
    const expression = compileExpression(config.expression);
    const groups = request.user ? await deps.userGroups() : [];
    const result = expression.evaluate(
      { request: celRequest(request, groups) },
      { groupNames: new Set(groups.map((g) => g.name)) },
    );
    if (typeof result.value !== "boolean") {
      throw new PolicyError(`expression must return a bool, got ${describe(result.value)}`);
    }
    return { passing: result.value, messages: result.messages };
  },
});

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "list";
  return typeof value === "bigint" ? "int" : typeof value;
}

/** The `request` variable an expression sees (authentik's names, snake_case). */
export function celRequest(request: PolicyRequest, groups: Group[]): unknown {
  const u = request.user;
  const user = u
    ? {
        pk: u.pk,
        uuid: u.uuid,
        username: u.username,
        name: u.name,
        email: u.email,
        email_verified: u.emailVerified,
        type: u.type,
        path: u.path,
        is_active: u.isActive,
        is_authenticated: true,
        attributes: u.attributes,
        groups: groups.map((g) => g.name),
        password_change_date: u.passwordChangeDate,
        last_login: u.lastLogin,
        date_joined: u.dateJoined,
      }
    : { pk: null, username: "", name: "", email: "", is_active: false, is_authenticated: false, attributes: {}, groups: [] };
  const http = request.http;
  const context = { ...request.context };
  if (context.geoip === undefined) context.geoip = http.country ? { country: http.country } : null;
  if (context.asn === undefined) context.asn = http.asn != null ? { asn: http.asn } : null;
  return toCel({
    user,
    http_request: {
      ip: http.ip,
      client_ip: http.ip,
      user_agent: http.userAgent,
      host: http.host,
      path: http.path,
      country: http.country ?? null,
      asn: http.asn ?? null,
    },
    context,
    obj: request.obj ?? null,
  });
}
