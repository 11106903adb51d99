import * as z from "zod";
import type { PolicyRequest } from "../../ports/policy-engine.js";
import { definePolicyType, fail, pass, PolicyError, type PolicyOutcome, type PolicyTypeDeps } from "../policy-type.js";

const count = z.number().int().min(0);

const config = z.object({
  /** Key of the password in the prompt data (`request.context.prompt_data[password_field]`). */
  password_field: z.string().default("password"),
  /** Check length and character classes. */
  check_static_rules: z.boolean().default(true),
  length_min: count.default(0),
  amount_uppercase: count.default(0),
  amount_lowercase: count.default(0),
  amount_digits: count.default(0),
  amount_symbols: count.default(0),
  symbol_charset: z.string().default("!\\\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ "),
  /** Message shown when a static rule fails. */
  error_message: z.string().default("Password does not meet the requirements."),
  /** Look the password up in Have I Been Pwned (k-anonymity range API). */
  check_have_i_been_pwned: z.boolean().default(false),
  /** How often the password may appear in HIBP before the policy fails. */
  hibp_allowed_count: count.default(0),
  /** Threshold extension: pass (true) or fail (false) when HIBP cannot be reached in time. */
  hibp_fail_open: z.boolean().default(true),
  /** Threshold extension: HIBP request timeout. */
  hibp_timeout_ms: z.number().int().positive().default(3000),
  /** Threshold extension: HIBP endpoint (range prefix is appended). */
  hibp_url: z.string().url().default("https://api.pwnedpasswords.com/range/"),
  /** Estimate strength with zxcvbn. */
  check_zxcvbn: z.boolean().default(false),
  /** The policy fails when the zxcvbn score (0–4) is less than or equal to this. */
  zxcvbn_score_threshold: z.number().int().min(0).max(4).default(2),
});
type Config = z.output<typeof config>;

/** authentik's password policy: static rules, then HIBP, then zxcvbn; the first failure wins. */
export const passwordPolicy = definePolicyType({
  id: "password",
  authentikModel: "authentik_policies_password.passwordpolicy",
  description: "Checks the password being set (length, character classes, HIBP, zxcvbn).",
  config,
  async evaluate(request, cfg, deps) {
    const password = passwordOf(request, cfg.password_field);
    if (!password) return fail("Password not set in context");
    if (cfg.check_static_rules) {
      const r = checkStatic(password, cfg);
      if (!r.passing) return r;
    }
    if (cfg.check_have_i_been_pwned) {
      const r = await checkHibp(password, cfg, deps);
      if (!r.passing) return r;
    }
    if (cfg.check_zxcvbn) {
      const r = await checkZxcvbn(password, request, cfg);
      if (!r.passing) return r;
    }
    return pass();
  },
});

function passwordOf(request: PolicyRequest, field: string): string | null {
  const prompt = request.context.prompt_data;
  const fromPrompt = prompt && typeof prompt === "object" ? (prompt as Record<string, unknown>)[field] : undefined;
  const value = fromPrompt ?? request.context[field];
  return typeof value === "string" && value !== "" ? value : null;
}

const countMatches = (s: string, re: RegExp) => s.match(re)?.length ?? 0;

export function checkStatic(password: string, cfg: Config): PolicyOutcome {
  const chars = [...password];
  const symbols = new Set(cfg.symbol_charset);
  const failed =
    chars.length < cfg.length_min ||
    countMatches(password, /[A-Z]/g) < cfg.amount_uppercase ||
    countMatches(password, /[a-z]/g) < cfg.amount_lowercase ||
    countMatches(password, /[0-9]/g) < cfg.amount_digits ||
    chars.filter((c) => symbols.has(c)).length < cfg.amount_symbols;
  return failed ? fail(cfg.error_message) : pass();
}

async function sha1Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("").toUpperCase();
}

/**
 * HIBP range API (k-anonymity): only the first 5 hex chars of the SHA-1 leave this process; the
 * response lists `SUFFIX:COUNT` lines for that prefix (padded with zero-count entries).
 */
