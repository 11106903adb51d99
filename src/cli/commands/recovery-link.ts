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
import { planFlow } from "../../flows/planner.js";
import { CTX } from "../../flows/plan.js";
import { CTX_EMAIL_SENT, FLOW_TOKEN_PARAM, snapshotKey, type EmailTokenSnapshot } from "../../flows/stages/email.js";
import { isTimedelta, parseTimedelta } from "../../flows/timedelta.js";
import type { Deps } from "../../deps.js";
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
      const r = await createRecoveryLink(deps, { username, expiresMs: parseTimedelta(expires), base, flowSlug: args.options.get("--flow") });
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

export type RecoveryLinkResult = { ok: true; url: string; key: string; expires: Date } | { ok: false; error: string };

/** Creates the token and the plan snapshot; see the module documentation. */
export async function createRecoveryLink(
  deps: Deps,
  opts: { username: string; expiresMs: number; base: string; flowSlug?: string },
): Promise<RecoveryLinkResult> {
  const slug = opts.flowSlug ?? "default-recovery-flow";
  const user = await deps.store.users.byUsername(opts.username);
  if (!user) return { ok: false, error: `no user '${opts.username}'` };
  const flow = await deps.store.flows.bySlug(slug);
  if (!flow) return { ok: false, error: `no flow '${slug}' (apply the default blueprints: threshold bootstrap)` };
  if (flow.designation !== "recovery") return { ok: false, error: `flow '${slug}' is not a recovery flow` };
  const host = new URL(opts.base).host;
  const planned = await planFlow({
    deps,
    flow,
    user: null,
    request: { ip: null, userAgent: "threshold recovery-link", host, path: `/if/flow/${slug}/`, method: "GET" },
    context: { [CTX.pendingUser]: user.pk },
  });
  if (!planned.ok) return { ok: false, error: `flow '${slug}' cannot be planned: ${planned.message}` };
  const plan = planned.plan;
  const index = plan.bindings.findIndex((b) => b.stageType === "email");
  if (index < 0) return { ok: false, error: `flow '${slug}' has no email stage to resume after` };
  plan.index = index;
  plan.context[CTX_EMAIL_SENT] = true;
  const expires = new Date(deps.clock.now().getTime() + opts.expiresMs);
  const key = deps.random.token(32);
  const token = await deps.store.tokens.create({
    identifier: `threshold-recovery-link-${deps.random.uuid()}`,
    intent: "recovery",
    userPk: user.pk,
    key,
    description: `Recovery link created by the CLI for '${user.username}'`,
    expiring: true,
    expires,
  });
  const snapshot: EmailTokenSnapshot = { stagePk: plan.bindings[index]!.stagePk, plan };
  await deps.cache.set(snapshotKey(token.pk), snapshot, Math.ceil(opts.expiresMs / 1000) + 60);
  const url = `${opts.base.replace(/\/+$/, "")}/if/flow/${encodeURIComponent(slug)}/?${FLOW_TOKEN_PARAM}=${key}`;
  return { ok: true, url, key, expires };
}
