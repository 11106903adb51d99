/**
 * Export of the whole configuration as one authentik blueprint (YAML), suitable for git: flows,
 * stages (with prompt fields), stage bindings, policies, policy bindings, groups, providers,
 * applications and brands — optionally users — with `!KeyOf` references between entries and
 * natural-key identifiers (slug, name, domain), so the file applies to any instance.
 *
 * Stable by construction: entries are sorted by model then natural key, then reordered only as
 * far as `!KeyOf` needs (a referenced entry comes first); mapping keys are sorted; no pks,
 * timestamps or secrets are written. Export → apply to an empty instance → export gives the same
 * text (tested in `test/integration/cli-blueprint.test.ts`).
 */
import { inArray } from "drizzle-orm";
import { Document, Scalar, YAMLSeq } from "yaml";
import { classifyModel, POLICY_MODELS, PROMPT_FIELD_TYPE, PROVIDER_MODELS, STAGE_TYPES, type ModelKind } from "../../blueprints/models.js";
import * as s from "../../db/schema/index.js";
import { specFor, type Spec } from "./blueprints.js";
import type { Db } from "./db.js";

export interface ExportOptions {
  /** Also export users (without passwords) and their group memberships. */
  includeUsers?: boolean;
  /** `metadata.name`; default "Threshold configuration". */
  name?: string;
}

/** Attribute names never exported (secrets stay in the database they belong to). */
export const SECRET_ATTRIBUTES: ReadonlySet<string> = new Set([
  "client_secret",
  "private_key",
  "secret",
  "secret_key",
  "password",
  "bind_password",
  "api_key",
  "token",
]);

interface Row {
  kind: ModelKind;
  model: string;
  pk: string | number;
  attrs: Record<string, unknown>;
}

interface Entry {
  model: string;
  id?: string;
  /** Sort key inside its section. */
  key: string;
  section: number;
  identifiers: Record<string, unknown>;
  attrs: Record<string, unknown>;
  /** Entry ids this entry's values reference. */
  refs: Set<string>;
}

/** The blueprint model name of a kind (the inverse of `classifyModel`). */
export function modelName(kind: ModelKind): string {
  const invert = (map: Readonly<Record<string, string>>, v: string) => Object.keys(map).find((k) => map[k] === v)!;
  switch (kind.kind) {
    case "flow":
    case "flowstagebinding":
      return `authentik_flows.${kind.kind}`;
    case "policybinding":
      return "authentik_policies.policybinding";
    case "group":
    case "user":
    case "application":
      return `authentik_core.${kind.kind}`;
    case "brand":
      return "authentik_brands.brand";
    case "policy":
      return invert(POLICY_MODELS, kind.type);
    case "provider":
      return invert(PROVIDER_MODELS, kind.type);
    case "stage":
      if (kind.type === PROMPT_FIELD_TYPE) return "authentik_stages_prompt.prompt";
      return `authentik_stages_${kind.type}.${kind.type.replaceAll("_", "")}stage`;
  }
}

/** Every row of a spec's table (all types when the table is shared), with authentik attribute names. */
async function loadAll(db: Db, spec: Spec): Promise<Array<{ pk: string | number; type?: string; attrs: Record<string, unknown> }>> {
  const rows = (await db.select().from(spec.table)) as Array<Record<string, unknown>>;
  if (rows.length === 0) return [];
  const pks = rows.map((r) => r[spec.pk] as string | number);
  const modes = new Map<unknown, unknown>();
  if (spec.pbm) {
    const pbms = await db.select().from(s.policyBindingModels).where(inArray(s.policyBindingModels.pbmUuid, pks as string[]));
    for (const p of pbms) modes.set(p.pbmUuid, p.policyEngineMode);
  }
  const links = new Map<string, Map<unknown, unknown[]>>();
  for (const [attr, l] of Object.entries(spec.links ?? {})) {
    const byPk = new Map<unknown, unknown[]>();
    const found = await db.select({ self: l.self, other: l.other }).from(l.table);
    for (const f of found) byPk.set(f.self, [...(byPk.get(f.self) ?? []), f.other]);
    links.set(attr, byPk);
  }
  return rows.map((r) => {
    const pk = r[spec.pk] as string | number;
    const attrs: Record<string, unknown> = spec.bag ? { ...(r[spec.bag] as Record<string, unknown>) } : {};
    for (const [attr, key] of Object.entries(spec.columns)) attrs[attr] = r[key];
    if (spec.pbm) attrs.policy_engine_mode = modes.get(pk);
    for (const [attr, byPk] of links) attrs[attr] = [...(byPk.get(pk) ?? [])].map(String).sort();
    return { pk, type: spec.type ? (r[spec.type[0]] as string) : undefined, attrs };
  });
}

