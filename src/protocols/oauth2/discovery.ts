/** OIDC Discovery 1.0 / RFC 8414 metadata and JWKS for one provider. */
import type { Deps } from "../../deps.js";
import { installKeyPairs, publicJwk } from "./keys.js";
import { BASE_PATH, issuerOf } from "./provider.js";
import type { OAuth2Provider } from "./settings.js";
import { providerKey } from "./tokens.js";

export function metadata(origin: string, provider: OAuth2Provider, alg: string): Record<string, unknown> {
  const base = `${origin}${BASE_PATH}`;
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
    response_types_supported: ["code"],
    response_modes_supported: ["query", "fragment", "form_post"],
    grant_types_supported: ["authorization_code", "refresh_token", "client_credentials"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: [alg],
    scopes_supported: [...provider.scopes],
    token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
    introspection_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
    revocation_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
    code_challenge_methods_supported: ["S256"],
    claims_supported: ["sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "amr", "nonce", "sid", "email", "email_verified", "name", "given_name", "preferred_username", "nickname", "groups"],
    claims_parameter_supported: false,
    request_parameter_supported: false,
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
