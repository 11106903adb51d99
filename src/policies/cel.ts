/**
 * The CEL sandbox (DESIGN §5): expression policies (and later property mappings) run in
 * @marcbachmann/cel-js, a tree-walking interpreter — no `eval`/`new Function`, which Workers
 * forbid. An expression sees only the variables and functions registered here; `process`,
 * `globalThis`, `fetch` are unknown identifiers and fail to compile.
 *
 * CEL is not Turing complete, but nested comprehensions and repeated concatenation can still
 * do a lot of work synchronously, where no timer can interrupt them. So every evaluation has a
 * cost budget (AST node evaluations plus the size of every list/string produced) and values have
 * size caps; `matches()` only accepts literal patterns without nested quantifiers (JS regexes
 * backtrack; CEL specifies RE2).
 */
import { Environment } from "@marcbachmann/cel-js";
import { PolicyError } from "./policy-type.js";

/** Limits for one expression. */
export const CEL_LIMITS = {
  /** Characters of source. */
  maxExpressionLength: 8192,
  /** Evaluation budget: one unit per node evaluated plus one per list element / string char produced. */
  maxCost: 200_000,
  /** Largest list or map a single step may produce. */
  maxListSize: 10_000,
  /** Largest string a single step may produce. */
  maxStringLength: 64 * 1024,
  /** Longest `matches()` pattern. */
  maxRegexLength: 256,
  /** cel-js parser limits. */
  parse: { maxAstNodes: 2_000, maxDepth: 48, maxListElements: 500, maxMapEntries: 500, maxCallArguments: 16 },
} as const;

/** Per-evaluation state read by the registered functions (evaluation is synchronous: no overlap). */
interface EvalState {
  cost: number;
  exceeded: string | null;
  messages: string[];
  groupNames: ReadonlySet<string>;
}

let active: EvalState | null = null;

function state(): EvalState {
  if (!active) throw new PolicyError("CEL function called outside an evaluation");
  return active;
}

function userGroups(user: unknown): string[] {
  const groups = (user as { groups?: unknown } | null)?.groups;
  return Array.isArray(groups) ? groups.filter((g): g is string => typeof g === "string") : [];
}

let evaluatorProbe: object | null = null;

// Mixed-type list/map literals are `dyn` (as cel-go by default): a scope mapping returns claims of
// several types in one map (`{"email": …, "email_verified": true}`).
const env = new Environment({ limits: { ...CEL_LIMITS.parse }, homogeneousAggregateLiterals: false })
  .registerVariable("request", "map", { description: "authentik-like request: user, http_request, context, obj" })
  .registerFunction("ak_message(string): bool", (text: string) => (state().messages.push(text), true), {
    description: "Adds a message shown to the user; returns true.",
  })
  .registerFunction("ak_is_group_member(string): bool", (name: string) => state().groupNames.has(name), {
    description: "Whether the request user is in the named group (directly or through nested groups).",
  })
  .registerFunction(
    "ak_is_group_member(map, string): bool",
    (user: unknown, name: string) => userGroups(user).includes(name),
    { description: "Whether `user` (e.g. request.user) is in the named group (nested groups included)." },
  )
  // Captures cel-js's evaluator once so every node evaluation can be metered (see `meter`).
  .registerFunction("__threshold_probe(): bool", function (this: object) {
    evaluatorProbe = this;
    return true;
  });

interface Evaluator {
  run(ast: unknown, ctx: unknown): unknown;
}

function charge(s: EvalState, units: number): void {
  s.cost += units;
  if (s.cost > CEL_LIMITS.maxCost) s.exceeded ??= `expression exceeded its evaluation budget (${CEL_LIMITS.maxCost})`;
  if (s.exceeded) throw new PolicyError(s.exceeded);
}

function sizeOf(value: unknown): number {
  if (typeof value === "string") {
    if (value.length > CEL_LIMITS.maxStringLength) throw new PolicyError("expression produced a string that is too long");
    return value.length;
  }
  if (Array.isArray(value) || value instanceof Uint8Array) {
    if (value.length > CEL_LIMITS.maxListSize) throw new PolicyError("expression produced a list that is too long");
    return value.length;
  }
  if (value instanceof Map) return value.size;
  return 0;
}

/** Wraps the evaluator's `run` (called for every AST node) with the cost meter. */
function meter(): void {
  env.evaluate("__threshold_probe()", {});
  const ev = evaluatorProbe as Evaluator | null;
  if (!ev || typeof ev.run !== "function") throw new Error("cel-js evaluator shape changed; cannot meter CEL");
  const run = ev.run;
  ev.run = function meteredRun(this: Evaluator, ast, ctx) {
    const s = active;
    if (s) charge(s, 1);
    const result = run.call(this, ast, ctx);
    if (s) {
      const units = sizeOf(result);
      if (units > 0) charge(s, units);
    }
    return result;
  };
}
meter();

// ---------------------------------------------------------------------------------------------
// Static checks on the parsed AST.

