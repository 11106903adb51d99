/**
 * `npx threshold <command>`: operations on the same data folder (PGlite) or DATABASE_URL the
 * Node host uses. This file only dispatches; each command is one file under `commands/`.
 */
import { exitWithStartupError } from "../node/fatal.js";
import { parseArgs, UsageError } from "./args.js";
import { EXIT, type Command, type Io } from "./command.js";
import { bootstrap, config, migrate } from "./commands/basic.js";
import { blueprintApply } from "./commands/blueprint-apply.js";
import { blueprintExport } from "./commands/blueprint-export.js";
import { keysList, keysRotate } from "./commands/keys-rotate.js";
import { recoveryLink } from "./commands/recovery-link.js";
import { usersImport } from "./commands/users-import.js";

export const COMMANDS: readonly Command[] = [migrate, bootstrap, config, blueprintApply, blueprintExport, usersImport, recoveryLink, keysRotate, keysList];

const HELP = `Usage: threshold <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(18)} ${c.summary}`).join("\n")}

Options:
  --dev        Development mode (no THRESHOLD_SECRET_KEY needed)
  -h, --help   Show help for threshold or a command
`;

const GROUPS = new Set(COMMANDS.filter((c) => c.name.includes(" ")).map((c) => c.name.split(" ")[0]!));

/** Runs one command line; returns the exit code. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  const words = argv.filter((a) => !a.startsWith("-"));
  const wantsHelp = argv.includes("--help") || argv.includes("-h");
  const name = GROUPS.has(words[0] ?? "") && words[1] ? `${words[0]} ${words[1]}` : words[0];
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    if (!name) {
      io.stdout.write(HELP);
      return wantsHelp ? EXIT.ok : EXIT.usage;
    }
    if (GROUPS.has(name) && wantsHelp) {
      io.stdout.write(COMMANDS.filter((c) => c.name.startsWith(`${name} `)).map((c) => c.help).join("\n"));
      return EXIT.ok;
    }
    io.stderr.write(`threshold: unknown command '${name}'\n\n${HELP}`);
    return EXIT.usage;
  }
  if (wantsHelp) {
    io.stdout.write(command.help);
    return EXIT.ok;
  }
  const rest = [...argv];
  for (const w of command.name.split(" ")) rest.splice(rest.indexOf(w), 1);
  try {
    const args = parseArgs(rest, new Set(command.valued ?? []));
    const allowed = new Set(["--dev", ...(command.flags ?? [])]);
    const unknown = [...args.flags].find((f) => !allowed.has(f));
    if (unknown) throw new UsageError(`unknown option '${unknown}'`);
    const env = { ...io.env };
    if (args.flags.has("--dev") && !env.THRESHOLD_ENVIRONMENT) env.THRESHOLD_ENVIRONMENT = "development";
    return await command.run(args, { ...io, env });
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(`threshold ${command.name}: ${e.message}\n\n${command.help}`);
    return EXIT.usage;
  }
}

if (process.argv[1] && /threshold(\.mjs)?$|cli[/\\]main\.ts$/.test(process.argv[1])) {
  run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
    (code) => process.exit(code),
    (error: unknown) => exitWithStartupError(error, ""),
  );
}
