/** `threshold blueprint export [--output FILE] [--include-users]`. */
import { writeFile } from "node:fs/promises";
import { exportBlueprint } from "../../adapters/postgres/blueprint-export.js";
import { UsageError } from "../args.js";
import { EXIT, type Command } from "../command.js";
import { withDeps } from "../deps.js";

export const blueprintExport: Command = {
  name: "blueprint export",
  summary: "Export the whole configuration as one blueprint (YAML, stable for git)",
  valued: ["--output", "-o"],
  flags: ["--include-users"],
  help: `Usage: threshold blueprint export [--output FILE] [--include-users] [--dev]

Writes flows, stages (with prompt fields), stage bindings, policies, policy bindings, groups,
providers, applications and brands as one authentik-format blueprint, with !KeyOf references
between entries and a stable order, so the file diffs cleanly in git. No secrets (client
secrets, private keys, passwords) are written. Users are exported only with --include-users
(without passwords).

  -o, --output FILE   write to FILE instead of stdout
  --include-users     also export users and their group memberships
`,
  async run(args, io) {
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    const output = args.options.get("--output") ?? args.options.get("-o");
    const yaml = await withDeps(io, (_deps, db) => exportBlueprint(db, { includeUsers: args.flags.has("--include-users") }));
    if (output) {
      await writeFile(output, yaml);
      io.stderr.write(`✔ blueprint written to ${output}\n`);
    } else io.stdout.write(yaml);
    return EXIT.ok;
  },
};
