import * as z from "zod";
import { definePolicyType, fail, pass } from "../policy-type.js";
import { reputationScore } from "../reputation.js";

/**
 * authentik's reputation policy: passes when the score of the client IP and/or the username is
 * at or below `threshold` — i.e. it flags bad reputation (bind it to a captcha stage, or negate
 * it on a flow to deny).
 */
export const reputationPolicy = definePolicyType({
  id: "reputation",
  authentikModel: "authentik_policies_reputation.reputationpolicy",
  description: "Passes when the IP/username reputation score is at or below the threshold.",
  config: z.object({
    check_ip: z.boolean().default(true),
    check_username: z.boolean().default(true),
    threshold: z.number().int().default(-5),
  }),
  async evaluate(request, config, deps) {
    const pending = request.context.pending_user as { username?: unknown } | undefined;
    const prompt = request.context.prompt_data as { uid_field?: unknown } | undefined;
    const username =
      request.user?.username ??
      (typeof pending?.username === "string" ? pending.username : null) ??
      (typeof prompt?.uid_field === "string" ? prompt.uid_field : null);
    const score = await reputationScore(
      deps.cache,
      { ip: request.http.ip, username },
      { checkIp: config.check_ip, checkUsername: config.check_username },
    );
    return score <= config.threshold ? pass() : fail();
  },
});
