/**
 * User login stage (authentik `authentik/stages/user_login`): turns the pending user into an
 * authenticated session. The session key is replaced (session fixation), only its SHA-256 is
 * stored, `last_login` is set and a `login` event is written.
 */
import * as z from "zod";
import { recordLoginSuccess } from "../../policies/reputation.js";
import { recordEvent } from "../../services/events.js";
import { rememberLoginMethod } from "../login-method.js";
import { CTX } from "../plan.js";
import { defineStage, deny, next, type StageContext, type StageResult } from "../stage.js";
import { isTimedelta, parseTimedelta } from "../timedelta.js";

const timedelta = z.string().refine(isTimedelta, { message: "expected a duration like 'hours=1;minutes=30'" });

/** Server-side lifetime of a browser session ("seconds=0"), like Django's SESSION_COOKIE_AGE (2 weeks). */
export const BROWSER_SESSION_MAX_MS = 14 * 86_400_000;

export const userLoginConfig = z.object({
  /** Session length; "seconds=0" (default) = until the browser closes. */
  session_duration: timedelta.default("seconds=0"),
  /** Added to the session length when the user ticks "Stay signed in"; > 0 shows the question. */
  remember_me_offset: timedelta.default("seconds=0"),
  /** End the user's other sessions at this login (they are logged out everywhere else). */
  terminate_other_sessions: z.boolean().default(false),
  // Binding a session to the client's network or location (authentik 2024.x) is not built yet:
  // refuse other values loudly rather than silently running without the protection asked for.
  network_binding: z.enum(["no_binding"], { message: "network_binding other than no_binding is not supported yet" }).default("no_binding"),
  geoip_binding: z.enum(["no_binding"], { message: "geoip_binding other than no_binding is not supported yet" }).default("no_binding"),
});

type UserLoginConfig = z.infer<typeof userLoginConfig>;

/** Logs the pending user in; `rememberMe` adds `remember_me_offset` to the session length. */
async function login(ctx: StageContext<UserLoginConfig>, rememberMe: boolean): Promise<StageResult> {
  const user = await ctx.pendingUser();
  if (!user) return deny("No Pending user to login.");
  if (!user.isActive) return deny("This account is inactive.");
  const now = ctx.deps.clock.now();
  const offsetMs = rememberMe ? parseTimedelta(ctx.config.remember_me_offset) : 0;
  const durationMs = parseTimedelta(ctx.config.session_duration) + offsetMs;
  const persistent = durationMs > 0;
  const expires = new Date(now.getTime() + (persistent ? durationMs : BROWSER_SESSION_MAX_MS));
  await ctx.session.login(user, { expires, persistent, terminateOthers: ctx.config.terminate_other_sessions });
  await ctx.deps.store.flows.recordLogin(user.pk, now);
  const method = {
    auth_method: (ctx.plan.context[CTX.authMethod] as string | undefined) ?? null,
    auth_method_args: (ctx.plan.context[CTX.authMethodArgs] as Record<string, unknown> | undefined) ?? {},
  };
  // For OIDC `amr` (authentik keeps the login event in the session for it).
  await rememberLoginMethod(ctx.deps, user.pk, now, method, (expires.getTime() - now.getTime()) / 1000);
  // authentik raises the reputation of the IP and username on every successful login.
  await recordLoginSuccess(ctx.deps.cache, { ip: ctx.request.ip, username: user.username });
  await recordEvent(ctx.deps, {
    action: "login",
    user,
    clientIp: ctx.request.ip,
    context: {
      ...method,
      flow: { pk: ctx.flow.pk, slug: ctx.flow.slug },
      remember_me: rememberMe,
    },
  });
  return next();
}

/**
 * Without `remember_me_offset` the stage logs in on arrival (no page). With it, authentik's
 * `ak-stage-user-login` asks "Stay signed in?" and a yes extends the session by the offset.
 */
export const userLoginStage = defineStage({
  type: "user_login",
  component: "ak-stage-user-login",
  config: userLoginConfig,
  response: z.object({ remember_me: z.boolean().default(false) }),

  async enter(ctx) {
    return parseTimedelta(ctx.config.remember_me_offset) > 0 ? null : login(ctx, false);
  },

  challenge: () => ({}),

  submit(ctx, response) {
    return login(ctx, response.remember_me);
  },
});
