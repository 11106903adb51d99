/**
 * DESIGN §2 layering, checked on the import graph: what the Worker bundles (everything reachable
 * from `workers/index.ts`) never reaches the Node composition root (`src/node/`), the CLI
 * (`src/cli/`, except the user-import record type), Node built-ins outside adapters, or Node-only
 * drivers. A violation once shipped a Worker that failed at start ("Invalid URL string") because
 * the admin API imported a CLI command.
 */
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const IMPORT = /(?:^|\n)\s*(?:import|export)\s+(type\s+)?(?:[^'"]*?\sfrom\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

/** Runtime imports of one file (type-only imports are erased by the bundler). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    if (m[1]) continue;
    out.push((m[2] ?? m[3])!);
  }
  return out;
}

function resolveLocal(from: string, spec: string): string | null {
  if (!spec.startsWith(".")) return null;
  const base = resolve(dirname(from), spec).replace(/\.js$/, "");
  for (const candidate of [`${base}.ts`, `${base}.tsx`, join(base, "index.ts")]) {
    try {
      readFileSync(candidate);
      return candidate;
    } catch {
      /* next */
    }
  }
  return null;
}

/** Every local module reachable from `entry`, with the external specifiers each one imports. */
function graph(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const todo = [entry];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    const specs = importsOf(file);
    seen.set(file, specs.filter((s) => !s.startsWith(".")));
    for (const s of specs) {
      const local = resolveLocal(file, s);
      if (local && !seen.has(local)) todo.push(local);
    }
  }
  return seen;
}

describe("layering (DESIGN §2)", () => {
  const worker = graph(join(ROOT, "workers/index.ts"));

  it("the Worker's import graph has no Node host, CLI or Node-only driver", () => {
    const files = [...worker.keys()].map((f) => relative(ROOT, f));
    expect(files.length).toBeGreaterThan(50);
    expect(files.filter((f) => f.startsWith("src/node/") || f.startsWith("src/cli/commands/") || f === "src/cli/main.ts")).toEqual([]);
    const nodeOnly = ["pg", "ioredis", "@electric-sql/pglite", "nodemailer", "@hono/node-server", "tsx"];
    const offenders = [...worker].flatMap(([f, specs]) =>
      specs.filter((s) => nodeOnly.some((n) => s === n || s.startsWith(`${n}/`))).map((s) => `${relative(ROOT, f)} → ${s}`),
    );
    expect(offenders).toEqual([]);
  });

  it("Node built-ins appear in the Worker's graph only inside adapters", () => {
    const offenders = [...worker].flatMap(([f, specs]) => {
      const rel = relative(ROOT, f);
      if (rel.startsWith("src/adapters/") || rel.startsWith("workers/")) return [];
      return specs.filter((s) => s.startsWith("node:")).map((s) => `${rel} → ${s}`);
    });
    expect(offenders).toEqual([]);
  });

  it("zod is imported as a namespace, never as `{ z }` (that export keeps all 40 locales: +350 KiB)", () => {
    const offenders = [...worker.keys()].filter((f) => /import\s*\{[^}]*\bz\b[^}]*\}\s*from\s*["']zod/.test(readFileSync(f, "utf8")));
    expect(offenders.map((f) => relative(ROOT, f))).toEqual([]);
  });
});
