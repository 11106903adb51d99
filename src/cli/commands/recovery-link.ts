/**
 * `threshold recovery-link <username> [--expires hours=1] [--url BASE] [--flow SLUG]`: a
 * single-use link into the recovery flow for a user who cannot log in, as authentik's
 * `ak create_recovery_key` — but through the recovery flow, so the user sets a new password.
 *
 * It works like the email stage's link (src/flows/stages/email.ts): a `recovery` token (only its
 * SHA-256 stored) and, in the cache under the token, the recovery flow's plan positioned at its
 * email stage with the user as pending user. Opening `/if/flow/<slug>/?flow_token=<key>` redeems
 * the token and continues after the email stage (new password, user write, login). The cache must
 * therefore be the server's: Redis/Upstash, or the same process (tests).
 */
import { createRecoveryLink } from "../../flows/recovery-link.js";
import { isTimedelta, parseTimedelta } from "../../flows/timedelta.js";
import { UsageError } from "../args.js";
import { EXIT, type Command } from "../command.js";
import { withDeps } from "../deps.js";

export const recoveryLink: Command = {
  name: "recovery-link",
  summary: "Print a single-use link that lets a user set a new password",
  valued: ["--expires", "--url", "--flow"],
  help: `Usage: threshold recovery-link USERNAME [--expires hours=1] [--url BASE] [--flow SLUG] [--dev]

Creates a single-use recovery token for USERNAME and prints
  BASE/if/flow/default-recovery-flow/?flow_token=<key>
Opening it continues the recovery flow after its email stage: the user chooses a new password
and is logged in. The link works once and expires after --expires (authentik duration, default
hours=1).

Needs the cache the server uses (REDIS_URL or UPSTASH_REDIS_REST_URL): the link's flow state is
kept there. With the in-memory cache the command refuses.

  --url BASE    the server's public URL (default http://localhost:$PORT)
  --flow SLUG   the recovery flow (default default-recovery-flow; it needs an email stage)
`,
  async run(args, io) {
    const [username, extra] = args.positionals;
    if (!username) throw new UsageError("recovery-link needs a USERNAME");
    if (extra) throw new UsageError(`unexpected argument '${extra}'`);
    const expires = args.options.get("--expires") ?? "hours=1";
    if (!isTimedelta(expires)) throw new UsageError("--expires must be a duration like hours=1 or days=2");
    return withDeps(io, async (deps) => {
      if (deps.describe.cache === "in-memory") {
        io.stderr.write(
          "✘ recovery-link needs the cache the server uses (REDIS_URL or UPSTASH_REDIS_REST_URL); the in-memory cache lives only in this process.\n",
        );
        return EXIT.failure;
      }
      const base = args.options.get("--url") ?? `http://localhost:${deps.config.PORT}`;
      const r = await createRecoveryLink(deps, {
        username,
        expiresMs: parseTimedelta(expires),
        base,
        flowSlug: args.options.get("--flow"),
        description: `Recovery link created by the CLI for '${username}'`,
      });
      if (!r.ok) {
        io.stderr.write(`✘ ${r.error}\n`);
        return EXIT.failure;
      }
      io.stdout.write(`${r.url}\n`);
      io.stderr.write(`✔ single-use link for ${username}, valid until ${r.expires.toISOString()}\n`);
      return EXIT.ok;
    });
  },
};

export { createRecoveryLink, type RecoveryLinkResult } from "../../flows/recovery-link.js";
