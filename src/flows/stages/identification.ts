/**
 * Identification stage (authentik `authentik/stages/identification`): asks for a username or
 * email, matches a user, and stores them as `pending_user`. With `password_stage` set the
 * password is asked on the same form and checked right here. With `webauthn_stage` set the
 * challenge carries a `passkey_challenge` and a `passkey` response logs the user in directly
 * (passwordless, see the end of this file).
 */
import * as z from "zod";
import type { IdentificationField } from "../../ports/flows.js";
import type { User } from "../../ports/store.js";
import { checkPassword, recordLoginFailed } from "../credentials.js";
import { checkCredentialLimits, countFailure } from "../limits.js";
import { CTX } from "../plan.js";
import { defineStage, next, nonFieldError, retry, type StageContext, type StageResult } from "../stage.js";
import { deviceArgs, PASSKEY_AUTH_METHOD, passkeyChallenge, verifyPasskey } from "../webauthn-validate.js";

const uuid = z.uuid();

export const identificationConfig = z.object({
  /** Fields a user may identify with (authentik: email, username, upn). */
  user_fields: z.array(z.enum(["username", "email", "upn"])).default(["email", "username"]),
  /** A password stage whose password is asked on the identification form (inline); null = none. */
  password_stage: uuid.nullable().default(null),
  /** Match identifiers ignoring case (default true). */
  case_insensitive_matching: z.boolean().default(true),
  /** Show the matched user's username in later stages (false: show what was typed). */
  show_matched_user: z.boolean().default(true),
  /** Continue as if the user existed when nothing matches (no user enumeration). Default true. */
  pretend_user_exists: z.boolean().default(true),
  /** Flows linked from the form (UUIDs); null = no link. */
  enrollment_flow: uuid.nullable().default(null),
  recovery_flow: uuid.nullable().default(null),
  passwordless_flow: uuid.nullable().default(null),
  /** An authenticator_validate stage (UUID) enabling passkey autofill on this form; null = off. */
  webauthn_stage: uuid.nullable().default(null),
});
type Config = z.infer<typeof identificationConfig>;

const response = z
  .object({
    uid_field: z.string().min(1).max(256).optional(),
    password: z.string().max(4096).optional(),
    /** A passkey assertion (`AuthenticationResponseJSON`), verified by `verifyPasskey`. */
    passkey: z.unknown().optional(),
  })
  .superRefine((r, issues) => {
    // `uid_field` is required unless the client answers with a passkey.
    if (r.uid_field === undefined && r.passkey === undefined) {
      issues.addIssue({ code: "invalid_type", expected: "string", input: undefined, path: ["uid_field"], message: "Required" });
    }
  });

async function flowUrl(ctx: StageContext<Config>, pk: string | null): Promise<string | undefined> {
  if (!pk) return undefined;
  const flow = await ctx.deps.store.flows.byPk(pk);
  return flow ? `/if/flow/${encodeURIComponent(flow.slug)}/` : undefined;
}

async function findUser(ctx: StageContext<Config>, uid: string): Promise<User | null> {
  for (const field of ctx.config.user_fields as IdentificationField[]) {
    const user = await ctx.deps.store.flows.findUser(field, uid, ctx.config.case_insensitive_matching);
    if (user) return user;
  }
  return null;
}

const FAILED = "Failed to authenticate.";

