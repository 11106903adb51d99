/**
 * Email stage (authentik `authentik/stages/email`): sends the pending user a single-use link that
 * resumes this flow past the stage, proving they control the address (recovery, enrollment
 * confirmation).
 *
 * On arrival the stage creates a token (intent `recovery` in recovery flows, else
 * `verification`; only its SHA-256 is stored; it expires after `token_expiry`), keeps a snapshot
 * of the plan in the cache under the token, enqueues the mail (`email.send`, delivered by the
 * queue consumer) and shows `ak-stage-email`. Opening `/if/flow/<slug>/?flow_token=<key>` — in
 * any browser — lets the executor call {@link restoreFromFlowToken}: the token is consumed in one
 * conditional `DELETE … RETURNING`, the user's `email_verified` becomes true, `is_restored` is set
 * and the plan continues after this stage.
 *
 * In a recovery flow an unknown identifier (identification's `pretend_user_exists`) gets the same
 * page and the same work minus the mail, so the flow does not reveal who has an account.
 * Differences from authentik: only the global SMTP settings (`THRESHOLD_EMAIL__*`) exist — the
 * per-stage connection fields are accepted and ignored; the built-in templates are fixed.
 */
import * as z from "zod";
import { sha256Hex } from "../../core/encoding.js";
import { hitRateLimit, type RateLimitRule } from "../../core/rate-limit.js";
import type { Deps } from "../../deps.js";
import type { Flow } from "../../ports/flows.js";
import type { Token, TokenIntent, User } from "../../ports/store.js";
import { recordEvent } from "../../services/events.js";
import { EMAIL_TEMPLATES, renderEmail } from "../email-templates.js";
import { CTX, currentBinding, parsePlan, type FlowPlan } from "../plan.js";
import { challenge, defineActionStage, deny, type StageContext } from "../stage.js";
import { isTimedelta, parseTimedelta } from "../timedelta.js";

/** The query parameter carrying the link's key (authentik's `QS_KEY_TOKEN`). */
export const FLOW_TOKEN_PARAM = "flow_token";

/** Plan context: the mail for this stage was sent (authentik `PLAN_CONTEXT_EMAIL_SENT`). */
export const CTX_EMAIL_SENT = "email_sent";
/** Plan context: send to this address instead of the user's (authentik `PLAN_CONTEXT_EMAIL_OVERRIDE`). */
export const CTX_EMAIL_OVERRIDE = "email";
/** Plan context: SHA-256 of the key this execution was restored from (a reload of the link resumes it). */
const CTX_RESTORED_FROM = "flow_token_sha256";

export const INVALID_LINK = "This link is invalid, has already been used or has expired.";
export const THROTTLED_SENDS = "Too many emails were requested. Please try again later.";

const timedelta = z.string().refine(isTimedelta, { message: "expected a duration like 'minutes=30'" });

export const emailConfig = z.object({
  /** authentik: use the global SMTP settings. Only global settings exist here (`THRESHOLD_EMAIL__*`). */
  use_global_settings: z.boolean().default(false),
  /** How long the link works; authentik's duration string, or (older authentik) whole minutes. */
  token_expiry: z
    .union([z.number().int().positive().transform((m) => `minutes=${m}`), timedelta])
    .default("minutes=30"),
  /** Subject line of the mail. */
  subject: z.string().min(1).max(255).default("threshold"),
  /** Built-in template: `email/password_reset.html` (default) or `email/account_confirmation.html`. */
  template: z.enum(EMAIL_TEMPLATES).default("email/password_reset.html"),
  /** Set `is_active` on the user when the link is opened (enrollment with inactive users). */
  activate_user_on_success: z.boolean().default(false),
  /** Mails one user (or one typed identifier) may request per `recovery_cache_timeout`. */
  recovery_max_attempts: z.number().int().min(1).default(5),
  /** Window of `recovery_max_attempts`. */
  recovery_cache_timeout: timedelta.default("minutes=5"),
});
type Config = z.infer<typeof emailConfig>;

/** What the cache keeps per token: the plan as it stood at this stage (also written by
 * `threshold recovery-link`, which positions a recovery plan at its email stage). */
export interface EmailTokenSnapshot {
  stagePk: string;
  plan: FlowPlan;
}

type Snapshot = EmailTokenSnapshot;

/** Cache key of a token's plan snapshot. */
export const snapshotKey = (tokenPk: string) => `flow:email-token:${tokenPk}`;

function intentFor(flow: Flow): TokenIntent {
  return flow.designation === "recovery" ? "recovery" : "verification";
}

/** `https://<host>/if/flow/<slug>/?…&flow_token=<key>`, keeping the flow's original query. */
function linkUrl(ctx: StageContext<Config>, key: string): string {
  const host = ctx.request.host;
  const local = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(host);
  const params = new URLSearchParams(ctx.plan.context[CTX.get] as Record<string, string> | undefined);
  params.delete(FLOW_TOKEN_PARAM);
  params.set(FLOW_TOKEN_PARAM, key);
  return `${local ? "http" : "https"}://${host}/if/flow/${encodeURIComponent(ctx.flow.slug)}/?${params}`;
}

