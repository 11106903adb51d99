/**
 * SAML property mappings as CEL expressions (DESIGN §5; authentik's are Python). Each mapping
 * yields one `<saml:Attribute>`: a string, number or bool becomes one value, a list several, null
 * or an empty list none. Expressions see the same `request` as expression policies
 * (`request.user.email`, `request.user.groups`, `request.user.attributes`, …).
 */
import * as z from "zod";
import type { Deps } from "../../deps.js";
import type { RequestInfo } from "../../flows/stage.js";
import { mappingRunner } from "../../policies/mappings.js";
import type { User } from "../../ports/store.js";

export const propertyMapping = z.object({
  /** authentik's managed name or a free name (shown in logs). */
  name: z.string().min(1),
  /** The Attribute's `Name`. */
  saml_name: z.string().min(1),
  friendly_name: z.string().nullable().default(null),
  /** CEL expression. */
  expression: z.string().min(1),
});
export type PropertyMapping = z.infer<typeof propertyMapping>;

const managed = (name: string, samlName: string, expression: string, friendly: string | null = null): PropertyMapping => ({
  name: `goauthentik.io/providers/saml/${name}`,
  saml_name: samlName,
  friendly_name: friendly,
  expression,
});

/** authentik's default SAML mappings (upn, name, email, username, uid, groups, windowsaccountname). */
export const DEFAULT_ATTRIBUTE_MAPPINGS: PropertyMapping[] = [
  managed("upn", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn", `"upn" in request.user.attributes ? request.user.attributes.upn : request.user.email`),
  managed("name", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name", "request.user.name"),
  managed("email", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", "request.user.email"),
  managed("username", "http://schemas.goauthentik.io/2021/02/saml/username", "request.user.username"),
  managed("uid", "http://schemas.goauthentik.io/2021/02/saml/uid", "string(request.user.pk)"),
  managed("groups", "http://schemas.xmlsoap.org/claims/Group", "request.user.groups"),
  managed("ms-windowsaccountname", "http://schemas.microsoft.com/ws/2008/06/identity/claims/windowsaccountname", "request.user.username"),
];

export interface SamlAttribute {
  name: string;
  friendlyName: string | null;
  values: string[];
}

function toValues(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap(toValues);
  if (typeof value === "string" || typeof value === "boolean" || typeof value === "bigint" || typeof value === "number") return [String(value)];
  return [];
}

/** Evaluates mappings (and the NameID mapping) for `user`; a failing mapping is logged and skipped, as in authentik. */
export async function evaluateMappings(
  deps: Deps,
  user: User,
  request: RequestInfo,
  mappings: PropertyMapping[],
  nameIdExpression: string | null,
): Promise<{ attributes: SamlAttribute[]; nameId: string | null }> {
  const runner = await mappingRunner(deps, user, request, "saml property mapping");
  const run = (name: string, source: string): string[] | null => {
    const result = runner(name, source);
    return result.ok ? toValues(result.value) : null;
  };
  const attributes: SamlAttribute[] = [];
  for (const m of mappings) {
    const values = run(m.name, m.expression);
    if (values && values.length > 0) attributes.push({ name: m.saml_name, friendlyName: m.friendly_name, values });
  }
  const nameId = nameIdExpression ? (run("name_id_mapping", nameIdExpression)?.[0] ?? null) : null;
  return { attributes, nameId };
}
