/**
 * Captcha stage (authentik `authentik/stages/captcha`): the client solves a captcha (Cloudflare
 * Turnstile, reCAPTCHA or hCaptcha — all speak the same `siteverify` protocol) and the server
 * verifies the token at `api_url`. Scores (reCAPTCHA v3) must lie within the thresholds. Any
 * failure, including an unreachable or slow verifier, is a failed check: fail closed.
 *
 * Outbound HTTP uses `deps.fetch` when the composition root provides one (tests inject a fake
 * verifier there), else the global `fetch`.
 */
import * as z from "zod";
import type { Deps } from "../../deps.js";
import { defineStage, next, retry } from "../stage.js";

export const TURNSTILE = {
  js_url: "https://challenges.cloudflare.com/turnstile/v0/api.js",
  api_url: "https://challenges.cloudflare.com/turnstile/v0/siteverify",
} as const;

/** How long the verifier may take before the check fails. */
export const VERIFY_TIMEOUT_MS = 10_000;

export const captchaConfig = z.object({
  /** Site key, sent to the client. */
  public_key: z.string().default(""),
  /** Secret key, sent to the verifier only. */
  private_key: z.string().default(""),
  /** Script the client loads (authentik's default is reCAPTCHA's; Turnstile's is `TURNSTILE.js_url`). */
  js_url: z.string().default("https://www.recaptcha.net/recaptcha/api.js"),
  /** The verifier's `siteverify` endpoint. */
  api_url: z.string().default("https://www.recaptcha.net/recaptcha/api/siteverify"),
  /** The widget needs user interaction (Turnstile managed mode, hCaptcha). */
  interactive: z.boolean().default(false),
  score_min_threshold: z.number().default(0.5),
  score_max_threshold: z.number().default(1),
  /** Fail when the score is outside the thresholds (else only note it). */
  error_on_invalid_score: z.boolean().default(true),
});
type CaptchaConfig = z.infer<typeof captchaConfig>;

const response = z.object({ token: z.string().min(1).max(4096) });

const FAILED = "Failed to validate token";

interface Verdict {
  success?: unknown;
  score?: unknown;
  "error-codes"?: unknown;
}

type FetchDeps = Deps & { fetch?: typeof fetch };

/** Asks the verifier; null when it cannot be reached, times out or answers nonsense. */
async function siteverify(deps: FetchDeps, cfg: CaptchaConfig, token: string, ip: string | null): Promise<Verdict | null> {
  const doFetch = deps.fetch ?? ((input, init) => fetch(input, init));
  const body = new URLSearchParams({ secret: cfg.private_key, response: token });
  if (ip) body.set("remoteip", ip);
  try {
    const res = await doFetch(cfg.api_url, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body,
      signal: AbortSignal.timeout(VERIFY_TIMEOUT_MS),
    });
    if (!res.ok) return null;
    const data = (await res.json()) as unknown;
    return data !== null && typeof data === "object" ? (data as Verdict) : null;
  } catch (error) {
    deps.logger.warn("captcha verification failed", { error });
    return null;
  }
}

export const captchaStage = defineStage({
  type: "captcha",
  component: "ak-stage-captcha",
  config: captchaConfig,
  response,

  challenge(ctx) {
    return { site_key: ctx.config.public_key, js_url: ctx.config.js_url, interactive: ctx.config.interactive };
  },

  async submit(ctx, res) {
    const verdict = await siteverify(ctx.deps, ctx.config, res.token, ctx.request.ip);
    if (!verdict || verdict.success !== true) return retry({ token: [{ string: FAILED, code: "invalid" }] });
    if (typeof verdict.score === "number") {
      const { score_min_threshold: min, score_max_threshold: max } = ctx.config;
      if ((verdict.score < min || verdict.score > max) && ctx.config.error_on_invalid_score) {
        return retry({ token: [{ string: "Invalid captcha response. Retrying may solve this issue.", code: "invalid" }] });
      }
    }
    return next();
  },
});