/** Loads one table for every kind stored in it (stages, policies and providers share tables). */
async function loadKind(db: Db, base: ModelKind): Promise<Row[]> {
  const out: Row[] = [];
  for (const r of await loadAll(db, specFor(base))) {
    const kind: ModelKind | null = r.type === undefined ? base : ({ ...base, type: r.type } as ModelKind);
    if (kind.kind === "stage" && kind.type !== PROMPT_FIELD_TYPE && !(STAGE_TYPES as readonly string[]).includes(kind.type)) continue;
    const model = modelName(kind);
    if (!model || !classifyModel(model)) continue;
    out.push({ kind, model, pk: r.pk, attrs: r.attrs });
  }
  return out;
}

const slugId = (prefix: string, key: string) => `${prefix}-${key}`.replace(/[^A-Za-z0-9_.-]+/g, "-");

/** Builds the export as a blueprint YAML document. */
export async function exportBlueprint(db: Db, opts: ExportOptions = {}): Promise<string> {
  const rows = {
    flows: await loadKind(db, { kind: "flow" }),
    stages: await loadKind(db, { kind: "stage", type: "" }),
    fsbs: await loadKind(db, { kind: "flowstagebinding" }),
    policies: await loadKind(db, { kind: "policy", type: "" }),
    bindings: await loadKind(db, { kind: "policybinding" }),
    groups: await loadKind(db, { kind: "group" }),
    providers: await loadKind(db, { kind: "provider", type: "" }),
    applications: await loadKind(db, { kind: "application" }),
    brands: await loadKind(db, { kind: "brand" }),
    users: opts.includeUsers ? await loadKind(db, { kind: "user" }) : [],
  };
  /** pk → entry id, for every object that can be referenced. */
  const ids = new Map<string, string>();
  const name = (r: Row, attr: string) => String(r.attrs[attr]);
  for (const r of rows.flows) ids.set(String(r.pk), slugId("flow", name(r, "slug")));
  for (const r of rows.stages) ids.set(String(r.pk), slugId(r.kind.kind === "stage" && r.kind.type === PROMPT_FIELD_TYPE ? "prompt" : "stage", name(r, "name")));
  for (const r of rows.policies) ids.set(String(r.pk), slugId("policy", name(r, "name")));
  for (const r of rows.groups) ids.set(String(r.pk), slugId("group", name(r, "name")));
  for (const r of rows.applications) ids.set(String(r.pk), slugId("application", name(r, "slug")));
  for (const r of rows.brands) ids.set(String(r.pk), slugId("brand", name(r, "domain")));
  const providerIds = new Map(rows.providers.map((r) => [Number(r.pk), slugId("provider", name(r, "name"))]));
  const userIds = new Map(rows.users.map((r) => [Number(r.pk), slugId("user", name(r, "username"))]));
  const flowSlug = new Map(rows.flows.map((r) => [String(r.pk), name(r, "slug")]));
  const stageName = new Map(rows.stages.map((r) => [String(r.pk), name(r, "name")]));
  for (const r of rows.fsbs) {
    ids.set(String(r.pk), slugId("binding", `${flowSlug.get(String(r.attrs.target))}-${r.attrs.order}-${stageName.get(String(r.attrs.stage))}`));
  }

  // Users referenced by policy bindings when users are not exported: `!Find` them by username.
  const boundUsers = rows.bindings.map((b) => b.attrs.user).filter((u): u is number => typeof u === "number");
  const usernames = new Map<number, string>();
  if (!opts.includeUsers && boundUsers.length > 0) {
    for (const u of await db.select({ id: s.users.id, username: s.users.username }).from(s.users).where(inArray(s.users.id, boundUsers))) {
      usernames.set(u.id, u.username);
    }
  }

  const entries: Entry[] = [];
  const add = (section: number, r: Row, identKeys: string[], id: string | undefined, drop: string[] = []) => {
    const refs = new Set<string>();
    const convert = (key: string, v: unknown) => ref(key, v, refs);
    const identifiers: Record<string, unknown> = {};
    for (const k of identKeys) identifiers[k] = convert(k, r.attrs[k]);
    const attrs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r.attrs)) {
      if (identKeys.includes(k) || drop.includes(k) || SECRET_ATTRIBUTES.has(k)) continue;
      attrs[k] = convert(k, v);
    }
    const key = identKeys.map((k) => sortKey(r.attrs[k], k)).join("\u0000");
    entries.push({ model: r.model, id, key, section, identifiers, attrs, refs });
  };
  /** Replaces references (uuids of exported objects, provider/user pks) by tags. */
  const ref = (key: string, v: unknown, refs: Set<string>): unknown => {
    if (key === "provider" && typeof v === "number" && providerIds.has(v)) return keyOf(providerIds.get(v)!, refs);
    if (key === "user" && typeof v === "number") {
      if (userIds.has(v)) return keyOf(userIds.get(v)!, refs);
      if (usernames.has(v)) return findTag("authentik_core.user", "username", usernames.get(v)!);
    }
    return deepRef(v, refs);
  };
  const deepRef = (v: unknown, refs: Set<string>): unknown => {
    if (typeof v === "string" && ids.has(v)) return keyOf(ids.get(v)!, refs);
    if (Array.isArray(v)) return v.map((x) => deepRef(x, refs));
    if (v && typeof v === "object" && !(v instanceof Date)) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deepRef(x, refs)]));
    }
    return v instanceof Date ? v.toISOString() : v;
  };
  const keyOf = (id: string, refs: Set<string>) => {
    refs.add(id);
    return { $keyOf: id };
  };
  /** Users referenced by a numeric pk that is not exported: sortKey uses the username. */
  const sortKey = (v: unknown, k: string): string => {
    if (typeof v === "string" && ids.has(v)) return ids.get(v)!;
    if (k === "provider" && typeof v === "number") return providerIds.get(v) ?? String(v);
    if (k === "user" && typeof v === "number") return userIds.get(v) ?? usernames.get(v) ?? String(v);
    if (typeof v === "number") return String(v).padStart(12, "0");
    return String(v ?? "");
  };

  for (const r of rows.groups) add(0, r, ["name"], ids.get(String(r.pk)), ["users"]);
  for (const r of rows.users) add(1, r, ["username"], userIds.get(Number(r.pk)));
  for (const r of rows.flows) add(2, r, ["slug"], ids.get(String(r.pk)));
  for (const r of rows.policies) add(3, r, ["name"], ids.get(String(r.pk)));
  for (const r of rows.stages) add(r.kind.kind === "stage" && r.kind.type === PROMPT_FIELD_TYPE ? 4 : 5, r, ["name"], ids.get(String(r.pk)));
  for (const r of rows.providers) add(6, r, ["name"], providerIds.get(Number(r.pk)));
  for (const r of rows.applications) add(7, r, ["slug"], ids.get(String(r.pk)));
  for (const r of rows.fsbs) add(8, r, ["target", "stage", "order"], ids.get(String(r.pk)));
  for (const r of rows.bindings) {
    const subject = ["policy", "group", "user"].filter((k) => r.attrs[k] !== null && r.attrs[k] !== undefined);
    add(9, r, ["target", ...subject, "order"], undefined);
  }
  for (const r of rows.brands) add(10, r, ["domain"], ids.get(String(r.pk)));

  return render(order(entries), opts.name ?? "Threshold configuration");
}

