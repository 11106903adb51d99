import { ConfigError } from "../core/errors.js";

/**
 * Ends the process after a start-up failure with one readable line: invalid configuration
 * names the key (exit 78, EX_CONFIG); anything else gives its message (exit 1). No stack traces.
 */
export function exitWithStartupError(error: unknown, what: string): never {
  if (error instanceof ConfigError) {
    process.stderr.write(`threshold: invalid configuration: ${error.message}\n`);
    process.exit(78);
  }
  process.stderr.write(`threshold: ${what}${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
