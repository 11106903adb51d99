/**
 * Client authentication at the token, introspection, revocation and PAR endpoints:
 * `client_secret_basic` or `client_secret_post` (RFC 6749 §2.3.1), and JWT assertions
 * (RFC 7523 §2.2, OIDC Core §9): `client_secret_jwt` (HMAC with the client secret) and
 * `private_key_jwt` (the client's registered JWKS). One method per request; public clients send
 * only `client_id`. Secrets are compared in constant time after unwrapping; assertion `jti`s are
 * single use (replay cache in `deps.cache`).
 */
import { createLocalJWKSet, createRemoteJWKSet, customFetch, decodeJwt, decodeProtectedHeader, jwtVerify, type JWK, type JWTVerifyGetKey } from "jose";
import { sha256Hex, timingSafeEqual, utf8 } from "../../core/encoding.js";
import { OAuthError } from "../../core/errors.js";
import type { Deps } from "../../deps.js";
import { BASE_PATH, issuerOf, providerByClientId } from "./provider.js";
import { CLIENT_SECRET_CONTEXT, type OAuth2Provider } from "./settings.js";

const BASIC_CHALLENGE = 'Basic realm="threshold"';
export const JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/** Discovery `token_endpoint_auth_methods_supported`. */
export const CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "none"];
export const ASSERTION_ALGS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "HS256", "HS384", "HS512"];
const MAX_ASSERTION_LIFETIME_S = 600;

function invalidClient(): OAuthError {
  return new OAuthError("invalid_client", "Client authentication failed.", 401, BASIC_CHALLENGE);
}

// Nothing to decode without a "%" (the usual generated ids and secrets): skip the decoder's copy.
const formDecode = (s: string) => (s.includes("%") ? decodeURIComponent(s) : s);

/** `Authorization: Basic` credentials, form-urlencoded inside (RFC 6749 §2.3.1). */
function basicCredentials(header: string | undefined): { id: string; secret: string } | null {
  if (!header || !/^basic /i.test(header)) return null;
  let decoded: string;
  try {
    decoded = atob(header.slice(6).trim());
  } catch {
    throw invalidClient();
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) throw invalidClient();
  try {
    return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    throw invalidClient();
  }
}

export interface AuthenticatedClient {
  provider: OAuth2Provider;
  /** Whether the client proved a credential (false for public clients). */
  confidential: boolean;
  method: string;
}

/** Where the request was made, for assertion audiences (RFC 7523 §3 (3)). */
export interface ClientAuthSite {
  origin: string;
  /** The endpoint URL the request was sent to (without query). */
  endpoint: string;
}

// Basic and post carry the same secret: a client registered for one may use the other (as most
// servers allow; openid-client's DCR defaults to post while RFC 7591 defaults to basic).
const SECRET_METHODS = new Set(["client_secret_basic", "client_secret_post"]);

function methodAllowed(provider: OAuth2Provider, method: string): void {
  const only = provider.settings.token_endpoint_auth_method;
  if (!only || only === method || (SECRET_METHODS.has(only) && SECRET_METHODS.has(method))) return;
  throw invalidClient();
}

/** Authenticates the client of a back-channel request or throws `invalid_client` (401). */
export async function authenticateClient(deps: Deps, authorization: string | undefined, form: URLSearchParams, site?: ClientAuthSite): Promise<AuthenticatedClient> {
  for (const name of ["client_id", "client_secret", "client_assertion", "client_assertion_type"]) {
    if (form.getAll(name).length > 1) throw new OAuthError("invalid_request", `Parameter '${name}' is repeated.`);
  }
  const assertionType = form.get("client_assertion_type");
  const assertion = form.get("client_assertion");
  const basic = basicCredentials(authorization);
  const postId = form.get("client_id");
  const postSecret = form.get("client_secret");
  if (assertionType !== null || assertion !== null) {
    if (basic || postSecret !== null) throw new OAuthError("invalid_request", "Use one client authentication method.");
    if (assertionType !== JWT_BEARER_ASSERTION || !assertion) throw invalidClient();
    return assertedClient(deps, assertion, postId, site);
  }
  if (basic && postSecret !== null) throw new OAuthError("invalid_request", "Use one client authentication method.");
  if (basic && postId !== null && postId !== basic.id) throw invalidClient();
  const id = basic?.id ?? postId ?? "";
  const secret = basic?.secret ?? postSecret;
  const provider = await providerByClientId(deps, id);
  if (!provider) throw invalidClient();
  if (provider.settings.client_type === "public") {
    if (secret) throw invalidClient();
    methodAllowed(provider, "none");
    return { provider, confidential: false, method: "none" };
  }
  if (!secret || !provider.settings.client_secret) throw invalidClient();
  const method = basic ? "client_secret_basic" : "client_secret_post";
  methodAllowed(provider, method);
  const expected = await secretDigest(deps, provider.settings.client_secret);
  if (!timingSafeEqual(expected, await sha256Hex(secret))) throw invalidClient();
  return { provider, confidential: true, method };
}

/** The client a request names (Basic or form `client_id`), without checking anything; null if none or malformed. */
export function namedClientId(authorization: string | undefined, form: URLSearchParams): string | null {
  try {
    return basicCredentials(authorization)?.id ?? form.get("client_id");
  } catch {
    return null;
  }
}

