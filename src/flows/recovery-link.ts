/**
 * Single-use links into the recovery flow for a user who cannot log in (authentik's
 * `ak create_recovery_key` / the admin's "recovery link", but through the recovery flow, so the
 * user sets a new password). Shared by `threshold recovery-link` and the admin API; runtime
 * agnostic (the Worker bundles it).
 *
 * It works like the email stage's link (src/flows/stages/email.ts): a `recovery` token (only its
 * SHA-256 stored) and, in the cache under the token, the recovery flow's plan positioned at its
 * email stage with the user as pending user. Opening `/if/flow/<slug>/?flow_token=<key>` redeems
 * the token and continues after the email stage (new password, user write, login). The cache must
 * therefore be the server's.
 */
import type { Deps } from "../deps.js";
import { CTX } from "./plan.js";
import { planFlow } from "./planner.js";
import { CTX_EMAIL_SENT, FLOW_TOKEN_PARAM, snapshotKey, type EmailTokenSnapshot } from "./stages/email.js";

export type RecoveryLinkResult = { ok: true; url: string; key: string; expires: Date } | { ok: false; error: string };

/** Creates the token and the plan snapshot; see the module documentation. */
export async function createRecoveryLink(
  deps: Deps,
  opts: { username: string; expiresMs: number; base: string; flowSlug?: string; description?: string },
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
    description: opts.description ?? `Recovery link for '${user.username}'`,
    expiring: true,
    expires,
  });
  const snapshot: EmailTokenSnapshot = { stagePk: plan.bindings[index]!.stagePk, plan };
  await deps.cache.set(snapshotKey(token.pk), snapshot, Math.ceil(opts.expiresMs / 1000) + 60);
  const url = `${opts.base.replace(/\/+$/, "")}/if/flow/${encodeURIComponent(slug)}/?${FLOW_TOKEN_PARAM}=${key}`;
  return { ok: true, url, key, expires };
}
