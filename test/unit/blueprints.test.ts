/** Blueprint parsing and tag resolution, inside workerd (Web APIs only). */
import { describe, expect, it } from "vitest";
import { defaultBlueprints } from "../../src/blueprints/defaults.js";
import { parseBlueprint } from "../../src/blueprints/parse.js";
import { pyFormat, resolveValue, type TagResolver } from "../../src/blueprints/resolve.js";
import { BlueprintParseError, BlueprintTag, type BlueprintValue } from "../../src/blueprints/types.js";

const doc = (attrs: string) =>
  parseBlueprint(`version: 1\nentries:\n  - model: authentik_core.group\n    identifiers: {name: g}\n    attrs:\n${attrs}`);

function resolver(over: Partial<TagResolver> = {}): TagResolver & { finds: unknown[] } {
  const finds: unknown[] = [];
  return {
    keyOf: (id) => {
      if (id === "flow") return "11111111-1111-4111-8111-111111111111";
      throw new Error(`no entry ${id}`);
    },
    find: async (model, conditions) => {
      finds.push([model, conditions]);
      return model === "authentik_flows.flow" && conditions[0]?.[1] === "default-authentication-flow" ? "flow-pk" : null;
    },
    env: (name) => ({ HOST: "id.example.com", EMPTY: "" })[name],
    context: { tenant: "acme", nested: new BlueprintTag("Env", ["HOST"], "") },
    finds,
    ...over,
  };
}

