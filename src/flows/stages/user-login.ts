/**
 * User login stage (authentik `authentik/stages/user_login`): turns the pending user into an
 * authenticated session. The session key is replaced (session fixation), only its SHA-256 is
 * stored, `last_login` is set and a `login` event is written.
 */
import * as z from "zod";
import { recordLoginSuccess } from "../../policies/reputation.js";
import { recordEvent } from "../../services/events.js";
import { CTX } from "../plan.js";
import { defineActionStage, deny, next } from "../stage.js";
import { isTimedelta, parseTimedelta } from "../timedelta.js";

const timedelta = z.string().refine(isTimedelta, { message: "expected a duration like 'hours=1;minutes=30'" });

/** Server-side lifetime of a browser session ("seconds=0"), like Django's SESSION_COOKIE_AGE (2 weeks). */
export const BROWSER_SESSION_MAX_MS = 14 * 86_400_000;

export const userLoginConfig = z.object({
  /** Session length; "seconds=0" (default) = until the browser closes. */
  session_duration: timedelta.default("seconds=0"),
  /** Added to the session length when the user ticks "remember me" (not offered yet). */
  remember_me_offset: timedelta.default("seconds=0"),
  /** End the user's other sessions (not implemented yet; accepted for compatibility). */
  terminate_other_sessions: z.boolean().default(false),
  network_binding: z.string().default("no_binding"),
  geoip_binding: z.string().default("no_binding"),
});

export const userLoginStage = defineActionStage({
  type: "user_login",
  config: userLoginConfig,

  async run(ctx) {
    const user = await ctx.pendingUser();
    if (!user) return deny("No Pending user to login.");
    if (!user.isActive) return deny("This account is inactive.");
    const now = ctx.deps.clock.now();
    const durationMs = parseTimedelta(ctx.config.session_duration);
    const persistent = durationMs > 0;
    const expires = new Date(now.getTime() + (persistent ? durationMs : BROWSER_SESSION_MAX_MS));
    await ctx.session.login(user, { expires, persistent });
    await ctx.deps.store.flows.recordLogin(user.pk, now);
    // authentik raises the reputation of the IP and username on every successful login.
    await recordLoginSuccess(ctx.deps.cache, { ip: ctx.request.ip, username: user.username });
    await recordEvent(ctx.deps, {
      action: "login",
      user,
      clientIp: ctx.request.ip,
      context: {
        auth_method: ctx.plan.context[CTX.authMethod] ?? null,
        auth_method_args: ctx.plan.context[CTX.authMethodArgs] ?? {},
        flow: { pk: ctx.flow.pk, slug: ctx.flow.slug },
      },
    });
    return next();
  },
});
