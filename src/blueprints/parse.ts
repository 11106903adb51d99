/**
 * YAML → `Blueprint`. Tags are kept as `BlueprintTag` nodes (resolved later, against a database),
 * their shape is checked here so a malformed `!Find` fails before anything is applied. Web APIs
 * only: runs in workerd as well as Node.
 */
import { Alias, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from "yaml";
import {
  BlueprintParseError,
  BlueprintTag,
  ENTRY_STATES,
  TAG_NAMES,
  type Blueprint,
  type BlueprintEntry,
  type BlueprintValue,
  type EntryState,
  type TagName,
} from "./types.js";

/** authentik model names are `app_label.model_name` (Django's lower-case labels). */
const MODEL_RE = /^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/;
const ENTRY_KEYS = new Set(["model", "state", "identifiers", "attrs", "id", "conditions", "permissions"]);
const UNSUPPORTED_TAGS: Record<string, string> = {
  "!File": "!File is not supported (hosts such as Workers cannot read files); use !Env",
  "!FindObject": "!FindObject is not supported; use !Find",
};

/** Parses a blueprint document. Throws `BlueprintParseError` naming the path (and line). */
export function parseBlueprint(source: string): Blueprint {
  const lines = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lines, uniqueKeys: true });
  const lineOf = (offset: number | undefined) => (offset === undefined ? undefined : lines.linePos(offset).line);
  const firstError = doc.errors[0];
  if (firstError) {
    throw new BlueprintParseError(`malformed YAML: ${firstError.message.split("\n")[0]}`, "", lineOf(firstError.pos[0]));
  }
  const fail = (message: string, path: string, node?: Node | null): never => {
    throw new BlueprintParseError(message, path, lineOf(node?.range?.[0]));
  };
  const toValue = (node: unknown, path: string): BlueprintValue => convert(node, path, doc, fail);

  const root = toValue(doc.contents, "");
  if (!isRecord(root)) return fail("a blueprint must be a mapping", "", doc.contents as Node);
  if (root.version !== 1) fail(`unsupported version ${JSON.stringify(root.version ?? null)} (expected 1)`, "version");
  const entries = flattenEntries(root.entries, fail).map(([value, path], index) =>
    parseEntry(value, path, index, fail),
  );
  const blueprint: Blueprint = { version: 1, context: {}, entries };
  if (root.context !== undefined && root.context !== null) {
    if (!isRecord(root.context)) fail("must be a mapping", "context");
    blueprint.context = root.context as Record<string, BlueprintValue>;
  }
  if (root.metadata !== undefined && root.metadata !== null) blueprint.metadata = parseMetadata(root.metadata, fail);
  return blueprint;
}

type Fail = (message: string, path: string, node?: Node | null) => never;

function convert(node: unknown, path: string, doc: ReturnType<typeof parseDocument>, fail: Fail): BlueprintValue {
  if (node === null || node === undefined) return null;
  if (isAlias(node)) return convert((node as Alias).resolve(doc), path, doc, fail);
  const n = node as Node;
  const plain = (): BlueprintValue => {
    if (isScalar(n)) return scalarValue(n.value, path, fail, n);
    if (isSeq(n)) return n.items.map((item, i) => convert(item, `${path}[${i}]`, doc, fail));
    if (isMap(n)) {
      const out: Record<string, BlueprintValue> = {};
      for (const pair of n.items) {
        if (!isPair(pair)) continue;
        const key = convert(pair.key, path, doc, fail);
        if (typeof key !== "string" && typeof key !== "number" && typeof key !== "boolean") {
          fail("mapping keys must be plain scalars", path, pair.key as Node);
        }
        const k = String(key);
        out[k] = convert(pair.value, path ? `${path}.${k}` : k, doc, fail);
      }
      return out;
    }
    return fail("unsupported YAML node", path, n);
  };
  const tag = n.tag;
  if (!tag || !tag.startsWith("!") || tag.startsWith("!!")) return plain();
  if (UNSUPPORTED_TAGS[tag]) fail(UNSUPPORTED_TAGS[tag]!, path, n);
  const name = tag.slice(1);
  if (!(TAG_NAMES as readonly string[]).includes(name)) {
    fail(`unknown tag ${tag} (known: ${TAG_NAMES.map((t) => `!${t}`).join(", ")})`, path, n);
  }
  const isSequence = isSeq(n);
  // The tag's own node, converted without its tag: a scalar becomes one argument.
  const inner = isSequence
    ? (n as { items: unknown[] }).items.map((item, i) => convert(item, `${path}[${i}]`, doc, fail))
    : isScalar(n)
      ? [scalarValue(n.value, path, fail, n)]
      : fail(`${tag} expects a scalar or a sequence, not a mapping`, path, n);
  const problem = checkTagShape(name as TagName, inner, isSequence);
  if (problem) fail(`${tag}: ${problem}`, path, n);
  return new BlueprintTag(name as TagName, inner, path);
}

function scalarValue(value: unknown, path: string, fail: Fail, node: Node): BlueprintValue {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  return fail(`unsupported scalar ${String(value)}`, path, node);
}

