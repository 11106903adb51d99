/**
 * The storage-independent half of the applier (authentik's `blueprints/v1/importer.py`): walks the
 * entries in order, resolves their tags, applies `state`, and keeps `!KeyOf` targets. Storage comes
 * through `ModelCatalog`; the Postgres adapter (`src/adapters/postgres/blueprints.ts`) runs this
 * inside one transaction.
 */
import { resolveValue, TagResolutionError, truthy, type TagResolver } from "./resolve.js";
import { BlueprintEntryError, type Blueprint, type BlueprintEntry } from "./types.js";

export type Pk = string | number;

/** An existing object: its pk and its current values under authentik's attribute names. */
export interface ModelObject {
  pk: Pk;
  attrs: Record<string, unknown>;
}

/** Storage for one authentik model. */
export interface ModelHandler {
  /** Keeps the attributes this model stores (others are ignored, like DRF ignores unknown
   * fields) and normalises them (e.g. sorts many-to-many lists) for comparison. */
  prepare(values: Record<string, unknown>): Record<string, unknown>;
  /** authentik's lookup: `pk` OR (all other identifiers). Null when nothing matches. */
  find(identifiers: Record<string, unknown>): Promise<ModelObject | null>;
  create(values: Record<string, unknown>, identifiers: Record<string, unknown>): Promise<Pk>;
  /** A partial update: only the given attributes change. */
  update(pk: Pk, values: Record<string, unknown>): Promise<void>;
  delete(pk: Pk): Promise<void>;
}

export interface ModelCatalog {
  /** Undefined: we have no such model, so its entries are skipped (not an error). */
  handler(model: string): ModelHandler | undefined;
  /** `!Find`: pk of the first match; null when nothing (or no such model) matches. */
  find(model: string, conditions: Array<[string, unknown]>): Promise<Pk | null>;
}

export interface ApplyOptions {
  /** `!Env` lookups (hosts pass their env; `src/` never reads `process.env`). */
  env?: (name: string) => string | undefined;
  /** Overrides for `!Context` (over the blueprint's own `context`). */
  context?: Record<string, unknown>;
}

export interface SkippedEntry {
  index: number;
  model: string;
  reason: string;
}

export interface ApplyResult {
  created: number;
  updated: number;
  deleted: number;
  /** Entries whose object already matched (or existed, for state `created`). */
  unchanged: number;
  skipped: SkippedEntry[];
  /** Attributes Threshold does not store (e.g. a user's `password`), per entry. */
  ignored: IgnoredAttrs[];
}

export interface IgnoredAttrs {
  index: number;
  model: string;
  attrs: string[];
}

/** authentik's default blueprint context (`Importer.default_context`). */
export const DEFAULT_CONTEXT: Readonly<Record<string, unknown>> = {
  "goauthentik.io/enterprise/licensed": false,
  "goauthentik.io/rbac/models": {},
};

/** A `!KeyOf` to an entry that was skipped: the referring entry is skipped as well. */
class SkipEntry extends Error {}

type EntryOutcome = { kind: "object"; pk: Pk } | { kind: "skipped" } | { kind: "absent" };

/** Applies every entry of `blueprint` through `catalog`. Throws `BlueprintEntryError`. */
export async function applyEntries(
  blueprint: Blueprint,
  catalog: ModelCatalog,
  opts: ApplyOptions = {},
): Promise<ApplyResult> {
  const result: ApplyResult = { created: 0, updated: 0, deleted: 0, unchanged: 0, skipped: [], ignored: [] };
  const outcomes = new Map<string, EntryOutcome>();
  const context = { ...DEFAULT_CONTEXT, ...blueprint.context, ...opts.context };
  const resolver: TagResolver = {
    keyOf(id) {
      const o = outcomes.get(id);
      if (!o) throw new TagResolutionError(`!KeyOf: no earlier entry with id "${id}"`, "");
      if (o.kind === "skipped") throw new SkipEntry(`references entry "${id}", which was skipped`);
      if (o.kind === "absent") throw new TagResolutionError(`!KeyOf: entry "${id}" has state absent`, "");
      return o.pk;
    },
    find: (model, conditions) => catalog.find(model, conditions),
    env: (name) => opts.env?.(name),
    context,
  };
  const skip = (entry: BlueprintEntry, reason: string) => {
    result.skipped.push({ index: entry.index, model: entry.model, reason });
    if (entry.id !== undefined) outcomes.set(entry.id, { kind: "skipped" });
  };

  for (const entry of blueprint.entries) {
    const handler = catalog.handler(entry.model);
    if (!handler) {
      skip(entry, `model ${entry.model} is not supported by Threshold`);
      continue;
    }
    let identifiers: unknown = entry.identifiers;
    try {
      const conditions = (await resolveValue(entry.conditions, resolver)) as unknown[];
      if (!conditions.every(truthy)) {
        skip(entry, "conditions evaluated to false");
        continue;
      }
      identifiers = await resolveValue(entry.identifiers, resolver);
      const attrs = (await resolveValue(entry.attrs, resolver)) as Record<string, unknown>;
      const outcome = await applyEntry(entry, handler, identifiers as Record<string, unknown>, attrs, result);
      if (entry.id !== undefined) outcomes.set(entry.id, outcome);
    } catch (e) {
      if (e instanceof SkipEntry) {
        skip(entry, e.message);
        continue;
      }
      if (e instanceof BlueprintEntryError) throw e;
      const reason = e instanceof Error ? e.message : String(e);
      throw new BlueprintEntryError(entry.index, entry.model, identifiers, reason, { cause: e });
    }
  }
  return result;
}

async function applyEntry(
  entry: BlueprintEntry,
  handler: ModelHandler,
  identifiers: Record<string, unknown>,
  attrs: Record<string, unknown>,
  result: ApplyResult,
): Promise<EntryOutcome> {
  if (Object.keys(identifiers).length === 0) throw new Error("an entry needs identifiers");
  const existing = await handler.find(identifiers);
  switch (entry.state) {
    case "absent":
      if (existing) {
        await handler.delete(existing.pk);
        result.deleted++;
      }
      return { kind: "absent" };
    case "must_created":
      if (existing) throw new Error("state is must_created but the object already exists");
      break;
    case "created":
      if (existing) {
        result.unchanged++;
        return { kind: "object", pk: existing.pk };
      }
      break;
    case "present":
      break;
  }
  // authentik writes the identifiers too (`full_data.update(identifiers)`); `pk` only selects.
  const { pk: _pk, ...rest } = identifiers;
  const wanted = { ...attrs, ...rest };
  const values = handler.prepare(wanted);
  const dropped = Object.keys(wanted).filter((k) => !(k in values));
  if (dropped.length > 0) result.ignored.push({ index: entry.index, model: entry.model, attrs: dropped });
  if (!existing) {
    const pk = await handler.create(values, identifiers);
    result.created++;
    return { kind: "object", pk };
  }
  const changed = Object.fromEntries(
    Object.entries(values).filter(([k, v]) => !sameValue(existing.attrs[k], v)),
  );
  if (Object.keys(changed).length === 0) result.unchanged++;
  else {
    await handler.update(existing.pk, changed);
    result.updated++;
  }
  return { kind: "object", pk: existing.pk };
}

/** Deep equality of JSON-like values; `undefined` and `null` count as equal. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b || ((a === null || a === undefined) && (b === null || b === undefined))) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  }
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return (
    ka.length === kb.length &&
    ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}
