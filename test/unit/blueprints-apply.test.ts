/** The storage-independent applier (src/blueprints/apply.ts) in workerd, on an in-memory catalog. */
import { describe, expect, it } from "vitest";
import { applyEntries, type ModelCatalog, type ModelHandler, type Pk } from "../../src/blueprints/apply.js";
import { parseBlueprint } from "../../src/blueprints/parse.js";
import { BlueprintEntryError } from "../../src/blueprints/types.js";

/** One in-memory "table" per model; objects keyed by a counter pk. */
function memoryCatalog(models: string[]): ModelCatalog & { rows: Map<string, Map<Pk, Record<string, unknown>>> } {
  const rows = new Map(models.map((m) => [m, new Map<Pk, Record<string, unknown>>()]));
  let next = 1;
  const handler = (model: string): ModelHandler => {
    const table = rows.get(model)!;
    const match = (ids: Record<string, unknown>) =>
      [...table].find(([pk, r]) => ids.pk === pk || Object.entries(ids).every(([k, v]) => k === "pk" || r[k] === v));
    return {
      prepare: (v) => v,
      find: async (ids) => {
        const m = match(ids);
        return m ? { pk: m[0], attrs: { ...m[1] } } : null;
      },
      create: async (v) => {
        const pk = next++;
        table.set(pk, { ...v });
        return pk;
      },
      update: async (pk, v) => void table.set(pk, { ...table.get(pk), ...v }),
      delete: async (pk) => void table.delete(pk),
    };
  };
  return {
    rows,
    handler: (m) => (rows.has(m) ? handler(m) : undefined),
    find: async (m, conds) => {
      const found = [...(rows.get(m) ?? [])].find(([, r]) => conds.every(([k, v]) => r[k] === v));
      return found ? found[0] : null;
    },
  };
}

const FLOW = "authentik_flows.flow";
const STAGE = "authentik_stages_dummy.dummystage";
const BINDING = "authentik_flows.flowstagebinding";

describe("applyEntries", () => {
  const bp = parseBlueprint(`
version: 1
context: {title: From context}
entries:
  - model: ${FLOW}
    id: flow
    identifiers: {slug: f}
    attrs: {title: !Context title, name: !Format ["%s flow", !Env NAME]}
  - model: ${STAGE}
    id: stage
    identifiers: {name: s}
  - model: ${BINDING}
    identifiers: {target: !KeyOf flow, stage: !KeyOf stage, order: 0}
    attrs: {config: !Find [${FLOW}, [slug, f]]}
  - model: authentik_outposts.outpost
    id: outpost
    identifiers: {name: o}
  - model: ${BINDING}
    identifiers: {target: !KeyOf flow, stage: !KeyOf outpost, order: 1}
`);

  it("creates, then finds everything unchanged; KeyOf to a skipped entry skips", async () => {
    const catalog = memoryCatalog([FLOW, STAGE, BINDING]);
    const env = (k: string) => (k === "NAME" ? "Main" : undefined);
    const first = await applyEntries(bp, catalog, { env });
    expect(first).toMatchObject({ created: 3, updated: 0, unchanged: 0 });
    expect(first.skipped.map((s) => [s.index, s.model])).toEqual([
      [3, "authentik_outposts.outpost"],
      [4, BINDING],
    ]);
    expect([...catalog.rows.get(FLOW)!.values()]).toEqual([{ slug: "f", title: "From context", name: "Main flow" }]);
    expect([...catalog.rows.get(BINDING)!.values()]).toEqual([{ target: 1, stage: 2, order: 0, config: 1 }]);
    const second = await applyEntries(bp, catalog, { env });
    expect(second).toMatchObject({ created: 0, updated: 0, unchanged: 3 });
    const third = await applyEntries(bp, catalog, { env, context: { title: "Override" } });
    expect(third).toMatchObject({ created: 0, updated: 1, unchanged: 2 });
  });

  it("wraps failures with the entry index, model and identifiers", async () => {
    const broken = parseBlueprint(`version: 1\nentries:\n  - model: ${BINDING}\n    identifiers: {target: !KeyOf nope, order: 0}\n`);
    const err = await applyEntries(broken, memoryCatalog([BINDING])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BlueprintEntryError);
    expect(err).toMatchObject({ entryIndex: 0, model: BINDING });
    expect((err as Error).message).toContain('no earlier entry with id "nope"');
  });
});