interface AstNode {
  op: string;
  args: unknown;
}

const isNode = (v: unknown): v is AstNode => typeof v === "object" && v !== null && "op" in v && "args" in v;

function* walk(node: unknown): Generator<AstNode> {
  if (Array.isArray(node)) {
    for (const n of node) yield* walk(n);
    return;
  }
  if (!isNode(node)) return;
  yield node;
  if (Array.isArray(node.args) || isNode(node.args)) yield* walk(node.args);
}

/**
 * Rejects patterns that can backtrack exponentially: backreferences, and a quantified group
 * that contains a quantifier or an alternation (`(a+)+`, `(a|aa)*`).
 */
export function isSafeRegex(pattern: string): boolean {
  if (pattern.length > CEL_LIMITS.maxRegexLength) return false;
  if (/\\[1-9]|\\k</.test(pattern)) return false;
  try {
    new RegExp(pattern);
  } catch {
    return false;
  }
  const stack: { risky: boolean }[] = [];
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "\\") {
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      continue;
    }
    if (c === "[") inClass = true;
    else if (c === "(") stack.push({ risky: false });
    else if (c === "|" || c === "*" || c === "+" || c === "{") {
      for (const g of stack) g.risky = true;
    } else if (c === ")") {
      const group = stack.pop();
      const next = pattern[i + 1];
      if (group?.risky && (next === "*" || next === "+" || next === "{")) return false;
    }
  }
  return true;
}

function checkRegexes(ast: unknown): void {
  for (const node of walk(ast)) {
    if (node.op !== "call" && node.op !== "rcall") continue;
    const args = node.args as unknown[];
    if (args[0] !== "matches") continue;
    const params = (node.op === "rcall" ? args[2] : args[1]) as unknown[];
    const pattern = params[params.length - 1];
    if (!isNode(pattern) || pattern.op !== "value" || typeof pattern.args !== "string") {
      throw new PolicyError("matches() needs a string literal pattern");
    }
    if (!isSafeRegex(pattern.args)) {
      throw new PolicyError(`matches() pattern is not allowed (too long, invalid, or may backtrack): ${pattern.args}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------

/** A checked expression, ready to run many times. */
export interface CompiledExpression {
  source: string;
  evaluate(variables: { request: unknown }, bindings: { groupNames: ReadonlySet<string> }): CelResult;
}

export interface CelResult {
  value: unknown;
  messages: string[];
  cost: number;
}

const compiled = new Map<string, CompiledExpression>();
const MAX_COMPILED = 500;

/** Parses and type-checks `source`; throws `PolicyError` with the reason when it is not allowed. */
export function compileExpression(source: string): CompiledExpression {
  const hit = compiled.get(source);
  if (hit) return hit;
  if (source.length > CEL_LIMITS.maxExpressionLength) {
    throw new PolicyError(`expression is longer than ${CEL_LIMITS.maxExpressionLength} characters`);
  }
  if (/\b__threshold_/.test(source)) throw new PolicyError("reserved identifier");
  let parsed: ReturnType<typeof env.parse>;
  try {
    parsed = env.parse(source);
  } catch (e) {
    throw new PolicyError(`expression does not parse: ${(e as Error).message}`, { cause: e });
  }
  checkRegexes(parsed.ast);
  const checked = parsed.check();
  if (!checked.valid) throw new PolicyError(`expression is invalid: ${checked.error?.message}`);
  const expression: CompiledExpression = {
    source,
    evaluate(variables, bindings) {
      const s: EvalState = { cost: 0, exceeded: null, messages: [], groupNames: bindings.groupNames };
      const previous = active;
      active = s;
      try {
        const value = parsed(variables);
        if (value instanceof Promise) throw new PolicyError("asynchronous expressions are not supported");
        if (s.exceeded) throw new PolicyError(s.exceeded);
        return { value, messages: s.messages, cost: s.cost };
      } catch (e) {
        if (e instanceof PolicyError) throw e;
        throw new PolicyError(s.exceeded ?? `expression failed: ${(e as Error).message}`, { cause: e });
      } finally {
        active = previous;
      }
    },
  };
  if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
  compiled.set(source, expression);
  return expression;
}

/**
 * Converts host data to CEL values: safe integers → int (bigint), Dates stay timestamps, objects →
 * maps of their own enumerable keys; functions and undefined are dropped; depth-limited.
 */
export function toCel(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "string":
    case "boolean":
    case "bigint":
      return value;
    case "number":
      return Number.isSafeInteger(value) ? BigInt(value) : value;
    case "function":
    case "symbol":
      return null;
  }
  if (depth > 16) return null;
  if (value instanceof Date || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map((v) => toCel(v, depth + 1));
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value as object);
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) {
    if (typeof v === "function" || v === undefined) continue;
    if (k === "__proto__" || k === "constructor" || k === "prototype") continue;
    out[String(k)] = toCel(v, depth + 1);
  }
  return out;
}
