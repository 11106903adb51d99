/**
 * SAML provider settings: authentik's `SAMLProvider` fields as stored in `providers.settings`,
 * with authentik's defaults, plus what its users miss (`acs_urls`: more ACS URLs than one;
 * `encryption_algorithm`). Unknown keys are kept but ignored. Durations use authentik's
 * timedelta strings (`minutes=-5`).
 */
import * as z from "zod";
import type { Deps } from "../../deps.js";
import { isTimedelta, parseTimedelta } from "../../flows/timedelta.js";
import type { NewSamlProvider, SamlProviderRecord } from "../../ports/saml.js";
import { DEFAULT_ATTRIBUTE_MAPPINGS, propertyMapping } from "./mappings.js";
import { ALGORITHMS, NAMEID_FORMATS } from "./namespaces.js";

const timedelta = (def: string) => z.string().refine(isTimedelta, { message: "expected a duration like 'minutes=5'" }).default(def);
const httpUrl = z.string().refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), { message: "expected an http(s) URL" });

export const samlSettings = z.object({
  /** The SP's Assertion Consumer Service URL (authentik: one). */
  acs_url: httpUrl,
  /** Beyond authentik: further ACS URLs an AuthnRequest may name. */
  acs_urls: z.array(httpUrl).default([]),
  /** Assertion audience (the SP's entity ID); empty = no AudienceRestriction. */
  audience: z.string().default(""),
  /** Our entity ID as the SP knows it (authentik's default "authentik"). */
  issuer: z.string().min(1).default("authentik"),
  /** How the Response reaches the ACS. */
  sp_binding: z.enum(["redirect", "post"]).default("redirect"),
  /** The SP's Single Logout Service; empty = no SLO responses. */
  sls_url: z.union([httpUrl, z.literal("")]).default(""),
  sls_binding: z.enum(["redirect", "post"]).default("redirect"),
  /** Key pair that signs; null = the install's managed SAML key (authentik: null = unsigned). */
  signing_kp: z.string().nullable().default(null),
  /** Certificate of the SP; when set, AuthnRequests and LogoutRequests must be signed by it. */
  verification_kp: z.string().nullable().default(null),
  /** Certificate of the SP; when set, assertions are encrypted to it. */
  encryption_kp: z.string().nullable().default(null),
  digest_algorithm: z.enum(ALGORITHMS.digest).default("http://www.w3.org/2001/04/xmlenc#sha256"),
  signature_algorithm: z.enum(ALGORITHMS.signature).default("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"),
  /** Content encryption of EncryptedAssertion (key transport: RSA-OAEP). */
  encryption_algorithm: z.enum(ALGORITHMS.encryption).default("http://www.w3.org/2009/xmlenc11#aes256-gcm"),
  /** CEL expression for the NameID value (authentik: a property mapping); null = by format. */
  name_id_mapping: z.string().nullable().default(null),
  /** NameID format when the request names none (or "unspecified"). */
  default_name_id_policy: z.enum(NAMEID_FORMATS).default("urn:oasis:names:tc:SAML:2.0:nameid-format:unspecified"),
  assertion_valid_not_before: timedelta("minutes=-5"),
  assertion_valid_not_on_or_after: timedelta("minutes=5"),
  session_valid_not_on_or_after: timedelta("days=1"),
  /** RelayState for IdP-initiated logins (and SP requests without one). */
  default_relay_state: z.string().max(1024).default(""),
  sign_assertion: z.boolean().default(true),
  sign_response: z.boolean().default(false),
  /**
   * Attribute mappings (CEL); authentik's managed defaults unless replaced. A string names a
   * managed mapping (`goauthentik.io/providers/saml/email`), as authentik blueprints do.
   */
  property_mappings: z
    .array(z.union([propertyMapping, z.string()]))
    .default(DEFAULT_ATTRIBUTE_MAPPINGS)
    .transform((list) => list.flatMap((m) => (typeof m === "string" ? DEFAULT_ATTRIBUTE_MAPPINGS.filter((d) => d.name === m) : [m]))),
});
export type SamlSettings = z.infer<typeof samlSettings>;

/** A provider with parsed settings and its application (required to serve SAML). */
export interface SamlProvider extends Omit<SamlProviderRecord, "settings"> {
  settings: SamlSettings;
  /** Validity windows in milliseconds, relative to the time of issue. */
  windows: { notBefore: number; notOnOrAfter: number; session: number };
}

/** Parses a stored provider; null when its settings are unusable (logged as a configuration error). */
export function parseSamlProvider(deps: Deps, record: SamlProviderRecord | null): SamlProvider | null {
  if (!record) return null;
  const parsed = samlSettings.safeParse(record.settings);
  if (!parsed.success) {
    deps.logger.error("invalid saml provider settings", { provider: record.pk, issues: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) });
    return null;
  }
  const s = parsed.data;
  return {
    ...record,
    settings: s,
    windows: {
      notBefore: parseTimedelta(s.assertion_valid_not_before),
      notOnOrAfter: parseTimedelta(s.assertion_valid_not_on_or_after),
      session: parseTimedelta(s.session_valid_not_on_or_after),
    },
  };
}

/** Every ACS URL the provider accepts, the default first. */
export function acsUrls(provider: SamlProvider): string[] {
  return [provider.settings.acs_url, ...provider.settings.acs_urls];
}

/** Creates a SAML provider; settings are validated (a `z.ZodError` names the bad field). */
export async function createSamlProvider(
  deps: Deps,
  input: Omit<NewSamlProvider, "settings"> & { settings: z.input<typeof samlSettings> },
): Promise<SamlProviderRecord> {
  const settings = samlSettings.parse(input.settings);
  return deps.store.saml.createProvider({ ...input, settings });
}