export async function hibpCount(password: string, cfg: Pick<Config, "hibp_url" | "hibp_timeout_ms">, deps: PolicyTypeDeps): Promise<number> {
  const hash = await sha1Hex(password);
  const prefix = hash.slice(0, 5);
  const suffix = hash.slice(5);
  const controller = new AbortController();
  const onAbort = () => controller.abort(deps.signal.reason);
  deps.signal.addEventListener("abort", onAbort, { once: true });
  const timer = setTimeout(() => controller.abort(new Error("HIBP request timed out")), cfg.hibp_timeout_ms);
  try {
    const res = await deps.fetch(cfg.hibp_url + prefix, {
      headers: { "Add-Padding": "true", "User-Agent": "threshold-password-policy" },
      signal: controller.signal,
    });
    if (!res.ok) throw new Error(`HIBP answered ${res.status}`);
    for (const line of (await res.text()).split(/\r?\n/)) {
      const [s, n] = line.trim().split(":");
      if (s?.toUpperCase() === suffix) return Number.parseInt(n ?? "0", 10) || 0;
    }
    return 0;
  } finally {
    clearTimeout(timer);
    deps.signal.removeEventListener("abort", onAbort);
  }
}

async function checkHibp(password: string, cfg: Config, deps: PolicyTypeDeps): Promise<PolicyOutcome> {
  let found: number;
  try {
    found = await hibpCount(password, cfg, deps);
  } catch (error) {
    if (deps.signal.aborted) throw error;
    deps.logger.warn("HIBP lookup failed", { error, fail_open: cfg.hibp_fail_open });
    return cfg.hibp_fail_open ? pass() : fail("Password could not be checked against known breaches.");
  }
  return found > cfg.hibp_allowed_count ? fail(`Password exists on ${found} online lists.`) : pass();
}

type Zxcvbn = { check(password: string, userInputs?: (string | number)[]): { score: number; feedback: { warning: string | null; suggestions: string[] } } };
let zxcvbn: Promise<Zxcvbn> | undefined;

/**
 * Dictionaries are large: load them on first use only, and only the ones that matter most, so
 * the Worker bundle stays small: the common-password list (380 KB), keyboard adjacency graphs,
 * English first names and word sequences. English common words, last names and Wikipedia terms
 * (1.2 MB together) are left out; measured with `npm run bench:bundle`.
 */
function loadZxcvbn(): Promise<Zxcvbn> {
  zxcvbn ??= (async () => {
    const [core, passwords, graphs, firstnames, sequences, translations] = await Promise.all([
      import("@zxcvbn-ts/core"),
      import("@zxcvbn-ts/language-common/dist/passwords.json.mjs"),
      import("@zxcvbn-ts/language-common/dist/adjacencyGraphs.json.mjs"),
      import("@zxcvbn-ts/language-en/dist/firstnames.json.mjs"),
      import("@zxcvbn-ts/language-en/dist/wordSequences.json.mjs"),
      import("@zxcvbn-ts/language-en/dist/translations.mjs"),
    ]);
    return new core.ZxcvbnFactory({
      dictionary: { passwords: passwords.default, "firstnames-en": firstnames.default, ...sequences.default },
      graphs: graphs.default,
      translations: translations.default,
    }) as Zxcvbn;
  })();
  zxcvbn.catch(() => (zxcvbn = undefined));
  return zxcvbn;
}

async function checkZxcvbn(password: string, request: PolicyRequest, cfg: Config): Promise<PolicyOutcome> {
  const z = await loadZxcvbn().catch((e: unknown) => {
    throw new PolicyError("zxcvbn could not be loaded", { cause: e });
  });
  const u = request.user;
  const inputs = u ? [u.username, u.name, u.email].filter((s) => s !== "") : [];
  // As authentik: only the first 100 characters (zxcvbn's runtime grows with length).
  const result = z.check(password.slice(0, 100), inputs);
  const messages = [result.feedback.warning, ...result.feedback.suggestions].filter((m): m is string => !!m);
  return { passing: result.score > cfg.zxcvbn_score_threshold, messages: result.score > cfg.zxcvbn_score_threshold ? [] : messages };
}
