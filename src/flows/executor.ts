/**
 * The flow executor (authentik `authentik/flows/views/executor.py`), free of HTTP details: it
 * resumes or plans an execution, runs stages without interaction, shows the current stage's
 * challenge, and applies a stage's {@link StageResult} to the plan.
 */
import type { ZodType } from "zod";
import { NotFoundError } from "../core/errors.js";
import type { Deps } from "../deps.js";
import type { Flow } from "../ports/flows.js";
import type { User } from "../ports/store.js";
import { recordEvent } from "../services/events.js";
import {
  accessDeniedChallenge,
  DEFAULT_REDIRECT,
  flowErrorChallenge,
  redirectChallenge,
  safeRelativePath,
  stageChallenge,
  zodResponseErrors,
  type ChallengeBody,
} from "./challenge.js";
import { fulfilmentFor, type Fulfilment } from "./fulfilment.js";
import { CTX, currentBinding, deletePlan, loadPlan, savePlan, type FlowPlan } from "./plan.js";
import { planFlow, policyRequest } from "./planner.js";
import { inMemoryStage } from "./in-memory.js";
import { stageType } from "./registry.js";
import { FLOW_TOKEN_PARAM, isRestoredFrom, restoreFromFlowToken } from "./stages/email.js";
import {
  isInteractive,
  type ActionStage,
  nonFieldError,
  type AnyStage,
  type InteractiveStage,
  type RequestInfo,
  type ResponseErrors,
  type SessionControl,
  type StageContext,
  type StageResult,
} from "./stage.js";

/** What the executor needs from the HTTP layer. */
export interface ExecutorIO {
  deps: Deps;
  request: RequestInfo;
  requestId?: string;
  session: SessionControl;
  /** The execution id this session has for `flowSlug`. */
  executionFor(flowSlug: string): Promise<string | undefined>;
  rememberExecution(flowSlug: string, executionId: string | null): Promise<void>;
  /** A context another flow handed to this one (redirect stage `keep_context`), taken once. */
  takeCarriedContext?(flowSlug: string): Promise<Record<string, unknown> | null>;
}

export interface ExecutorReply {
  status: number;
  body: ChallengeBody;
}

interface Execution {
  io: ExecutorIO;
  flow: Flow;
  id: string;
  plan: FlowPlan;
  /** The flow's original query parameters (`?query=`). */
  query: URLSearchParams;
  /** True when the stored execution was missing or expired and a new one was planned. */
  restarted: boolean;
}

type Settled = { kind: "stage"; stage: InteractiveStage<unknown, unknown>; ctx: StageContext<unknown> } | { kind: "reply"; reply: ExecutorReply };

const ok = (body: ChallengeBody): ExecutorReply => ({ status: 200, body });

async function loadFlow(io: ExecutorIO, slug: string): Promise<Flow> {
  const flow = await io.deps.store.flows.bySlug(slug);
  if (!flow) throw new NotFoundError("Flow not found.");
  return flow;
}

/** The `next` target of the flow's original query, if it is a safe relative path. */
function nextParam(query: URLSearchParams): string | null {
  return safeRelativePath(query.get("next"));
}

/** authentik's `denied_action` when the planner refuses the flow. */
function deniedReply(flow: Flow, message: string, query: URLSearchParams): ExecutorReply {
  const next = nextParam(query);
  if (flow.deniedAction === "continue") return ok(redirectChallenge(next ?? DEFAULT_REDIRECT));
  if (flow.deniedAction === "message_continue" && next) return ok(redirectChallenge(next));
  return ok(accessDeniedChallenge(flow, message));
}

async function newExecution(io: ExecutorIO, flow: Flow, query: URLSearchParams): Promise<Execution | ExecutorReply> {
  const user = await io.session.user();
  const carried = (await io.takeCarriedContext?.(flow.slug)) ?? {};
  const outcome = await planFlow({
    deps: io.deps,
    flow,
    user,
    request: io.request,
    context: { ...carried, [CTX.get]: Object.fromEntries(query) },
  });
  if (!outcome.ok) return deniedReply(flow, outcome.message, query);
  const id = io.deps.random.token(32);
  await io.rememberExecution(flow.slug, id);
  return { io, flow, id, plan: outcome.plan, query, restarted: true };
}

/** Resumes this session's execution of `flow`, or plans a new one (unknown or expired id). */
async function resume(io: ExecutorIO, flow: Flow, query: URLSearchParams): Promise<Execution | ExecutorReply> {
  const id = await io.executionFor(flow.slug);
  const plan = id ? await loadPlan(io.deps.cache, id) : null;
  const flowToken = query.get(FLOW_TOKEN_PARAM);
  if (flowToken && !(plan && (await isRestoredFrom(plan, flowToken)))) return restoreExecution(io, flow, query, flowToken);
  if (id && plan && plan.flowPk === flow.pk) return { io, flow, id, plan, query, restarted: false };
  return newExecution(io, flow, query);
}

