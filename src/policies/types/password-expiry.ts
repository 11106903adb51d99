import * as z from "zod";
import { definePolicyType, fail, pass } from "../policy-type.js";

const DAY_MS = 86_400_000;

/**
 * authentik's password expiry policy: fails once the user's password is `days` old. authentik
 * also makes the password unusable unless `deny_only`; here the policy only decides (pure), and
 * says so in its message — the flow forces the change.
 */
export const passwordExpiryPolicy = definePolicyType({
  id: "password_expiry",
  authentikModel: "authentik_policies_expiry.passwordexpirypolicy",
  description: "Fails when the user's password is older than `days`.",
  config: z.object({
    /** Maximum password age in days (required). */
    days: z.number().int().min(0),
    /** Only deny, without asking the user to change the password. */
    deny_only: z.boolean().default(false),
  }),
  evaluate(request, config, deps) {
    const changed = request.user?.passwordChangeDate ?? request.user?.dateJoined;
    // No user (anonymous) or no date at all: nothing can have expired.
    if (!changed) return pass();
    const now = deps.clock.now().getTime();
    const ageDays = Math.floor((now - changed.getTime()) / DAY_MS);
    if (ageDays < config.days) return pass();
    if (config.deny_only) return fail("Password has expired.");
    const since = Math.floor((now - (changed.getTime() + config.days * DAY_MS)) / DAY_MS);
    return fail(`Password expired ${since} days ago. Please update your password.`);
  },
});
