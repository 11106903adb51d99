import * as z from "zod";
import type { PolicyRequest } from "../../ports/policy-engine.js";
import { definePolicyType, fail, pass, PolicyError, type PolicyOutcome } from "../policy-type.js";

const config = z.object({
  /** Allowed ISO 3166-1 alpha-2 countries (empty: not checked). */
  countries: z.array(z.string().length(2).transform((c) => c.toUpperCase())).default([]),
  /** Allowed autonomous system numbers (empty: not checked). */
  asns: z.array(z.number().int().nonnegative()).default([]),
  /**
   * Threshold extension — when the request has no country/ASN: `error` (authentik: the policy
   * errors, so the binding's failure_result applies), `fail` or `pass`.
   */
  missing_data: z.enum(["error", "fail", "pass"]).default("error"),
});
type Config = z.output<typeof config>;

/**
 * authentik's GeoIP policy on Cloudflare's request data (`request.http.country`/`asn`, falling
 * back to `context.geoip.country` / `context.asn.asn`): passes when any configured check passes.
 * (authentik's impossible-travel history check is not implemented.)
 */
export const geoipPolicy = definePolicyType({
  id: "geoip",
  authentikModel: "authentik_policies_geoip.geoippolicy",
  description: "Passes when the client's country or ASN is allowed.",
  config,
  evaluate(request, cfg) {
    const results: PolicyOutcome[] = [];
    if (cfg.asns.length > 0) results.push(checkAsn(request, cfg));
    if (cfg.countries.length > 0) results.push(checkCountry(request, cfg));
    if (results.length === 0) return pass();
    return { passing: results.some((r) => r.passing), messages: results.flatMap((r) => r.messages) };
  },
});

function missing(cfg: Config, what: string): PolicyOutcome {
  if (cfg.missing_data === "pass") return pass();
  if (cfg.missing_data === "fail") return fail(`GeoIP: no ${what} for the client IP.`);
  throw new PolicyError(`GeoIP: no ${what} for the client IP.`);
}

function checkAsn(request: PolicyRequest, cfg: Config): PolicyOutcome {
  const fromContext = (request.context.asn as { asn?: unknown } | null | undefined)?.asn;
  const asn = request.http.asn ?? (typeof fromContext === "number" ? fromContext : null);
  if (asn == null) return missing(cfg, "ASN data");
  return cfg.asns.includes(asn) ? pass() : fail("Client IP is not part of an allowed autonomous system.");
}

function checkCountry(request: PolicyRequest, cfg: Config): PolicyOutcome {
  const fromContext = (request.context.geoip as { country?: unknown } | null | undefined)?.country;
  const country = request.http.country ?? (typeof fromContext === "string" ? fromContext : null);
  // Cloudflare reports "XX" (unknown) and "T1" (Tor): treat XX as missing.
  if (!country || country === "XX") return missing(cfg, "country data");
  return cfg.countries.includes(country.toUpperCase()) ? pass() : fail("Client IP is not in an allowed country.");
}