export const identificationStage = defineStage({
  type: "identification",
  component: "ak-stage-identification",
  config: identificationConfig,
  response,

  async challenge(ctx) {
    const designation = ctx.flow.designation;
    const fields: Record<string, unknown> = {
      user_fields: ctx.config.user_fields,
      password_fields: ctx.config.password_stage !== null,
      allow_show_password: false,
      primary_action: designation === "authentication" ? "Log in" : "Continue",
      flow_designation: designation,
      sources: [],
      show_source_labels: false,
    };
    const [enroll, recovery, passwordless] = await Promise.all([
      flowUrl(ctx, ctx.config.enrollment_flow),
      flowUrl(ctx, ctx.config.recovery_flow),
      flowUrl(ctx, ctx.config.passwordless_flow),
    ]);
    if (enroll) fields.enroll_url = enroll;
    if (recovery) fields.recovery_url = recovery;
    if (passwordless) fields.passwordless_url = passwordless;
    if (await passkeyEnabled(ctx)) fields.passkey_challenge = await passkeyChallenge(ctx);
    // authentik's pre-filled identifier: the `login_hint` an OIDC client sent (authorize.ts puts it
    // in the authentication flow's query).
    const hint = (ctx.plan.context[CTX.get] as Record<string, unknown> | undefined)?.login_hint;
    if (typeof hint === "string" && hint.length > 0 && hint.length <= 254) fields.pending_user_identifier = hint;
    return fields;
  },

  async submit(ctx, res) {
    if (res.passkey !== undefined && res.passkey !== null) return passkeyLogin(ctx, res.passkey);
    const uid = (res.uid_field ?? "").trim();
    const throttled = await checkCredentialLimits(ctx, uid);
    if (throttled) return throttled;
    const user = await findUser(ctx, uid);

    if (ctx.config.password_stage !== null) {
      // Inline password: both unknown users and wrong passwords get the same answer and work.
      const ok = await checkPassword(ctx.deps, user, res.password ?? "");
      if (!user || !ok) {
        await countFailure(ctx, uid);
        await recordLoginFailed(ctx, uid, user);
        return retry(nonFieldError(FAILED));
      }
      ctx.plan.context[CTX.authMethod] = "password";
      ctx.plan.context[CTX.authMethodArgs] = {};
      // The bound password stage is done already: drop it from the rest of the plan.
      const passwordStage = ctx.config.password_stage;
      ctx.plan.bindings = ctx.plan.bindings.filter((b, i) => i <= ctx.plan.index || b.stagePk !== passwordStage);
    } else if (!user) {
      if (!ctx.config.pretend_user_exists) {
        await countFailure(ctx, uid);
        await recordLoginFailed(ctx, uid, null);
        return retry(nonFieldError(FAILED));
      }
      // Carry on without a user: the password stage will fail exactly like a wrong password.
      delete ctx.plan.context[CTX.pendingUser];
      ctx.plan.context[CTX.pendingUserIdentifier] = uid;
      return next();
    }

    ctx.plan.context[CTX.pendingUser] = user.pk;
    if (ctx.config.show_matched_user) delete ctx.plan.context[CTX.pendingUserIdentifier];
    else ctx.plan.context[CTX.pendingUserIdentifier] = uid;
    return next();
  },
});

// --- Passwordless login with a passkey (authentik's identification `webauthn_stage`) ---------

async function passkeyEnabled(ctx: StageContext<Config>): Promise<boolean> {
  const pk = ctx.config.webauthn_stage;
  return pk !== null && (await ctx.deps.store.flows.stageByPk(pk)) !== null;
}

/** Stages a passkey login replaces, as in authentik: the password and the MFA check. */
const SKIPPED_AFTER_PASSKEY = new Set(["password", "authenticator_validate"]);

async function passkeyLogin(ctx: StageContext<Config>, passkey: unknown): Promise<StageResult> {
  if (!(await passkeyEnabled(ctx))) return retry(nonFieldError(FAILED));
  const throttled = await checkCredentialLimits(ctx, null);
  if (throttled) return throttled;
  const result = await verifyPasskey(ctx, passkey);
  if (!result.ok) return retry(nonFieldError(result.message));
  ctx.plan.context[CTX.pendingUser] = result.user.pk;
  delete ctx.plan.context[CTX.pendingUserIdentifier];
  ctx.plan.context[CTX.authMethod] = PASSKEY_AUTH_METHOD;
  ctx.plan.context[CTX.authMethodArgs] = deviceArgs(result.device);
  ctx.plan.bindings = ctx.plan.bindings.filter((b, i) => i <= ctx.plan.index || !SKIPPED_AFTER_PASSKEY.has(b.stageType));
  return next();
}
