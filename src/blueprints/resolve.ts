/**
 * Tag resolution, as authentik's `YAMLTag.resolve` implementations (`blueprints/v1/common.py`):
 * the database-facing parts (`!KeyOf`, `!Find`) and the environment come through a `TagResolver`,
 * so this module runs on any host.
 */
import { isRecord } from "./parse.js";
import { BlueprintTag, type BlueprintValue } from "./types.js";

/** What tags need from the outside. */
export interface TagResolver {
  /** `!KeyOf id`: the pk of an earlier entry of the same blueprint. Throws when there is none. */
  keyOf(id: string): unknown;
  /** `!Find [model, [field, value], …]`: the pk of the first match, null when none. */
  find(model: string, conditions: Array<[string, unknown]>): Promise<unknown>;
  /** `!Env NAME`: an environment value (injected: `src/` never reads `process.env`). */
  env(name: string): string | undefined;
  /** `!Context key`: default context < blueprint `context` < caller's context. */
  context: Readonly<Record<string, unknown>>;
}

/** A tag could not be resolved (bad arguments, missing KeyOf target…). */
export class TagResolutionError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(`${path ? `${path}: ` : ""}${message}`);
  }
}

/** Resolves every tag inside `value`, depth first; plain data is copied. */
export async function resolveValue(value: BlueprintValue, r: TagResolver): Promise<unknown> {
  return new Resolution(r).value(value);
}

class Resolution {
  /** Items of the `!Enumerate` tags being expanded, innermost last: [index or key, value]. */
  private readonly items: Array<[unknown, unknown]> = [];
  constructor(private readonly r: TagResolver) {}

  async value(v: BlueprintValue | unknown): Promise<unknown> {
    if (v instanceof BlueprintTag) return this.tag(v);
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      for (const item of v) out.push(await this.value(item));
      return out;
    }
    if (isRecord(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) out[k] = await this.value(item);
      return out;
    }
    return v;
  }

  private async tag(t: BlueprintTag): Promise<unknown> {
    const a = t.args;
    const fail = (message: string): never => {
      throw new TagResolutionError(`!${t.tag}: ${message}`, t.path);
    };
    switch (t.tag) {
      case "KeyOf":
        return this.r.keyOf(String(a[0]));
      case "Env": {
        const name = String(await this.value(a[0]));
        // authentik: `getenv(key) or default` — an empty value falls back to the default too.
        return this.r.env(name) || (a.length > 1 ? this.value(a[1]) : null);
      }
      case "Context": {
        const key = String(await this.value(a[0]));
        const found = Object.hasOwn(this.r.context, key) ? this.r.context[key] : a.length > 1 ? a[1] : null;
        return this.value(found);
      }
      case "Format": {
        const args: unknown[] = [];
        for (const arg of a.slice(1)) args.push(await this.value(arg));
        try {
          return pyFormat(String(await this.value(a[0])), args);
        } catch (e) {
          return fail((e as Error).message);
        }
      }
      case "Find": {
        const model = String(await this.value(a[0]));
        const conditions: Array<[string, unknown]> = [];
        for (const c of a.slice(1)) {
          const pair = await this.value(c);
          if (!Array.isArray(pair) || pair.length !== 2) fail("each condition must be [field, value]");
          conditions.push([String((pair as unknown[])[0]), (pair as unknown[])[1]]);
        }
        return this.r.find(model, conditions);
      }
      case "If": {
        const condition = truthy(await this.value(a[0]));
        if (a.length === 1) return condition;
        return this.value(condition ? a[1] : a[2]);
      }
      case "Condition": {
        const values: boolean[] = [];
        for (const arg of a.slice(1)) values.push(truthy(await this.value(arg)));
        return condition(String(a[0]).toUpperCase(), values);
      }
      case "Enumerate":
        return this.enumerate(t);
      case "Index":
      case "Value": {
        const depth = a[0] === null || a[0] === "" ? 0 : Number(a[0]);
        const item = this.items[this.items.length - 1 - depth];
        if (!item) fail(depth === 0 ? "only usable inside an !Enumerate" : `invalid depth ${depth}`);
        return t.tag === "Index" ? item![0] : item![1];
      }
      case "AtIndex": {
        const obj = await this.value(a[0]);
        const at = await this.value(a[1]);
        const has = Array.isArray(obj)
          ? typeof at === "number" && at >= -obj.length && at < obj.length
          : isRecord(obj) && Object.hasOwn(obj, String(at));
        if (has) return Array.isArray(obj) ? obj.at(at as number) : (obj as Record<string, unknown>)[String(at)];
        if (a.length > 2) return this.value(a[2]);
        return fail(Array.isArray(obj) ? `index out of range: ${String(at)}` : `key does not exist: ${String(at)}`);
      }
      case "ParseJSON":
        try {
          return JSON.parse(String(a[0])) as unknown;
        } catch (e) {
          return fail((e as Error).message);
        }
    }
  }

  private async enumerate(t: BlueprintTag): Promise<unknown> {
    const iterable = await this.value(t.args[0]);
    let items: Array<[unknown, unknown]>;
    if (Array.isArray(iterable)) items = iterable.map((v, i) => [i, v]);
    else if (isRecord(iterable)) items = Object.entries(iterable);
    else if (typeof iterable === "string") items = [...iterable].map((c, i) => [i, c]);
    else throw new TagResolutionError("!Enumerate: the iterable must be a sequence or a mapping", t.path);
    const asMap = t.args[1] === "MAP";
    let out: unknown[] | Record<string, unknown> = asMap ? {} : [];
    for (const item of items) {
      this.items.push(item);
      try {
        const body = await this.value(t.args[2]);
        if (!asMap) (out as unknown[]).push(body);
        else if (Array.isArray(body) && body.length === 2) out = deepMerge(out as Record<string, unknown>, { [String(body[0])]: body[1] });
        else if (isRecord(body)) out = deepMerge(out as Record<string, unknown>, body);
        else throw new TagResolutionError(`!Enumerate: invalid MAP item ${JSON.stringify(body)}`, t.path);
      } finally {
        this.items.pop();
      }
    }
    return out;
  }
}

