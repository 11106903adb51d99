/**
 * Consent stage (authentik `authentik/stages/consent`): asks the user to allow the application in
 * `context.application` the permissions in `context.consent_permissions`. `always_require` asks
 * every time; `permanent` and `expiring` (for `consent_expire_in`) remember the answer and ask
 * again only for permissions not yet given. Without an application there is nothing to ask.
 */
import * as z from "zod";
import { CTX } from "../plan.js";
import { defineStage, next, retry, type StageContext } from "../stage.js";
import { isTimedelta, parseTimedelta } from "../timedelta.js";

/** Plan context keys (authentik's `PLAN_CONTEXT_CONSENT_*`). */
export const CONSENT_CTX = {
  header: "consent_header",
  permissions: "consent_permissions",
  /** The one-time token the response must echo (authentik keeps it in the session). */
  token: "goauthentik.io/stages/consent/token",
} as const;

export const consentConfig = z.object({
  mode: z.enum(["always_require", "permanent", "expiring"]).default("always_require"),
  /** How long an `expiring` consent lasts (default 4 weeks). */
  consent_expire_in: z.string().refine(isTimedelta, { message: "expected a duration like 'weeks=4'" }).default("weeks=4"),
});
type ConsentConfig = z.infer<typeof consentConfig>;

const response = z.object({ token: z.string().max(256) });

export interface ConsentPermission {
  name: string;
  id: string;
}

function applicationPk(ctx: StageContext<ConsentConfig>): string | null {
  const app = ctx.plan.context[CTX.application];
  if (typeof app === "string") return app;
  if (app !== null && typeof app === "object" && typeof (app as { pk?: unknown }).pk === "string") return (app as { pk: string }).pk;
  return null;
}

function requested(ctx: StageContext<ConsentConfig>): ConsentPermission[] {
  const list = ctx.plan.context[CONSENT_CTX.permissions];
  if (!Array.isArray(list)) return [];
  return list.flatMap((p) =>
    p !== null && typeof p === "object" && typeof (p as ConsentPermission).id === "string"
      ? [{ id: (p as ConsentPermission).id, name: String((p as ConsentPermission).name ?? (p as ConsentPermission).id) }]
      : [],
  );
}

async function subject(ctx: StageContext<ConsentConfig>) {
  return (await ctx.pendingUser()) ?? (await ctx.session.user());
}

/** Permissions already given (null when the stage must ask from scratch). */
async function given(ctx: StageContext<ConsentConfig>, app: string): Promise<Set<string> | null> {
  if (ctx.config.mode === "always_require") return null;
  const user = await subject(ctx);
  if (!user) return null;
  const consent = await ctx.deps.store.enrollment.consentOf(user.pk, app, ctx.deps.clock.now());
  return consent ? new Set(consent.permissions) : null;
}

export const consentStage = defineStage({
  type: "consent",
  component: "ak-stage-consent",
  config: consentConfig,
  response,

  async enter(ctx) {
    const app = applicationPk(ctx);
    if (!app) return next();
    const have = await given(ctx, app);
    if (have && requested(ctx).every((p) => have.has(p.id))) return next();
    // Saved with the plan: the response must echo it (authentik's consent token).
    ctx.plan.context[CONSENT_CTX.token] = ctx.deps.random.token(32);
    return null;
  },

  async challenge(ctx) {
    const app = applicationPk(ctx);
    const perms = requested(ctx);
    const have = app ? await given(ctx, app) : null;
    const header = ctx.plan.context[CONSENT_CTX.header];
    const token = ctx.plan.context[CONSENT_CTX.token];
    return {
      header_text: typeof header === "string" ? header : "",
      permissions: have ? perms.filter((p) => have.has(p.id)) : perms,
      additional_permissions: have ? perms.filter((p) => !have.has(p.id)) : [],
      token: typeof token === "string" ? token : "",
    };
  },

  async submit(ctx, res) {
    const expected = ctx.plan.context[CONSENT_CTX.token];
    if (typeof expected !== "string" || res.token !== expected) {
      return retry({ token: [{ string: "Invalid consent token, re-showing prompt", code: "invalid" }] });
    }
    const app = applicationPk(ctx);
    const user = await subject(ctx);
    if (!app || !user || ctx.config.mode === "always_require") return next();
    const have = (await given(ctx, app)) ?? new Set<string>();
    const expires =
      ctx.config.mode === "expiring" ? new Date(ctx.deps.clock.now().getTime() + parseTimedelta(ctx.config.consent_expire_in)) : null;
    await ctx.deps.store.enrollment.saveConsent({
      userPk: user.pk,
      applicationPk: app,
      permissions: [...have, ...requested(ctx).map((p) => p.id)],
      expires,
    });
    return next();
  },
});