// --- Email links (`?flow_token=`, src/flows/stages/email.ts) -------------------------------
/**
 * Opens an email link: redeems the token and continues the plan it was issued for, as a new
 * execution of this session (the link may be opened in another browser). A bad link is a flow
 * error with a clear message, never an exception.
 */
async function restoreExecution(io: ExecutorIO, flow: Flow, query: URLSearchParams, key: string): Promise<Execution | ExecutorReply> {
  const restored = await restoreFromFlowToken(io.deps, flow, key);
  if (!restored.ok) return ok({ ...flowErrorChallenge(flow, io.requestId), error: restored.message });
  const id = io.deps.random.token(32);
  await io.rememberExecution(flow.slug, id);
  return { io, flow, id, plan: restored.plan, query, restarted: true };
}
// ---------------------------------------------------------------------------------------------

async function end(exec: Execution): Promise<void> {
  await deletePlan(exec.io.deps.cache, exec.id);
  await exec.io.rememberExecution(exec.flow.slug, null);
}

async function pendingUserOf(exec: Execution): Promise<User | null> {
  const pk = exec.plan.context[CTX.pendingUser];
  return typeof pk === "number" ? exec.io.deps.store.users.byPk(pk) : null;
}

/** Completion: `context.redirect`, else the query's `next`, else the user interface. */
async function finish(exec: Execution): Promise<ExecutorReply> {
  await end(exec);
  const fromContext = exec.plan.context[CTX.redirect];
  const get = exec.plan.context[CTX.get] as Record<string, string> | undefined;
  const to =
    (typeof fromContext === "string" && fromContext) ||
    nextParam(exec.query) ||
    safeRelativePath(get?.next) ||
    DEFAULT_REDIRECT;
  return ok(redirectChallenge(to));
}

async function flowError(exec: Execution, message: string, error?: unknown): Promise<ExecutorReply> {
  exec.io.deps.logger.error(message, { flow: exec.flow.slug, error });
  await end(exec);
  return ok(flowErrorChallenge(exec.flow, exec.io.requestId));
}

async function makeContext(exec: Execution, def: AnyStage): Promise<StageContext<unknown> | string> {
  const binding = currentBinding(exec.plan)!;
  const stage = inMemoryStage(binding.stagePk) ?? (await exec.io.deps.store.flows.stageByPk(binding.stagePk));
  if (!stage) return "stage no longer exists";
  const parsed = (def.config as ZodType<unknown>).safeParse(stage.config);
  if (!parsed.success) {
    await recordEvent(exec.io.deps, {
      action: "configuration_error",
      context: { message: `invalid config for stage '${stage.name}'`, issues: parsed.error.issues.map((i) => i.message) },
    });
    return `invalid config for stage '${stage.name}'`;
  }
  let pending: Promise<User | null> | undefined;
  return {
    deps: exec.io.deps,
    flow: exec.flow,
    stage,
    config: parsed.data,
    binding,
    plan: exec.plan,
    request: exec.io.request,
    session: exec.io.session,
    pendingUser: () => (pending ??= pendingUserOf(exec)),
  };
}

/** A protocol's fulfilment step (src/flows/fulfilment.ts) ends the execution with its result. */
async function fulfilled(exec: Execution, fulfil: Fulfilment): Promise<ExecutorReply> {
  const { deps, request, session } = exec.io;
  const result = await fulfil({ deps, plan: exec.plan, request, session });
  await end(exec);
  if (result.kind === "redirect") return ok(redirectChallenge(result.to));
  if (result.kind === "deny") return ok(accessDeniedChallenge(exec.flow, result.message));
  return flowError(exec, `fulfilment returned '${result.kind}'`);
}

/** Runs the plan forward to the next stage that needs the user (or to the end). */
async function settle(exec: Execution): Promise<Settled> {
  const { plan, io } = exec;
  for (;;) {
    const binding = currentBinding(plan);
    if (!binding) return { kind: "reply", reply: await finish(exec) };
    const fulfil = fulfilmentFor(binding);
    if (fulfil) return { kind: "reply", reply: await fulfilled(exec, fulfil) };
    const def = stageType(binding.stageType);
    if (!def) return { kind: "reply", reply: await flowError(exec, `unknown stage type '${binding.stageType}'`) };
    let arriving = false;
    if (plan.checkedIndex < plan.index) {
      if (binding.reEvaluatePolicies) {
        const request = policyRequest(io.request, await pendingUserOf(exec), plan.context);
        if (!(await io.deps.policyEngine.evaluate(binding.bindingPk, request)).passing) {
          plan.bindings.splice(plan.index, 1); // the stage does not apply: drop it
          continue;
        }
      }
      plan.checkedIndex = plan.index;
      arriving = true;
    }
    const ctx = await makeContext(exec, def);
    if (typeof ctx === "string") return { kind: "reply", reply: await flowError(exec, ctx) };
    if (isInteractive(def)) {
      // `enter` runs once per arrival (not on reloads or responses); null shows the challenge.
      const entered = arriving && def.enter ? await def.enter(ctx) : null;
      if (!entered) return { kind: "stage", stage: def, ctx };
      if (entered.kind !== "next") return { kind: "reply", reply: await apply(exec, def, ctx, entered) };
      plan.index += 1;
      continue;
    }
    const result = await (def as ActionStage<unknown>).run(ctx);
    if (result.kind !== "next") return { kind: "reply", reply: await apply(exec, def, ctx, result) };
    plan.index += 1;
  }
}

