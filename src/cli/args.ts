/** Command-line parsing shared by every command: positionals, `--flag`, `--key value`, `--key=value`. */

export interface ParsedArgs {
  positionals: string[];
  /** `--key value` / `--key=value` options (last one wins). */
  options: Map<string, string>;
  /** Boolean flags (`--dev`, `--help`, `-h`). */
  flags: Set<string>;
}

/** A usage error: the message is printed with the command's help, exit code 64 (EX_USAGE). */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * Parses `argv`; options listed in `valued` take a value (`--output FILE` or `--output=FILE`),
 * every other `-x`/`--x` is a flag.
 */
export function parseArgs(argv: readonly string[], valued: ReadonlySet<string>): ParsedArgs {
  const out: ParsedArgs = { positionals: [], options: new Map(), flags: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith("-") || a === "-") {
      out.positionals.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (valued.has(name)) {
      const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`${name} needs a value`);
      out.options.set(name, value);
    } else if (eq > 0) {
      throw new UsageError(`${name} takes no value`);
    } else out.flags.add(name);
  }
  return out;
}
