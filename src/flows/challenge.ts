/**
 * authentik's challenge JSON (`authentik/flows/challenge.py`): every challenge has `component`
 * and `flow_info`; failed responses add `response_errors`; stages about a user add
 * `pending_user` and `pending_user_avatar`. Framework components end or redirect a flow.
 */
import type * as z from "zod";
import type { Flow } from "../ports/flows.js";
import type { ChallengeFields, ResponseErrors } from "./stage.js";

export type ChallengeBody = Record<string, unknown> & { component: string };

/** authentik's default avatar when none is configured. */
export const DEFAULT_AVATAR = "/static/dist/assets/images/user_default.png";
export const CANCEL_URL = "/flows/-/cancel/";
/** Where a completed flow goes without `redirect` in its context or a `next` parameter. */
export const DEFAULT_REDIRECT = "/if/user/";

export function flowInfo(flow: Flow): Record<string, unknown> {
  return { title: flow.title, background: flow.background, cancel_url: CANCEL_URL, layout: flow.layout };
}

export function redirectChallenge(to: string): ChallengeBody {
  return { component: "xak-flow-redirect", to };
}

export function accessDeniedChallenge(flow: Flow | null, message: string): ChallengeBody {
  return {
    component: "ak-stage-access-denied",
    ...(flow ? { flow_info: flowInfo(flow) } : {}),
    error_message: message,
  };
}

export function flowErrorChallenge(flow: Flow, requestId: string | undefined): ChallengeBody {
  return {
    component: "ak-stage-flow-error",
    flow_info: flowInfo(flow),
    error: "Something went wrong while running this flow. Please try again.",
    ...(requestId ? { request_id: requestId } : {}),
  };
}

/** A stage challenge with the framework fields added. */
export function stageChallenge(
  flow: Flow,
  fields: ChallengeFields,
  extra: { errors?: ResponseErrors | undefined; pendingUser?: string | null },
): ChallengeBody {
  const body: ChallengeBody = { ...fields, flow_info: flowInfo(flow) };
  if (extra.errors && Object.keys(extra.errors).length > 0) body.response_errors = extra.errors;
  if (extra.pendingUser) {
    body.pending_user = extra.pendingUser;
    body.pending_user_avatar = DEFAULT_AVATAR;
  }
  return body;
}

/** Maps zod issues to `response_errors` (DRF's codes: `required`, `invalid`). */
export function zodResponseErrors(error: z.ZodError): ResponseErrors {
  const out: ResponseErrors = {};
  for (const issue of error.issues) {
    const field = typeof issue.path[0] === "string" ? issue.path[0] : "non_field_errors";
    const missing = issue.code === "invalid_type" && issue.input === undefined;
    (out[field] ??= []).push({
      string: missing ? "This field is required." : issue.message,
      code: missing ? "required" : "invalid",
    });
  }
  return out;
}

/**
 * A same-origin relative path from a user-supplied `next`, or null (no open redirects):
 * must start with a single "/", no backslashes or control characters, and stay on our origin.
 */
export function safeRelativePath(next: unknown): string | null {
  if (typeof next !== "string" || !next.startsWith("/") || next.startsWith("//")) return null;
  if (/[\\\u0000-\u001f\u007f]/.test(next)) return null;
  try {
    const base = "http://threshold.invalid";
    const url = new URL(next, base);
    if (url.origin !== base) return null;
    return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    return null;
  }
}
