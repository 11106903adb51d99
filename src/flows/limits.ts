/**
 * Throttling of credential submissions (identification, password): per client IP (every
 * attempt) and per identifier (failures only, so a user whose logins succeed — e.g. frequent LDAP
 * binds — is never throttled). Over the limit, the stage answers with an error challenge and one
 * `suspicious_request` event is written per window.
 */
import { firstReportInWindow, hitRateLimit, isRateLimited, type RateLimitRule } from "../core/rate-limit.js";
import { recordEvent } from "../services/events.js";
import { nonFieldError, retry, type StageContext, type StageResult } from "./stage.js";

/** Attempts per client IP. */
export const IP_ATTEMPTS: RateLimitRule = { name: "flow-ip", limit: 60, windowSeconds: 300 };
/** Failed attempts per identifier (case-folded). */
export const IDENTIFIER_FAILURES: RateLimitRule = { name: "flow-uid", limit: 10, windowSeconds: 300 };

export const THROTTLED_MESSAGE = "Too many attempts. Please try again later.";

function identifierSubject(identifier: string): string {
  return identifier.trim().toLowerCase();
}

async function report(ctx: StageContext<unknown>, rule: RateLimitRule, subject: string, identifier: string | null) {
  if (!(await firstReportInWindow(ctx.deps.cache, rule, subject))) return;
  await recordEvent(ctx.deps, {
    action: "suspicious_request",
    clientIp: ctx.request.ip,
    context: { reason: "rate_limited", limit: rule.name, identifier, stage: ctx.stage.name },
  });
}

/**
 * Counts this attempt and checks both limits. Returns a retry result when throttled, or null to
 * go on.
 */
export async function checkCredentialLimits(
  ctx: StageContext<unknown>,
  identifier: string | null,
): Promise<StageResult | null> {
  const ip = ctx.request.ip ?? "unknown";
  const ipState = await hitRateLimit(ctx.deps.cache, IP_ATTEMPTS, ip);
  if (ipState.limited) {
    await report(ctx, IP_ATTEMPTS, ip, identifier);
    return retry(nonFieldError(THROTTLED_MESSAGE, "throttled"));
  }
  if (identifier && (await isRateLimited(ctx.deps.cache, IDENTIFIER_FAILURES, identifierSubject(identifier)))) {
    await report(ctx, IDENTIFIER_FAILURES, identifierSubject(identifier), identifier);
    return retry(nonFieldError(THROTTLED_MESSAGE, "throttled"));
  }
  return null;
}

/** Counts a failed attempt for `identifier`. */
export async function countFailure(ctx: StageContext<unknown>, identifier: string | null): Promise<void> {
  if (identifier) await hitRateLimit(ctx.deps.cache, IDENTIFIER_FAILURES, identifierSubject(identifier));
}
