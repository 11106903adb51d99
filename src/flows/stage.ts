/**
 * The stage plug-in contract (STYLE habit 2, DESIGN §5). A stage is one file in
 * `src/flows/stages/` exporting a {@link StageDefinition} plus one line in `registry.ts`.
 *
 * Interactive stages implement `challenge` (what the client is asked) and `submit` (the
 * validated response → a {@link StageResult}); stages without user interaction (user_login,
 * deny, redirect, …) implement `run` instead. Expected failures (wrong password) are values,
 * never exceptions.
 */
import type * as z from "zod";
import type { FieldError } from "../core/errors.js";
import type { Deps } from "../deps.js";
import type { Flow, Stage } from "../ports/flows.js";
import type { User } from "../ports/store.js";
import type { FlowPlan, PlanBinding } from "./plan.js";

/** authentik's `response_errors`: field name (or `non_field_errors`) → messages. */
export type ResponseErrors = Record<string, FieldError[]>;

/** A stage's challenge fields: `component` plus whatever the component needs. */
export interface ChallengeFields {
  component: string;
  [field: string]: unknown;
}

/** What a stage decides after a response (or, for `run` stages, on arrival). */
export type StageResult =
  | { kind: "next" }
  | { kind: "retry"; errors: ResponseErrors }
  | { kind: "deny"; message: string }
  | { kind: "redirect"; to: string }
  | { kind: "challenge"; challenge: ChallengeFields };

export const next = (): StageResult => ({ kind: "next" });
export const retry = (errors: ResponseErrors): StageResult => ({ kind: "retry", errors });
export const deny = (message: string): StageResult => ({ kind: "deny", message });
export const redirect = (to: string): StageResult => ({ kind: "redirect", to });
export const challenge = (c: ChallengeFields): StageResult => ({ kind: "challenge", challenge: c });

/** One `non_field_errors` entry, the shape most stage failures take. */
export function nonFieldError(message: string, code = "invalid"): ResponseErrors {
  return { non_field_errors: [{ string: message, code }] };
}

/** The request as stages may see it. */
export interface RequestInfo {
  ip: string | null;
  /** Request country and ASN for GeoIP policies (from the host's client info). */
  country?: string | null;
  asn?: number | null;
  userAgent: string | null;
  host: string;
  path: string;
  method: string;
}

/** Session operations the HTTP layer performs for stages (login issues a new session key). */
export interface SessionControl {
  /** Authenticates `user`: a new session key (fixation), a session row, the cookie. */
  login(user: User, opts: { expires: Date; persistent: boolean; terminateOthers?: boolean }): Promise<void>;
  /** Ends the authenticated session (row deleted, new anonymous key). */
  logout(): Promise<void>;
  /** Hands `context` to the next execution of `flowSlug` in this session (redirect `keep_context`). */
  carryContext(flowSlug: string, context: Record<string, unknown>): Promise<void>;
  /** The user of the current authenticated session, if any. */
  user(): Promise<User | null>;
}

export interface StageContext<C> {
  deps: Deps;
  flow: Flow;
  stage: Stage;
  /** The stage's settings, parsed by its `config` schema (defaults applied). */
  config: C;
  binding: PlanBinding;
  /** The live plan; stages read and write `plan.context`. Saved by the executor. */
  plan: FlowPlan;
  request: RequestInfo;
  session: SessionControl;
  /** The user in `context.pending_user`, loaded from the store (null when none or gone). */
  pendingUser(): Promise<User | null>;
}

interface StageBase<C> {
  /** Stage type id stored in `stages.type` (authentik's model name without `stage`, snake_case). */
  type: string;
  /** Settings schema under authentik's attribute names, with authentik's defaults. */
  config: z.ZodType<C>;
}

export interface InteractiveStage<C, R> extends StageBase<C> {
  /** Web component name, e.g. `ak-stage-password`. */
  component: string;
  /** Schema of the response fields (without `component`). */
  response: z.ZodType<R>;
  /**
   * Optional: runs once when the stage is reached, before its first challenge (authentik's
   * `get()` deciding to skip or deny, e.g. authenticator_validate without devices). Context
   * written here is saved. `null` shows the challenge; a result is applied instead.
   */
  enter?(ctx: StageContext<C>): Promise<StageResult | null> | StageResult | null;
  challenge(ctx: StageContext<C>): Promise<Omit<ChallengeFields, "component">> | Omit<ChallengeFields, "component">;
  submit(ctx: StageContext<C>, response: R): Promise<StageResult> | StageResult;
}

export interface ActionStage<C> extends StageBase<C> {
  /** Runs when the stage is reached; no challenge is shown unless the result asks for one. */
  run(ctx: StageContext<C>): Promise<StageResult> | StageResult;
}

// The registry holds stages of different config/response types; `any` stays internal to it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStage = InteractiveStage<any, any> | ActionStage<any>;

export function isInteractive(stage: AnyStage): stage is InteractiveStage<unknown, unknown> {
  return "submit" in stage;
}

/** Declares an interactive stage (keeps the config/response types linked). */
export function defineStage<C, R>(stage: InteractiveStage<C, R>): InteractiveStage<C, R> {
  return stage;
}

/** Declares a stage without user interaction. */
export function defineActionStage<C>(stage: ActionStage<C>): ActionStage<C> {
  return stage;
}
