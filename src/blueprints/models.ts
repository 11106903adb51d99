/**
 * Which authentik models Threshold stores, by blueprint model name. Entries of any other model
 * are skipped (reported, not an error), so authentik's blueprints apply where the models exist.
 */

/** Stage types with a stage implementation (authentik's `authentik_stages_<type>` apps). */
export const STAGE_TYPES = [
  "identification",
  "password",
  "authenticator_validate",
  "authenticator_totp",
  "authenticator_static",
  "authenticator_webauthn",
  "authenticator_email",
  "captcha",
  "consent",
  "deny",
  "dummy",
  "email",
  "invitation",
  "prompt",
  "redirect",
  "user_delete",
  "user_login",
  "user_logout",
  "user_write",
] as const;

/** Policy types by authentik app label suffix → our `policies.type`. */
export const POLICY_MODELS: Readonly<Record<string, string>> = {
  "authentik_policies_expression.expressionpolicy": "expression",
  "authentik_policies_dummy.dummypolicy": "dummy",
  "authentik_policies_password.passwordpolicy": "password",
  "authentik_policies_expiry.passwordexpirypolicy": "password_expiry",
  "authentik_policies_reputation.reputationpolicy": "reputation",
  "authentik_policies_geoip.geoippolicy": "geoip",
  "authentik_policies_event_matcher.eventmatcherpolicy": "event_matcher",
  "authentik_policies_unique_password.uniquepasswordpolicy": "unique_password",
};

/** Provider models → our `providers.type`. */
export const PROVIDER_MODELS: Readonly<Record<string, string>> = {
  "authentik_providers_oauth2.oauth2provider": "oauth2",
  "authentik_providers_saml.samlprovider": "saml",
  "authentik_providers_ldap.ldapprovider": "ldap",
  "authentik_providers_proxy.proxyprovider": "proxy",
};

/**
 * Stage type stored for authentik's prompt fields (`authentik_stages_prompt.prompt`). They live
 * in the `stages` table under this type; a prompt stage's `fields` holds their `stage_uuid`s.
 */
export const PROMPT_FIELD_TYPE = "prompt_field";

export type ModelKind =
  | { kind: "flow" }
  | { kind: "flowstagebinding" }
  | { kind: "stage"; type: string }
  | { kind: "policy"; type: string }
  | { kind: "policybinding" }
  | { kind: "group" }
  | { kind: "user" }
  | { kind: "application" }
  | { kind: "brand" }
  | { kind: "provider"; type: string };

const FIXED: Readonly<Record<string, ModelKind>> = {
  "authentik_flows.flow": { kind: "flow" },
  "authentik_flows.flowstagebinding": { kind: "flowstagebinding" },
  "authentik_policies.policybinding": { kind: "policybinding" },
  "authentik_core.group": { kind: "group" },
  "authentik_core.user": { kind: "user" },
  "authentik_core.application": { kind: "application" },
  "authentik_brands.brand": { kind: "brand" },
  "authentik_stages_prompt.prompt": { kind: "stage", type: PROMPT_FIELD_TYPE },
};

/** Classifies a blueprint model name; null when Threshold has no such model. */
export function classifyModel(model: string): ModelKind | null {
  const fixed = FIXED[model];
  if (fixed) return fixed;
  const policy = POLICY_MODELS[model];
  if (policy) return { kind: "policy", type: policy };
  const provider = PROVIDER_MODELS[model];
  if (provider) return { kind: "provider", type: provider };
  // authentik_stages_<type>.<type without underscores>stage
  const m = /^authentik_stages_([a-z_]+)\.([a-z]+)stage$/.exec(model);
  if (m && m[2] === m[1]!.replaceAll("_", "") && (STAGE_TYPES as readonly string[]).includes(m[1]!)) {
    return { kind: "stage", type: m[1]! };
  }
  return null;
}
