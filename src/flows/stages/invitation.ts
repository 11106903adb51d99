/**
 * Invitation stage (authentik `authentik/stages/invitation`): continues only with a valid
 * invitation, taken from the plan context (`token`), the flow's query (`?itoken=`) or
 * `prompt_data.token`. The invitation's `fixed_data` is merged into `prompt_data`; a single-use
 * invitation is consumed here with one conditional DELETE, so concurrent uses cannot both pass.
 */
import * as z from "zod";
import type { Invitation } from "../../ports/enrollment.js";
import { recordEvent } from "../../services/events.js";
import { CTX } from "../plan.js";
import { defineActionStage, deny, next, type StageContext } from "../stage.js";

/** Plan context keys, as authentik names them. */
export const INVITATION_CTX = {
  token: "token",
  inEffect: "invitation_in_effect",
  invitation: "invitation",
} as const;
/** Query parameter carrying the invitation (authentik's `INVITATION_TOKEN_KEY`). */
export const INVITATION_QUERY = "itoken";

export const invitationConfig = z.object({
  /** Without a (valid) invitation, continue instead of stopping the flow. */
  continue_flow_without_invitation: z.boolean().default(false),
});
type InvitationConfig = z.infer<typeof invitationConfig>;

const INVALID = "Invalid invite/invite not found";

function tokenOf(ctx: StageContext<InvitationConfig>): string | null {
  const c = ctx.plan.context;
  const get = c[CTX.get] as Record<string, unknown> | undefined;
  const prompt = c[CTX.promptData] as Record<string, unknown> | undefined;
  for (const v of [c[INVITATION_CTX.token], get?.[INVITATION_QUERY], prompt?.[INVITATION_CTX.token]]) {
    if (typeof v === "string" && v) return v.trim();
  }
  return null;
}

/** A valid invitation for this flow, consumed when single-use; null otherwise. */
async function useInvitation(ctx: StageContext<InvitationConfig>, token: string): Promise<Invitation | null> {
  const repo = ctx.deps.store.enrollment;
  const now = ctx.deps.clock.now();
  const invite = await repo.validInvitation(token, now);
  if (!invite || (invite.flowPk && invite.flowPk !== ctx.flow.pk)) return null;
  return invite.singleUse ? repo.consumeInvitation(token, now) : invite;
}

/** authentik merges with `always_merger`: nested objects merge, lists append, scalars replace. */
function deepMerge(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(extra)) {
    if (k === "__proto__" || k === "constructor" || k === "prototype") continue;
    const cur = out[k];
    if (Array.isArray(cur) && Array.isArray(v)) out[k] = [...cur, ...v];
    else if (isPlainObject(cur) && isPlainObject(v)) out[k] = deepMerge(cur, v);
    else out[k] = v;
  }
  return out;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

export const invitationStage = defineActionStage({
  type: "invitation",
  config: invitationConfig,

  async run(ctx) {
    const token = tokenOf(ctx);
    const invite = token ? await useInvitation(ctx, token) : null;
    if (!invite) return ctx.config.continue_flow_without_invitation ? next() : deny(INVALID);
    const c = ctx.plan.context;
    c[INVITATION_CTX.inEffect] = true;
    c[INVITATION_CTX.invitation] = invite.pk;
    const prompt = c[CTX.promptData];
    c[CTX.promptData] = deepMerge(isPlainObject(prompt) ? prompt : {}, invite.fixedData);
    await recordEvent(ctx.deps, {
      action: "invitation_used",
      clientIp: ctx.request.ip,
      context: { invitation_uuid: invite.pk, invitation_name: invite.name, flow: { pk: ctx.flow.pk, slug: ctx.flow.slug } },
    });
    return next();
  },
});