async function show(exec: Execution, settled: Settled, errors?: ResponseErrors, status = 200): Promise<ExecutorReply> {
  if (settled.kind === "reply") return settled.reply;
  await savePlan(exec.io.deps.cache, exec.id, exec.plan);
  const fields = await settled.stage.challenge(settled.ctx);
  const user = await settled.ctx.pendingUser();
  const identifier = exec.plan.context[CTX.pendingUserIdentifier];
  const pendingUser = typeof identifier === "string" ? identifier : (user?.username ?? null);
  const body = stageChallenge(exec.flow, { ...fields, component: settled.stage.component }, { errors, pendingUser });
  return { status, body };
}

/** Applies a stage's decision to the plan and answers with what comes next. */
async function apply(exec: Execution, def: AnyStage, ctx: StageContext<unknown>, result: StageResult): Promise<ExecutorReply> {
  switch (result.kind) {
    case "next":
      exec.plan.index += 1;
      return show(exec, await settle(exec));
    case "deny":
      await end(exec);
      return ok(accessDeniedChallenge(exec.flow, result.message));
    case "redirect":
      await end(exec);
      return ok(redirectChallenge(result.to));
    case "challenge":
      await savePlan(exec.io.deps.cache, exec.id, exec.plan);
      return ok(stageChallenge(exec.flow, result.challenge, {}));
    case "retry":
      return retryWith(exec, def, ctx, result.errors);
  }
}

/** authentik's `invalid_response_action`: show the stage again, or restart (with or without context). */
async function retryWith(exec: Execution, def: AnyStage, ctx: StageContext<unknown>, errors: ResponseErrors): Promise<ExecutorReply> {
  const action = ctx.binding.invalidResponseAction;
  if (action === "retry" && isInteractive(def)) return show(exec, { kind: "stage", stage: def, ctx }, errors);
  if (action === "restart_with_context") {
    exec.plan.index = 0;
    exec.plan.checkedIndex = -1;
    return show(exec, await settle(exec), errors);
  }
  const fresh = await newExecution(exec.io, exec.flow, exec.query);
  if ("status" in fresh) return fresh;
  await deletePlan(exec.io.deps.cache, exec.id);
  return show(fresh, await settle(fresh), errors);
}

async function guarded(exec: Execution, work: () => Promise<ExecutorReply>): Promise<ExecutorReply> {
  try {
    return await work();
  } catch (error) {
    return flowError(exec, "flow execution failed", error);
  }
}

/** GET: the current challenge (planning the flow when this session has no execution of it). */
export async function currentChallenge(io: ExecutorIO, slug: string, query: URLSearchParams): Promise<ExecutorReply> {
  const flow = await loadFlow(io, slug);
  const exec = await resume(io, flow, query);
  if ("status" in exec) return exec;
  return guarded(exec, async () => show(exec, await settle(exec)));
}

/** Marker for a request body that is not JSON (the HTTP layer could not parse it). */
export const MALFORMED = Symbol("malformed");

/** POST: the response to the current challenge → the next challenge. */
export async function submitChallenge(
  io: ExecutorIO,
  slug: string,
  query: URLSearchParams,
  body: unknown,
): Promise<ExecutorReply> {
  const flow = await loadFlow(io, slug);
  const exec = await resume(io, flow, query);
  if ("status" in exec) return exec;
  return guarded(exec, async () => {
    const settled = await settle(exec);
    // An expired or unknown execution restarts cleanly: the response was for a stage that is gone.
    if (exec.restarted || settled.kind === "reply") return show(exec, settled);
    if (body === MALFORMED || typeof body !== "object" || body === null || Array.isArray(body)) {
      return show(exec, settled, nonFieldError("JSON parse error: expected an object.", "parse_error"), 400);
    }
    const { component, ...fields } = body as Record<string, unknown>;
    if (component !== settled.stage.component) {
      return show(exec, settled, { component: [{ string: `Expected '${settled.stage.component}'.`, code: "invalid" }] }, 400);
    }
    const parsed = settled.stage.response.safeParse(fields);
    if (!parsed.success) return show(exec, settled, zodResponseErrors(parsed.error));
    const result = await settled.stage.submit(settled.ctx, parsed.data);
    return apply(exec, settled.stage, settled.ctx, result);
  });
}

/** Forgets an execution (`/flows/-/cancel/`). */
export async function cancelExecution(deps: Deps, executionId: string): Promise<void> {
  await deletePlan(deps.cache, executionId);
}
