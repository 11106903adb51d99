/** `threshold blueprint apply FILE…`: each file in one transaction; the first failure stops. */
import { readFile } from "node:fs/promises";
import { applyBlueprint, type ApplyResult } from "../../adapters/postgres/blueprints.js";
import type { Db } from "../../adapters/postgres/db.js";
import { parseBlueprint } from "../../blueprints/parse.js";
import { BlueprintEntryError, BlueprintParseError } from "../../blueprints/types.js";
import { UsageError } from "../args.js";
import { EXIT, type Command, type Io } from "../command.js";
import { withDeps } from "../deps.js";

export const blueprintApply: Command = {
  name: "blueprint apply",
  summary: "Apply authentik-format blueprint files (each in one transaction)",
  help: `Usage: threshold blueprint apply FILE… [--dev]

Applies each blueprint (authentik's YAML format) in its own transaction, in the order given.
Re-applying a file changes nothing. Entries of models Threshold does not have are skipped and
reported. The first failing entry rolls its file back, is named (index, model, identifiers) and
the command exits with status 1; files after it are not applied.
`,
  async run(args, io) {
    if (args.positionals.length === 0) throw new UsageError("blueprint apply needs at least one FILE");
    return withDeps(io, (_deps, db) => applyFiles(db, args.positionals, io));
  },
};

/** Applies `files` in order; prints a report per file. Exit code 0, or 1 at the first failure. */
export async function applyFiles(db: Db, files: readonly string[], io: Io): Promise<number> {
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (e) {
      io.stderr.write(`✘ ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})\n`);
      return EXIT.noInput;
    }
    try {
      const result = await applyBlueprint(db, parseBlueprint(text), { env: (name) => io.env[name] });
      io.stdout.write(report(file, result));
    } catch (e) {
      if (e instanceof BlueprintParseError) {
        io.stderr.write(`✘ ${file}: invalid blueprint: ${e.message}\nNothing was applied.\n`);
        return EXIT.dataErr;
      }
      if (e instanceof BlueprintEntryError) {
        io.stderr.write(`✘ ${file}: ${e.message}\nNothing from this file was applied (rolled back).\n`);
        return EXIT.failure;
      }
      throw e;
    }
  }
  return EXIT.ok;
}

function report(file: string, r: ApplyResult): string {
  const lines = [
    `✔ ${file}: ${r.created} created, ${r.updated} updated, ${r.unchanged} unchanged, ${r.deleted} deleted, ${r.skipped.length} skipped`,
  ];
  for (const s of r.skipped) lines.push(`  • skipped entry ${s.index} (${s.model}): ${s.reason}`);
  for (const i of r.ignored) lines.push(`  • entry ${i.index} (${i.model}): ignored attributes ${i.attrs.join(", ")}`);
  return lines.join("\n") + "\n";
}
