/**
 * MFA test support: flows with authenticator stages, a password login that stops at the MFA
 * challenge, and TOTP codes computed from an `otpauth://` URI as an authenticator app would.
 */
import type { Hono } from "hono";
import { generate } from "otplib";
import type { Deps } from "../../src/deps.js";
import type { AppEnv } from "../../src/http/env.js";
import { FlowClient, seedFlow, type FlowReply, type SeededFlow } from "./flows.js";

export const PASSWORD = "correct horse battery";

/** identification → password → authenticator_validate (`validate` config) → user_login. */
export function seedMfaLoginFlow(deps: Deps, slug: string, validate: Record<string, unknown> = {}): Promise<SeededFlow> {
  return seedFlow(deps, {
    slug,
    stages: [
      { type: "identification", config: { user_fields: ["username"] } },
      { type: "password" },
      { type: "authenticator_validate", config: { device_classes: ["static", "totp", "webauthn", "email"], ...validate } },
      { type: "user_login" },
    ],
  });
}

/** identification → password → one enrolment stage (an unauthenticated stand-in for a setup flow). */
export function seedEnrolmentFlow(deps: Deps, slug: string, type: string, config: Record<string, unknown> = {}): Promise<SeededFlow> {
  return seedFlow(deps, {
    slug,
    stages: [{ type: "identification", config: { user_fields: ["username"] } }, { type: "password" }, { type: type, config }],
  });
}

/** A client that has answered identification and password of `slug`; returns the next reply. */
export async function passwordStep(app: Hono<AppEnv>, deps: () => Deps, slug: string, username: string, headers: Record<string, string> = {}) {
  const client = new FlowClient(app, deps, { "CF-Connecting-IP": "203.0.113.7", "User-Agent": "mfa-test", ...headers });
  await client.get(slug);
  await client.post(slug, { component: "ak-stage-identification", uid_field: username });
  const reply = await client.post(slug, { component: "ak-stage-password", password: PASSWORD });
  return { client, reply };
}

/** The secret and parameters of an `otpauth://totp/…` URI. */
export function parseOtpauth(uri: string): { secret: string; digits: number; period: number; issuer: string | null; label: string } {
  const url = new URL(uri);
  return {
    secret: url.searchParams.get("secret")!,
    digits: Number(url.searchParams.get("digits") ?? 6),
    period: Number(url.searchParams.get("period") ?? 30),
    issuer: url.searchParams.get("issuer"),
    label: decodeURIComponent(url.pathname.replace(/^\/\/totp\//, "").replace(/^\//, "")),
  };
}

/** The code an authenticator app shows at `at` for `uri`. */
export function codeFor(uri: string, at: Date): Promise<string> {
  const p = parseOtpauth(uri);
  return generate({ secret: p.secret, epoch: Math.floor(at.getTime() / 1000), digits: p.digits, period: p.period });
}

export function errorsOf(reply: FlowReply): Record<string, { string: string; code: string }[]> | undefined {
  return reply.body.response_errors as Record<string, { string: string; code: string }[]> | undefined;
}