describe("parseBlueprint", () => {
  it("reads the document shape with authentik's defaults", () => {
    const bp = parseBlueprint(`
version: 1
metadata: {name: Example, labels: {a: "b"}}
context: {foo: bar}
entries:
  - model: authentik_flows.flow
    id: flow
    identifiers: {slug: x}
    attrs: {name: X}
  - model: authentik_core.group
    state: absent
    identifiers: {name: old}
`);
    expect(bp.metadata).toEqual({ name: "Example", labels: { a: "b" } });
    expect(bp.context).toEqual({ foo: "bar" });
    expect(bp.entries).toEqual([
      { index: 0, model: "authentik_flows.flow", state: "present", identifiers: { slug: "x" }, attrs: { name: "X" }, id: "flow", conditions: [] },
      { index: 1, model: "authentik_core.group", state: "absent", identifiers: { name: "old" }, attrs: {}, conditions: [] },
    ]);
  });

  it("flattens entry sections in order", () => {
    const bp = parseBlueprint(`version: 1\nentries:\n  a:\n    - {model: authentik_core.group, identifiers: {name: a}}\n  b:\n    - {model: authentik_core.group, identifiers: {name: b}}\n`);
    expect(bp.entries.map((e) => [e.index, e.identifiers.name])).toEqual([[0, "a"], [1, "b"]]);
  });

  it("keeps every tag as an unresolved node", () => {
    const bp = doc(`      a: !KeyOf flow
      b: !Find [authentik_flows.flow, [slug, x]]
      c: !Env HOST
      d: !Env [HOST, fallback]
      e: !Context tenant
      f: !Context [tenant, none]
      g: !Format ["%s-%s", a, !Env HOST]
      h: !If [true, yes-value, no-value]
      i: !Condition [AND, true, !Context x]
      j: !Enumerate [[1, 2], SEQ, !Value 0]
      k: !Index 0
      l: !AtIndex [[1, 2], 0]
      m: !ParseJSON '{"a": 1}'
`);
    const attrs = bp.entries[0]!.attrs as Record<string, BlueprintValue>;
    const tags = Object.fromEntries(
      Object.entries(attrs).map(([k, v]) => [k, v instanceof BlueprintTag ? v.tag : null]),
    );
    expect(tags).toEqual({
      a: "KeyOf", b: "Find", c: "Env", d: "Env", e: "Context", f: "Context", g: "Format", h: "If",
      i: "Condition", j: "Enumerate", k: "Index", l: "AtIndex", m: "ParseJSON",
    });
    expect((attrs.b as BlueprintTag).args).toEqual(["authentik_flows.flow", ["slug", "x"]]);
    expect((attrs.g as BlueprintTag).args[2]).toBeInstanceOf(BlueprintTag);
    expect((attrs.a as BlueprintTag).path).toBe("entries[0].attrs.a");
  });

  const errorOf = (src: string): BlueprintParseError => {
    try {
      parseBlueprint(src);
    } catch (e) {
      expect(e).toBeInstanceOf(BlueprintParseError);
      return e as BlueprintParseError;
    }
    throw new Error("expected a parse error");
  };

  it("rejects unknown tags, bad tag shapes, models and YAML with a path", () => {
    const base = `version: 1\nentries:\n  - model: authentik_core.group\n    identifiers: {name: g}\n    attrs:\n`;
    let e = errorOf(`${base}      x: !Bogus 1\n`);
    expect(e.message).toMatch(/unknown tag !Bogus/);
    expect(e.path).toBe("entries[0].attrs.x");
    expect(e.line).toBe(6);
    e = errorOf(`${base}      x: !Find slug\n`);
    expect(e.message).toMatch(/!Find: expects \[model/);
    e = errorOf(`${base}      x: !Condition [MAYBE, true]\n`);
    expect(e.message).toMatch(/mode must be/);
    e = errorOf(`${base}      x: !File /etc/passwd\n`);
    expect(e.message).toMatch(/!File is not supported/);
    e = errorOf(`version: 1\nentries:\n  - model: NotAModel\n`);
    expect(e.path).toBe("entries[0].model");
    expect(e.message).toMatch(/unknown model "NotAModel"/);
    e = errorOf(`version: 1\nentries:\n  - model: authentik_core.group\n    state: gone\n`);
    expect(e.path).toBe("entries[0].state");
    e = errorOf(`version: 1\nentries:\n  - model: authentik_core.group\n    atrs: {}\n`);
    expect(e.message).toMatch(/unknown entry key "atrs"/);
    e = errorOf(`version: 2\nentries: []\n`);
    expect(e.path).toBe("version");
    e = errorOf(`version: 1\nentries: [\n`);
    expect(e.message).toMatch(/malformed YAML/);
  });

  it("parses every default blueprint (embedded text, so Workers can apply them)", () => {
    const all = defaultBlueprints();
    expect(all.length).toBeGreaterThanOrEqual(12);
    expect(all.every((d) => d.blueprint.entries.length > 0)).toBe(true);
  });
});

describe("resolveValue", () => {
  const tagsOf = (attrs: string) => doc(attrs).entries[0]!.attrs;

  it("resolves KeyOf, Find, Env, Context and Format", async () => {
    const r = resolver();
    const out = await resolveValue(
      tagsOf(`      key: !KeyOf flow
      found: !Find [authentik_flows.flow, [slug, default-authentication-flow]]
      missing: !Find [authentik_flows.flow, [slug, nope]]
      env: !Env HOST
      envDefault: !Env [MISSING, fallback]
      envEmpty: !Env [EMPTY, fallback]
      envNone: !Env MISSING
      ctx: !Context tenant
      ctxDefault: !Context [other, dflt]
      ctxTag: !Context nested
      fmt: !Format ["https://%s/%s?n=%d&%%", !Env HOST, !Context tenant, 42]
      list: [!KeyOf flow, {deep: !Env HOST}]
`),
      r,
    );
    expect(out).toEqual({
      key: "11111111-1111-4111-8111-111111111111",
      found: "flow-pk",
      missing: null,
      env: "id.example.com",
      envDefault: "fallback",
      envEmpty: "fallback",
      envNone: null,
      ctx: "acme",
      ctxDefault: "dflt",
      ctxTag: "id.example.com",
      fmt: "https://id.example.com/acme?n=42&%",
      list: ["11111111-1111-4111-8111-111111111111", { deep: "id.example.com" }],
    });
    expect(r.finds).toContainEqual(["authentik_flows.flow", [["slug", "nope"]]]);
  });

  it("resolves If, Condition, Enumerate/Index/Value, AtIndex, ParseJSON", async () => {
    const out = await resolveValue(
      tagsOf(`      ifTrue: !If [!Context tenant, {a: 1}, [b]]
      ifFalse: !If [!Env MISSING, {a: 1}, [b]]
      ifBare: !If [""]
      and: !Condition [AND, true, 1, "x"]
      or: !Condition [OR, false, 0, ""]
      nor: !Condition [NOR, false, []]
      xor: !Condition [XOR, true, true, true]
      xnor: !Condition [XNOR, true, false]
      nand: !Condition [NAND, true, false]
      seq: !Enumerate [[a, b], SEQ, !Format ["%s=%s", !Index 0, !Value 0]]
      map: !Enumerate [{x: 1, y: 2}, MAP, [!Format ["k-%s", !Index 0], !Value 0]]
      nested: !Enumerate [[1, 2], SEQ, !Enumerate [[a], SEQ, !Format ["%s%s", !Value 1, !Value 0]]]
      at: !AtIndex [[a, b], 1]
      atDefault: !AtIndex [{a: 1}, z, none]
      json: !ParseJSON '{"a": [1]}'
`),
      resolver(),
    );
    expect(out).toEqual({
      ifTrue: { a: 1 },
      ifFalse: ["b"],
      ifBare: false,
      and: true,
      or: false,
      nor: true,
      xor: true,
      xnor: false,
      nand: true,
      seq: ["0=a", "1=b"],
      map: { "k-x": 1, "k-y": 2 },
      nested: [["1a"], ["2a"]],
      at: "b",
      atDefault: "none",
      json: { a: [1] },
    });
  });

  it("fails with the tag's path", async () => {
    await expect(resolveValue(tagsOf(`      x: !Value 0\n`), resolver())).rejects.toThrow(
      /entries\[0\]\.attrs\.x: !Value: only usable inside an !Enumerate/,
    );
    await expect(resolveValue(tagsOf(`      x: !Format ["%s %s", a]\n`), resolver())).rejects.toThrow(
      /not enough arguments/,
    );
    await expect(resolveValue(tagsOf(`      x: !KeyOf nope\n`), resolver())).rejects.toThrow(/no entry nope/);
  });

  it("formats like Python's % operator", () => {
    expect(pyFormat("%s|%s|%s|%d|%.2f", [null, true, "x", 3.9, 1])).toBe("None|True|x|3|1.00");
    expect(() => pyFormat("%s", ["a", "b"])).toThrow(/not all arguments converted/);
  });
});