/** The client id and secret a request presents (Basic or form), without checking them. */
export function presentedSecret(authorization: string | undefined, form: URLSearchParams): { id: string; secret: string } | null {
  let basic: { id: string; secret: string } | null;
  try {
    basic = basicCredentials(authorization);
  } catch {
    return null;
  }
  if (basic) return basic;
  const id = form.get("client_id");
  const secret = form.get("client_secret");
  return id !== null && secret !== null ? { id, secret } : null;
}

/**
 * The client of an app-password token request (authentik's machine-to-machine login): a client
 * secret or assertion, when one is sent, is checked as usual; a client id alone names the
 * provider, public or confidential, because the user's app password is the credential.
 */
export async function identifyClient(deps: Deps, authorization: string | undefined, form: URLSearchParams, site?: ClientAuthSite): Promise<AuthenticatedClient> {
  const basic = basicCredentials(authorization);
  if (basic?.secret || form.get("client_secret") || form.get("client_assertion") !== null || form.get("client_assertion_type") !== null) {
    return authenticateClient(deps, authorization, form, site);
  }
  if (form.getAll("client_id").length > 1) throw new OAuthError("invalid_request", "Parameter 'client_id' is repeated.");
  const postId = form.get("client_id");
  if (basic && postId !== null && postId !== basic.id) throw invalidClient();
  const provider = await providerByClientId(deps, basic?.id ?? postId ?? "");
  if (!provider) throw invalidClient();
  return { provider, confidential: false, method: "none" };
}

// SHA-256 of each unwrapped client secret, per isolate and keyed by the wrapped value (a new
// secret is a new key): unwrapping (AES-GCM through WebCrypto) on every token request cost more
// than the rest of client authentication. Only digests are kept, never the secrets.
const secretDigests = new Map<string, Promise<string>>();
const SECRET_DIGESTS_MAX = 1000;

function secretDigest(deps: Deps, wrapped: string): Promise<string> {
  let digest = secretDigests.get(wrapped);
  if (!digest) {
    if (secretDigests.size >= SECRET_DIGESTS_MAX) secretDigests.clear();
    digest = deps.keys.unwrapText(wrapped, CLIENT_SECRET_CONTEXT).then(sha256Hex);
    digest.catch(() => secretDigests.delete(wrapped));
    secretDigests.set(wrapped, digest);
  }
  return digest;
}

// Remote JWKS per URI and isolate (jose caches and rate-limits refetches).
const remoteSets = new Map<string, JWTVerifyGetKey>();

function clientKeys(deps: Deps, provider: OAuth2Provider): JWTVerifyGetKey | null {
  const { jwks, jwks_uri } = provider.settings;
  if (jwks) return createLocalJWKSet({ keys: jwks.keys as JWK[] });
  if (!jwks_uri) return null;
  let set = remoteSets.get(jwks_uri);
  if (!set) {
    const fetcher = deps.publicFetch;
    set = createRemoteJWKSet(new URL(jwks_uri), { timeoutDuration: 3000, ...(fetcher ? { [customFetch]: (url: string, init: RequestInit) => fetcher(url, init) } : {}) });
    remoteSets.set(jwks_uri, set);
  }
  return set;
}

/** RFC 7523 §3: iss = sub = client_id, aud names us, exp (bounded), single-use jti. */
async function assertedClient(deps: Deps, assertion: string, postId: string | null, site?: ClientAuthSite): Promise<AuthenticatedClient> {
  if (!site || assertion.length > 16_384) throw invalidClient();
  let alg: string;
  let iss: unknown;
  try {
    alg = String(decodeProtectedHeader(assertion).alg);
    iss = decodeJwt(assertion).iss;
  } catch {
    throw invalidClient();
  }
  if (typeof iss !== "string" || (postId !== null && postId !== iss) || !ASSERTION_ALGS.includes(alg)) throw invalidClient();
  const provider = await providerByClientId(deps, iss);
  if (!provider || provider.settings.client_type === "public") throw invalidClient();
  const hmac = alg.startsWith("HS");
  const method = hmac ? "client_secret_jwt" : "private_key_jwt";
  methodAllowed(provider, method);
  let key: Uint8Array | JWTVerifyGetKey | null;
  if (hmac) {
    key = provider.settings.client_secret ? utf8.encode(await deps.keys.unwrapText(provider.settings.client_secret, CLIENT_SECRET_CONTEXT)) : null;
  } else {
    key = clientKeys(deps, provider);
  }
  if (!key) throw invalidClient();
  const audience = [site.endpoint, `${site.origin}${BASE_PATH}/token/`, issuerOf(site.origin, provider)];
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(assertion, key as Parameters<typeof jwtVerify>[1], {
      issuer: iss,
      subject: iss,
      audience,
      algorithms: [alg],
      currentDate: deps.clock.now(),
      clockTolerance: 30,
      requiredClaims: ["exp", "jti"],
    }));
  } catch {
    throw invalidClient();
  }
  const now = Math.floor(deps.clock.now().getTime() / 1000);
  const exp = payload.exp as number;
  const jti = payload.jti;
  if (exp - now > MAX_ASSERTION_LIFETIME_S || typeof jti !== "string" || jti.length > 256) throw invalidClient();
  // RFC 7523 §3 (7): an assertion is used once.
  const fresh = await deps.cache.setIfAbsent(`oauth2:assertion:jti:${await sha256Hex(`${iss}:${jti}`)}`, 1, Math.max(exp - now, 1) + 60);
  if (!fresh) throw invalidClient();
  return { provider, confidential: true, method };
}
