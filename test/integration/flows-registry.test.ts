import { readdirSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { STAGES, stageType } from "../../src/flows/registry.js";
import type { AnyStage } from "../../src/flows/stage.js";

const dir = fileURLToPath(new URL("../../src/flows/stages/", import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith(".ts"));

function isStage(value: unknown): value is AnyStage {
  return typeof value === "object" && value !== null && "type" in value && "config" in value && ("run" in value || "submit" in value);
}

describe("stage registry", () => {
  it("registers every stage file, under the type named by the file", async () => {
    for (const file of files) {
      const mod = (await import(/* @vite-ignore */ pathToFileURL(dir + file).href)) as Record<string, unknown>;
      const stages = Object.values(mod).filter(isStage);
      expect(stages, `${file} exports one stage`).toHaveLength(1);
      const stage = stages[0]!;
      expect(stage.type, `${file} is named after its type`).toBe(file.replace(/\.ts$/, "").replace(/-/g, "_"));
      expect(stageType(stage.type), `${file} is in src/flows/registry.ts`).toBe(stage);
    }
    expect(STAGES).toHaveLength(files.length);
  });

  it("has no repeated type ids or components", () => {
    const types = STAGES.map((s) => s.type);
    expect(new Set(types).size).toBe(types.length);
    const components = STAGES.flatMap((s) => ("component" in s ? [s.component] : []));
    expect(new Set(components).size).toBe(components.length);
  });

  it("accepts an empty config (every setting has authentik's default)", () => {
    for (const stage of STAGES) expect(stage.config.safeParse({}).success, stage.type).toBe(true);
  });
});
