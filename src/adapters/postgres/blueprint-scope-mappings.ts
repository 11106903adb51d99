/**
 * Blueprint entries of authentik's `authentik_providers_oauth2.scopemapping`. Threshold has no
 * table of standalone mappings: a provider's `settings.property_mappings` holds managed names and
 * inline mappings (`src/protocols/oauth2/settings.ts`). So:
 *
 * - managed mappings (`identifiers: {managed: goauthentik.io/providers/oauth2/scope-…}`) are
 *   built in (CEL): the entry changes nothing and its pk is the managed name;
 * - a custom mapping's pk is `scopemapping:<name>`; a provider entry that references it (`!KeyOf`,
 *   `!Find`) gets the mapping copied inline into its `property_mappings`;
 * - a custom mapping applied by an earlier blueprint is found on the providers that carry it, and
 *   updating or deleting it (state `absent`) rewrites every provider's copy.
 *
 * Expressions must be CEL: an entry whose expression does not compile fails the blueprint.
 */
import { eq, sql } from "drizzle-orm";
import type { ModelHandler, ModelObject, Pk } from "../../blueprints/apply.js";
import * as s from "../../db/schema/index.js";
import { compileExpression } from "../../policies/cel.js";
import { MANAGED_SCOPE_MAPPINGS, managedScopeMapping, scopeMapping, type ScopeMapping } from "../../protocols/oauth2/settings.js";
import type { Db } from "./db.js";

export const SCOPE_MAPPING_MODEL = "authentik_providers_oauth2.scopemapping";
const PK_PREFIX = "scopemapping:";
const FIELDS = ["name", "scope_name", "description", "expression", "managed"] as const;

type Stored = ScopeMapping & { managed?: string | null };

/** The scope-mapping handler of one blueprint transaction, plus how provider entries use it. */
export interface ScopeMappingCatalog {
  handler: ModelHandler;
  find(conditions: Array<[string, unknown]>): Promise<Pk | null>;
  /** Replaces references (pks) in an OAuth2 provider entry's `property_mappings` by the mappings. */
  inline(values: Record<string, unknown>): Record<string, unknown>;
}