/** Section/model/key order, then dependencies first (a `!KeyOf` target precedes its user). */
function order(entries: Entry[]): Entry[] {
  const sorted = [...entries].sort((a, b) => a.section - b.section || cmp(a.model, b.model) || cmp(a.key, b.key));
  const byId = new Map(sorted.filter((e) => e.id).map((e) => [e.id!, e]));
  const done = new Set<Entry>();
  const visiting = new Set<Entry>();
  const out: Entry[] = [];
  const visit = (e: Entry) => {
    if (done.has(e) || visiting.has(e)) return;
    visiting.add(e);
    for (const id of [...e.refs].sort()) {
      const target = byId.get(id);
      if (target) visit(target);
    }
    visiting.delete(e);
    done.add(e);
    out.push(e);
  };
  for (const e of sorted) visit(e);
  return out;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function findTag(model: string, field: string, value: string): YAMLSeq {
  const seq = new YAMLSeq();
  seq.tag = "!Find";
  seq.flow = true;
  seq.items.push(model, [field, value]);
  return seq;
}

/** Plain data → YAML nodes: `{ $keyOf }` markers become `!KeyOf` scalars; mapping keys sorted. */
function toNode(v: unknown): unknown {
  if (v instanceof YAMLSeq) return v;
  if (Array.isArray(v)) return v.map(toNode);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (typeof o.$keyOf === "string" && Object.keys(o).length === 1) {
      const tag = new Scalar(o.$keyOf);
      tag.tag = "!KeyOf";
      return tag;
    }
    return Object.fromEntries(Object.keys(o).sort().map((k) => [k, toNode(o[k])]));
  }
  return v;
}

function render(entries: Entry[], name: string): string {
  const data = {
    version: 1,
    metadata: { name, labels: { "blueprints.goauthentik.io/generated": "threshold" } },
    entries: entries.map((e) => ({
      model: e.model,
      ...(e.id ? { id: e.id } : {}),
      state: "present",
      identifiers: toNode(e.identifiers),
      attrs: toNode(e.attrs),
    })),
  };
  const doc = new Document(data, { keepSourceTokens: false });
  doc.commentBefore = " Exported by `threshold blueprint export`: apply with `threshold blueprint apply FILE`.\n Secrets (client secrets, private keys, passwords) are not exported.";
  return doc.toString({ lineWidth: 0 });
}
