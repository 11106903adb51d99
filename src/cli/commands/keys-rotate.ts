/**
 * `threshold keys rotate [--force]` and `threshold keys list`: the install's default signing key
 * rotation (src/protocols/oauth2/rotation.ts) by hand, on the data folder or DATABASE_URL the
 * server uses. The cron does the same step every 5 minutes; this command runs it now, and with
 * `--force` promotes the next key immediately (e.g. after a suspected key leak).
 */
import type { Deps } from "../../deps.js";
import { DEFAULT_KEY_MANAGED, NEXT_KEY_MANAGED, installKeyPairs } from "../../protocols/oauth2/keys.js";
import { PUBLISH_LEAD_MS, ROTATION_INTERVAL_MS, rotateKeys } from "../../protocols/oauth2/rotation.js";
import { UsageError } from "../args.js";
import { EXIT, type Command } from "../command.js";
import { withDeps } from "../deps.js";

const days = (ms: number) => `${Math.round(ms / 86_400_000)} days`;

function role(managed: string | null): string {
  if (managed === DEFAULT_KEY_MANAGED) return "current";
  if (managed === NEXT_KEY_MANAGED) return "next";
  return "retired";
}

/** The published keys as an aligned table (kid, role, created, retired-until). */
async function keyTable(deps: Deps): Promise<string> {
  const rows = (await installKeyPairs(deps)).map((p) => [
    p.kid ?? "?",
    role(p.managed),
    p.created.toISOString(),
    role(p.managed) === "retired" ? `published until ${p.expires.toISOString()}` : "",
  ]);
  const width = rows.reduce((w, r) => Math.max(w, r[0]!.length), 3);
  return rows.map((r) => `  ${r[0]!.padEnd(width)}  ${r[1]!.padEnd(7)}  created ${r[2]}  ${r[3]}`.trimEnd()).join("\n") + "\n";
}

export const keysRotate: Command = {
  name: "keys rotate",
  summary: "Rotate the default signing key (publish the next key, promote it when due, drop expired ones)",
  flags: ["--force"],
  help: `Usage: threshold keys rotate [--force] [--dev]

Runs one step of the signing-key rotation the server's cron runs every 5 minutes:
  • publishes a next key in JWKS if there is none (relying parties learn it before it signs),
  • promotes the next key to signing key when the current one is older than ${days(ROTATION_INTERVAL_MS)}
    and the next one has been published for ${days(PUBLISH_LEAD_MS)},
  • deletes retired keys once every token they signed has expired.
The retired key stays in JWKS until then, so tokens signed before the rotation still verify.

  --force   promote the next key now (after a suspected leak). A next key created by this very
            run was not published before; relying parties refetch JWKS on an unknown kid.

Servers pick up the new signing key within a minute (per-process key cache).
Exit status: 0 on success, 1 when the database cannot be reached or the rotation fails.
`,
  async run(args, io) {
    if (args.positionals.length) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    return withDeps(io, async (deps) => {
      let r;
      try {
        r = await rotateKeys(deps, { force: args.flags.has("--force") });
      } catch (error) {
        io.stderr.write(`✘ key rotation failed: ${error instanceof Error ? error.message : String(error)}\n`);
        return EXIT.failure;
      }
      for (const kid of r.published) io.stdout.write(`✔ published next key ${kid}\n`);
      if (r.promoted) io.stdout.write(`✔ rotated: ${r.promoted.to} now signs; ${r.promoted.from} stays in JWKS until ${r.promoted.retiredUntil.toISOString()}\n`);
      else io.stdout.write(`• ${r.current} keeps signing (not due; use --force to rotate now)\n`);
      for (const kid of r.removed) io.stdout.write(`✔ removed expired key ${kid}\n`);
      io.stdout.write(`\nPublished keys:\n${await keyTable(deps)}`);
      return EXIT.ok;
    });
  },
};

export const keysList: Command = {
  name: "keys list",
  summary: "List the published signing keys (current, next, retired)",
  help: "Usage: threshold keys list [--dev]\n\nPrints the keys in JWKS: the current signing key, the next one and retired ones with the time\nthey stay published until.\n",
  async run(args, io) {
    if (args.positionals.length) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    return withDeps(io, async (deps) => {
      io.stdout.write(await keyTable(deps));
      return EXIT.ok;
    });
  },
};