export function scopeMappingCatalog(db: Db): ScopeMappingCatalog {
  /** Custom mappings of this transaction by pk (applied or found). */
  const known = new Map<string, Stored>();

  const objectOf = (pk: string, m: Stored): ModelObject => ({ pk, attrs: { ...m } });

  /** A custom mapping carried inline by some OAuth2 provider. */
  const onProviders = async (name: string): Promise<Stored | null> => {
    const rows = await db
      .select({ settings: s.providers.settings })
      .from(s.providers)
      .where(sql`${s.providers.type} = 'oauth2' and ${s.providers.settings} -> 'property_mappings' @> ${JSON.stringify([{ name }])}::jsonb`)
      .limit(1);
    const list = (rows[0]?.settings as { property_mappings?: unknown[] } | undefined)?.property_mappings ?? [];
    const found = list.find((m): m is Stored => typeof m === "object" && m !== null && (m as Stored).name === name);
    return found ?? null;
  };

  const lookup = async (where: Record<string, unknown>): Promise<ModelObject | null> => {
    const managedName = typeof where.managed === "string" ? where.managed : null;
    if (managedName) {
      const m = managedScopeMapping(managedName);
      return m ? objectOf(m.name, { ...m, managed: m.name }) : null;
    }
    const pk = typeof where.pk === "string" ? where.pk : null;
    const matches = (m: Stored) => Object.entries(where).every(([k, v]) => k === "pk" || (m as Record<string, unknown>)[k] === v);
    if (pk && known.has(pk)) return objectOf(pk, known.get(pk)!);
    for (const [k, m] of known) if (matches(m)) return objectOf(k, m);
    const name = typeof where.name === "string" ? where.name : pk?.startsWith(PK_PREFIX) ? pk.slice(PK_PREFIX.length) : null;
    if (!name) {
      const builtIn = managedByFields(where);
      return builtIn ? objectOf(builtIn.name, { ...builtIn, managed: builtIn.name }) : null;
    }
    const stored = await onProviders(name);
    if (!stored || !matches(stored)) return null;
    known.set(PK_PREFIX + name, stored);
    return objectOf(PK_PREFIX + name, stored);
  };

  /** Rewrites every OAuth2 provider's inline copy of mapping `name` (null = remove it). */
  const rewriteProviders = async (name: string, next: Stored | null) => {
    const rows = await db
      .select({ id: s.providers.id, settings: s.providers.settings })
      .from(s.providers)
      .where(sql`${s.providers.type} = 'oauth2' and ${s.providers.settings} -> 'property_mappings' @> ${JSON.stringify([{ name }])}::jsonb`);
    for (const row of rows) {
      const settings = row.settings as Record<string, unknown>;
      const list = (settings.property_mappings as unknown[]).flatMap((m) =>
        typeof m === "object" && m !== null && (m as Stored).name === name ? (next ? [inlineForm(next)] : []) : [m],
      );
      await db.update(s.providers).set({ settings: { ...settings, property_mappings: list } }).where(eq(s.providers.id, row.id));
    }
  };

  const validated = (values: Record<string, unknown>): Stored => {
    const parsed = scopeMapping.safeParse(values);
    if (!parsed.success) throw new Error(`scope mapping: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    compileExpression(parsed.data.expression); // throws PolicyError naming the problem
    return parsed.data;
  };

  const handler: ModelHandler = {
    prepare(values) {
      return Object.fromEntries(Object.entries(values).filter(([k]) => (FIELDS as readonly string[]).includes(k)));
    },
    find: (identifiers) => lookup(identifiers),
    async create(values, identifiers) {
      const managedName = (identifiers.managed ?? values.managed) as unknown;
      if (typeof managedName === "string" && managedName) {
        if (!managedScopeMapping(managedName)) throw new Error(`scope mapping: unknown managed mapping ${managedName}`);
        // Built in (CEL); authentik's own definitions (Python) are not taken over.
        return managedName;
      }
      const m = validated(values);
      const pk = PK_PREFIX + m.name;
      known.set(pk, m);
      return pk;
    },
    async update(pk, values) {
      const key = String(pk);
      if (!key.startsWith(PK_PREFIX)) return; // managed: built in
      const current = known.get(key) ?? (await onProviders(key.slice(PK_PREFIX.length)));
      if (!current) return;
      const next = validated({ ...current, ...values });
      known.delete(key);
      known.set(PK_PREFIX + next.name, next);
      await rewriteProviders(current.name, next);
    },
    async delete(pk) {
      const key = String(pk);
      if (!key.startsWith(PK_PREFIX)) throw new Error("scope mapping: managed mappings are built in and cannot be deleted");
      known.delete(key);
      await rewriteProviders(key.slice(PK_PREFIX.length), null);
    },
  };

  return {
    handler,
    async find(conditions) {
      return (await lookup(Object.fromEntries(conditions)))?.pk ?? null;
    },
    inline(values) {
      const list = values.property_mappings;
      if (!Array.isArray(list)) return values;
      return {
        ...values,
        property_mappings: list.map((ref) => {
          if (typeof ref !== "string" || !ref.startsWith(PK_PREFIX)) return ref;
          const m = known.get(ref);
          if (!m) throw new Error(`property_mappings: scope mapping ${ref.slice(PK_PREFIX.length)} is not defined`);
          return inlineForm(m);
        }),
      };
    },
  };
}

/** The inline form stored on providers (no `managed`). */
function inlineForm(m: Stored): ScopeMapping {
  return { name: m.name, scope_name: m.scope_name, description: m.description ?? "", expression: m.expression };
}

/** `!Find [.., [scope_name, email]]` with no custom match: the managed mapping of that scope. */
function managedByFields(where: Record<string, unknown>): ScopeMapping | undefined {
  const keys = Object.keys(where).filter((k) => k !== "pk");
  if (keys.length !== 1 || keys[0] !== "scope_name") return undefined;
  return MANAGED_SCOPE_MAPPINGS.find((m) => m.scope_name === where.scope_name);
}