/** Checks arity the way authentik's tag constructors read their nodes. Null means fine. */
function checkTagShape(tag: TagName, args: BlueprintValue[], isSequence: boolean): string | null {
  switch (tag) {
    case "KeyOf":
    case "ParseJSON":
      return !isSequence && typeof args[0] === "string" ? null : "expects a string";
    case "Env":
    case "Context":
      if (!isSequence) return typeof args[0] === "string" ? null : "expects a name";
      return args.length >= 1 && args.length <= 2 ? null : "expects [name] or [name, default]";
    case "Value":
    case "Index": {
      const depth = args[0] === null || args[0] === "" ? 0 : Number(args[0]);
      return !isSequence && Number.isInteger(depth) && depth >= 0 ? null : "expects a depth (0, 1, …)";
    }
    case "Find":
      if (!isSequence || args.length < 1) return "expects [model, [field, value], …]";
      return args.slice(1).every((c) => c instanceof BlueprintTag || (Array.isArray(c) && c.length === 2))
        ? null
        : "each condition must be [field, value]";
    case "Format":
      return isSequence && args.length >= 1 ? null : "expects [format, arg, …]";
    case "If":
      return isSequence && (args.length === 1 || args.length === 3) ? null : "expects [condition] or [condition, when_true, when_false]";
    case "Condition":
      if (!isSequence || args.length < 2) return "expects [mode, value, …]";
      return typeof args[0] === "string" && CONDITION_MODES.has(args[0].toUpperCase())
        ? null
        : "mode must be AND, NAND, OR, NOR, XOR or XNOR";
    case "Enumerate":
      if (!isSequence || args.length !== 3) return "expects [iterable, SEQ|MAP, body]";
      return args[1] === "SEQ" || args[1] === "MAP" ? null : "output must be SEQ or MAP";
    case "AtIndex":
      return isSequence && (args.length === 2 || args.length === 3) ? null : "expects [object, index] or [object, index, default]";
  }
}

export const CONDITION_MODES = new Set(["AND", "NAND", "OR", "NOR", "XOR", "XNOR"]);

function flattenEntries(raw: BlueprintValue | undefined, fail: Fail): Array<[BlueprintValue, string]> {
  if (raw === undefined || raw === null) return [];
  if (Array.isArray(raw)) return raw.map((e, i) => [e, `entries[${i}]`]);
  // authentik also accepts sections: `entries: {section: [entry, …]}`, applied in order.
  if (isRecord(raw)) {
    return Object.entries(raw).flatMap(([section, list]) => {
      if (!Array.isArray(list)) return fail("must be a list of entries", `entries.${section}`);
      return list.map((e, i): [BlueprintValue, string] => [e, `entries.${section}[${i}]`]);
    });
  }
  return fail("must be a list", "entries");
}

function parseEntry(raw: BlueprintValue, path: string, index: number, fail: Fail): BlueprintEntry {
  if (!isRecord(raw)) return fail("an entry must be a mapping", path);
  for (const key of Object.keys(raw)) {
    if (!ENTRY_KEYS.has(key)) fail(`unknown entry key "${key}"`, `${path}.${key}`);
  }
  const model = raw.model;
  if (typeof model !== "string") return fail("model is required (app_label.model_name)", `${path}.model`);
  if (!MODEL_RE.test(model)) fail(`unknown model "${model}" (expected app_label.model_name)`, `${path}.model`);
  const state = raw.state ?? "present";
  if (typeof state !== "string" || !(ENTRY_STATES as readonly string[]).includes(state)) {
    fail(`state must be one of ${ENTRY_STATES.join(", ")}`, `${path}.state`);
  }
  const mapping = (key: "identifiers" | "attrs"): Record<string, BlueprintValue> => {
    const v = raw[key];
    if (v === undefined || v === null) return {};
    return isRecord(v) ? v : fail("must be a mapping", `${path}.${key}`);
  };
  const conditions = raw.conditions ?? [];
  if (!Array.isArray(conditions)) fail("must be a list", `${path}.conditions`);
  const entry: BlueprintEntry = {
    index,
    model,
    state: state as EntryState,
    identifiers: mapping("identifiers"),
    attrs: mapping("attrs"),
    conditions: conditions as BlueprintValue[],
  };
  if (raw.id !== undefined && raw.id !== null) {
    if (typeof raw.id !== "string") fail("id must be a string", `${path}.id`);
    entry.id = raw.id as string;
  }
  return entry;
}

function parseMetadata(raw: BlueprintValue, fail: Fail): NonNullable<Blueprint["metadata"]> {
  if (!isRecord(raw) || typeof raw.name !== "string") return fail("metadata needs a name", "metadata.name");
  const labels: Record<string, string> = {};
  if (raw.labels !== undefined && raw.labels !== null) {
    if (!isRecord(raw.labels)) fail("must be a mapping", "metadata.labels");
    for (const [k, v] of Object.entries(raw.labels as Record<string, BlueprintValue>)) labels[k] = String(v);
  }
  return { name: raw.name, labels };
}

/** A plain mapping (not a list, not a tag). */
export function isRecord(v: unknown): v is Record<string, BlueprintValue> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof BlueprintTag);
}
