/** OIDC Discovery 1.0 / RFC 8414 metadata and JWKS for one provider. */
import type { Deps } from "../../deps.js";
import { RESPONSE_TYPES } from "./authorize.js";
import { ASSERTION_ALGS, CLIENT_AUTH_METHODS } from "./client-auth.js";
import { DPOP_ALGS } from "./dpop.js";
import { installKeyPairs, publicJwk } from "./keys.js";
import { BASE_PATH, issuerOf } from "./provider.js";
import type { OAuth2Provider } from "./settings.js";
import { GRANT_TYPES } from "./token.js";
import { providerKey } from "./tokens.js";

export function metadata(origin: string, provider: OAuth2Provider, alg: string, opts: { registration?: boolean } = {}): Record<string, unknown> {
  const base = `${origin}${BASE_PATH}`;
  const backChannelAuth = CLIENT_AUTH_METHODS.filter((m) => m !== "none");
  const slug = provider.application?.slug ?? "";
  return {
    issuer: issuerOf(origin, provider),
    authorization_endpoint: `${base}/authorize/`,
    token_endpoint: `${base}/token/`,
    userinfo_endpoint: `${base}/userinfo/`,
    end_session_endpoint: `${base}/${slug}/end-session/`,
    introspection_endpoint: `${base}/introspect/`,
    revocation_endpoint: `${base}/revoke/`,
    jwks_uri: `${base}/${slug}/jwks/`,
    device_authorization_endpoint: `${base}/device/`,
    pushed_authorization_request_endpoint: `${base}/par/`,
    ...(opts.registration ? { registration_endpoint: `${base}/register/` } : {}),
    response_types_supported: RESPONSE_TYPES,
    response_modes_supported: ["query", "fragment", "form_post"],
    grant_types_supported: GRANT_TYPES,
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: [alg],
    scopes_supported: [...provider.scopes],
    token_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    token_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGS,
    introspection_endpoint_auth_methods_supported: backChannelAuth,
    introspection_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGS,
    revocation_endpoint_auth_methods_supported: backChannelAuth,
    revocation_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGS,
    code_challenge_methods_supported: ["S256"],
    dpop_signing_alg_values_supported: DPOP_ALGS,
    require_pushed_authorization_requests: provider.settings.require_pushed_authorization_requests,
    claims_supported: ["sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "amr", "nonce", "sid", "at_hash", "c_hash", "email", "email_verified", "name", "given_name", "preferred_username", "nickname", "groups"],
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    // OIDC Back-Channel and Front-Channel Logout 1.0 (logout-channels.ts): sid is sent.
    backchannel_logout_supported: true,
    backchannel_logout_session_supported: true,
    frontchannel_logout_supported: true,
    frontchannel_logout_session_supported: true,
  };
}

/**
 * The provider's signing key plus the install's default keys: the current one (tokens signed
 * before a change of `signing_key` verify), the next one (published before it signs) and retired
 * ones until their tokens expire.
 */
export async function jwks(deps: Deps, provider: OAuth2Provider): Promise<{ keys: unknown[] }> {
  const current = await providerKey(deps, provider);
  const pairs = [current.pair];
  pairs.push(...(await installKeyPairs(deps))); // current, next and retired default keys (rotation.ts)
  const keys = pairs.map(publicJwk).filter((k) => k !== null);
  return { keys: [...new Map(keys.map((k) => [k.kid, k])).values()] };
}
