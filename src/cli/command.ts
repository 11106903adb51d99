/** What a CLI command is: one file per command under `commands/`, listed in `main.ts`. */
import type { ParsedArgs } from "./args.js";

/** Where a command writes and what environment it sees (tests pass their own). */
export interface Io {
  stdout: { write(text: string): unknown };
  /** Progress and diagnostics; `isTTY` switches the progress bar on. */
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: Record<string, string | undefined>;
}

export interface Command {
  /** `blueprint apply`, `users import`, … */
  name: string;
  /** One line for `threshold --help`. */
  summary: string;
  /** `threshold <name> --help`. */
  help: string;
  /** Options taking a value (`--output`). */
  valued?: readonly string[];
  /** Flags the command accepts besides `--dev` and `--help`. */
  flags?: readonly string[];
  run(args: ParsedArgs, io: Io): Promise<number>;
}

/** Exit codes (sysexits.h): usage 64, bad input data 65, missing input file 66. */
export const EXIT = { ok: 0, failure: 1, usage: 64, dataErr: 65, noInput: 66 } as const;