async function sendLink(ctx: StageContext<Config>, user: User): Promise<void> {
  const { deps } = ctx;
  const override = ctx.plan.context[CTX_EMAIL_OVERRIDE];
  const to = typeof override === "string" && override ? override : user.email;
  if (!to) {
    // Same page as a sent mail (no enumeration); the operator sees why nothing arrived.
    deps.logger.warn("email stage: pending user has no email address", { user: user.pk, flow: ctx.flow.slug });
    return;
  }
  const expiryMs = parseTimedelta(ctx.config.token_expiry);
  const expires = new Date(deps.clock.now().getTime() + expiryMs);
  const key = deps.random.token(32);
  const token = await deps.store.tokens.create({
    identifier: `ak-email-stage-${ctx.stage.pk}-${deps.random.uuid()}`,
    intent: intentFor(ctx.flow),
    userPk: user.pk,
    key,
    description: `Email link of stage '${ctx.stage.name}' in flow '${ctx.flow.slug}'`,
    expiring: true,
    expires,
  });
  ctx.plan.context[CTX_EMAIL_SENT] = true;
  const snapshot: Snapshot = { stagePk: ctx.stage.pk, plan: structuredClone(ctx.plan) };
  await deps.cache.set(snapshotKey(token.pk), snapshot, Math.ceil(expiryMs / 1000) + 60);
  const body = renderEmail(ctx.config.template, {
    url: linkUrl(ctx, key),
    userName: user.name || user.username,
    expires,
    brandTitle: "Threshold",
  });
  await deps.queue.send({ kind: "email.send", message: { to, subject: ctx.config.subject, ...body } });
  await recordEvent(deps, {
    action: "email_sent",
    user,
    clientIp: ctx.request.ip,
    context: { stage: ctx.stage.name, flow: ctx.flow.slug, template: ctx.config.template },
  });
}

/** Counts one send for `subject`; true when over the stage's limit. */
async function throttled(ctx: StageContext<Config>, subject: string): Promise<boolean> {
  const rule: RateLimitRule = {
    name: "email-stage",
    limit: ctx.config.recovery_max_attempts,
    windowSeconds: Math.max(1, Math.round(parseTimedelta(ctx.config.recovery_cache_timeout) / 1000)),
  };
  return (await hitRateLimit(ctx.deps.cache, rule, `${ctx.stage.pk}:${subject}`)).limited;
}

export const emailStage = defineActionStage({
  type: "email",
  config: emailConfig,

  async run(ctx) {
    if (!ctx.plan.context[CTX_EMAIL_SENT]) {
      const user = await ctx.pendingUser();
      const identifier = ctx.plan.context[CTX.pendingUserIdentifier];
      if (!user && !(ctx.flow.designation === "recovery" && typeof identifier === "string")) {
        return deny("No pending user.");
      }
      // Known users are counted by pk, unknown identifiers by what was typed: the same limit
      // and the same answer either way.
      const subject = user ? `user:${user.pk}` : `uid:${String(identifier).trim().toLowerCase()}`;
      if (await throttled(ctx, subject)) return deny(THROTTLED_SENDS);
      if (user) await sendLink(ctx, user);
      ctx.plan.context[CTX_EMAIL_SENT] = true;
    }
    return challenge({ component: "ak-stage-email", title: "Email sent." });
  },
});

export type RestoreOutcome = { ok: true; plan: FlowPlan } | { ok: false; message: string };

/** Consumes the link's token (either intent); null when unknown, used or expired. */
async function consumeToken(deps: Deps, flow: Flow, key: string): Promise<Token | null> {
  if (!/^[A-Za-z0-9_-]{16,128}$/.test(key)) return null;
  const now = deps.clock.now();
  const first = intentFor(flow);
  const other: TokenIntent = first === "recovery" ? "verification" : "recovery";
  return (await deps.store.tokens.consume(key, first, now)) ?? (await deps.store.tokens.consume(key, other, now));
}

/**
 * The executor's resume hook for `?flow_token=`: redeems the link and returns the plan to
 * continue (positioned after this stage, `is_restored` set), or why the link does not work.
 * Never throws for a bad link.
 */
export async function restoreFromFlowToken(deps: Deps, flow: Flow, key: string): Promise<RestoreOutcome> {
  const token = await consumeToken(deps, flow, key);
  if (!token) return { ok: false, message: INVALID_LINK };
  const snapshot = await deps.cache.take<Snapshot>(snapshotKey(token.pk));
  const plan = snapshot ? parsePlan(snapshot.plan) : null;
  const binding = plan ? currentBinding(plan) : null;
  if (!plan || !snapshot || plan.flowPk !== flow.pk || binding?.stagePk !== snapshot.stagePk) {
    return { ok: false, message: INVALID_LINK };
  }
  if (plan.context[CTX.pendingUser] !== token.userPk) return { ok: false, message: INVALID_LINK };
  const stage = await deps.store.flows.stageByPk(snapshot.stagePk);
  const config = emailConfig.safeParse(stage?.config ?? {});
  await deps.store.users.markEmailVerified(token.userPk, {
    activate: config.success && config.data.activate_user_on_success,
  });
  plan.context[CTX.isRestored] = token.pk;
  plan.context[CTX_RESTORED_FROM] = await sha256Hex(key);
  plan.index += 1;
  return { ok: true, plan };
}

/** True when `plan` was restored from `key` (the link reloaded mid-flow: resume, don't redeem). */
export async function isRestoredFrom(plan: FlowPlan, key: string): Promise<boolean> {
  const hash = plan.context[CTX_RESTORED_FROM];
  return typeof hash === "string" && hash === (await sha256Hex(key));
}