/** Python truthiness: None, False, 0, "", [] and {} are false. */
export function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (isRecord(v)) return Object.keys(v).length > 0;
  return Boolean(v);
}

function condition(mode: string, v: boolean[]): boolean {
  const xor = () => v.reduce((acc, b) => acc !== b);
  switch (mode) {
    case "AND":
      return v.every(Boolean);
    case "NAND":
      return !v.every(Boolean);
    case "OR":
      return v.some(Boolean);
    case "NOR":
      return !v.some(Boolean);
    case "XOR":
      return xor();
    case "XNOR":
      return !xor();
    default:
      throw new TagResolutionError(`!Condition: unknown mode ${mode}`, "");
  }
}

/** Python's `str(x)`, for `%s`. */
function pyStr(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/**
 * Python `format % tuple(args)` for the conversions blueprints use: `%s`, `%d`/`%i`, `%f`, `%%`.
 * Argument-count mismatches raise as Python does.
 */
export function pyFormat(format: string, args: readonly unknown[]): string {
  let next = 0;
  const out = format.replace(/%(?:\.(\d+))?([sdifr%])/g, (_m, precision: string | undefined, conv: string) => {
    if (conv === "%") return "%";
    if (next >= args.length) throw new Error("not enough arguments for format string");
    const arg = args[next++];
    if (conv === "s" || conv === "r") return pyStr(arg);
    const n = Number(arg);
    if (typeof arg === "boolean" ? false : Number.isNaN(n) || arg === null || arg === "") {
      throw new Error(`%${conv} format: a real number is required, not ${typeof arg}`);
    }
    if (conv === "f") return n.toFixed(precision === undefined ? 6 : Number(precision));
    return String(Math.trunc(n));
  });
  if (next < args.length) throw new Error("not all arguments converted during string formatting");
  return out;
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    if (isRecord(cur) && isRecord(v)) out[k] = deepMerge(cur, v);
    else if (Array.isArray(cur) && Array.isArray(v)) out[k] = [...cur, ...v];
    else out[k] = v;
  }
  return out;
}
