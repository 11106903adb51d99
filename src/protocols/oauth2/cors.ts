/**
 * CORS for the OAuth2 endpoints that browser apps call themselves (authentik's `cors_allow`): a
 * single-page app with PKCE redeems its code and refreshes at the token endpoint, reads the
 * userinfo endpoint and revokes tokens at logout, all from its own origin.
 *
 * - A request's `Origin` is allowed when one of the client's redirect URIs (authorization or
 *   logout) has the same scheme, host and port: the app that receives the code may redeem it.
 *   A regex redirect URI counts when its scheme and authority are literal (`https://app\.example\.com/.*`).
 * - Allowed responses, errors included (the app must read `invalid_grant`), carry
 *   `Access-Control-Allow-Origin: <origin>` and `Access-Control-Allow-Credentials: true`, as
 *   authentik's do; never `*`. Responses to requests with an `Origin` vary on it.
 * - Preflights carry no credentials, so no client: they are answered for any origin (as authentik
 *   does) with the requested headers and `GET, POST, OPTIONS`; the actual request is checked.
 * - Requests without `Origin` (servers, CLI tools, the benchmark) cost nothing here.
 */
import { decodeJwt } from "jose";
import type { Context } from "hono";
import type { Deps } from "../../deps.js";
import { namedClientId } from "./client-auth.js";
import { providerByClientId } from "./provider.js";
import type { OAuth2Provider } from "./settings.js";

const METHODS = "GET, POST, OPTIONS";
/** Request headers a preflight may ask for (anything else is answered without it). */
const HEADER_LIST = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/;

/** `scheme://host[:port]` of an absolute http(s) URL, normalised; null for anything else. */
function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === "https:" || u.protocol === "http:" ? u.origin : null;
  } catch {
    return null;
  }
}

/** The origin a regex redirect URI pins down, when its scheme and authority hold no pattern. */
function regexOrigin(pattern: string): string | null {
  const m = /^(https?):\/\/((?:[A-Za-z0-9-]|\\\.)+(?::\d{1,5})?)(?:\/|$)/.exec(pattern);
  return m ? originOf(`${m[1]}://${m[2]!.replace(/\\\./g, ".")}/`) : null;
}

/** Whether `origin` (as a browser serialises it) is one of the provider's redirect URIs' origins. */
export function originAllowed(provider: OAuth2Provider, origin: string): boolean {
  // Browsers send the serialised origin; anything else (a path, "null", a default port) is refused.
  if (originOf(origin) !== origin) return false;
  return provider.settings.redirect_uris.some((r) => (r.matching_mode === "strict" ? originOf(r.url) : regexOrigin(r.url)) === origin);
}

/** The CORS headers for an actual (non-preflight) request from `origin` by `provider`'s client. */
export function corsHeaders(origin: string | undefined, provider: OAuth2Provider | null): Record<string, string> | null {
  if (!origin) return null;
  if (!provider || !originAllowed(provider, origin)) return { Vary: "Origin" };
  return { "Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true", Vary: "Origin" };
}

/** CORS headers for a request authenticated by client credentials (token, revocation). */
export async function clientCors(deps: Deps, origin: string | undefined, authorization: string | undefined, form: URLSearchParams): Promise<Record<string, string> | null> {
  if (!origin) return null;
  const id = namedClientId(authorization, form);
  return corsHeaders(origin, id ? await providerByClientId(deps, id) : null);
}

/**
 * CORS headers for a request carrying an access token (userinfo): the client is the token's
 * `client_id` claim, read without verification — the endpoint verifies the token itself, and
 * these headers only decide whether that client's origin may read the answer.
 */
export async function tokenCors(deps: Deps, origin: string | undefined, token: string | null): Promise<Record<string, string> | null> {
  if (!origin) return null;
  let clientId: unknown = null;
  try {
    if (token) clientId = decodeJwt(token).client_id;
  } catch {
    clientId = null;
  }
  return corsHeaders(origin, typeof clientId === "string" ? await providerByClientId(deps, clientId) : null);
}

/** Sets `headers` on the context, so that the error response rendered for a throw carries them. */
export function applyCors(c: Context, headers: Record<string, string> | null): void {
  if (headers) for (const [k, v] of Object.entries(headers)) c.header(k, v);
}

/** The answer to a CORS preflight (`OPTIONS`). */
export function preflight(c: Context): Response {
  const origin = c.req.header("origin");
  if (!origin) return c.body(null, 204, { Allow: METHODS });
  const requested = c.req.header("access-control-request-headers")?.trim();
  const headers: Record<string, string> = {
    "Access-Control-Allow-Origin": origin,
    "Access-Control-Allow-Credentials": "true",
    "Access-Control-Allow-Methods": METHODS,
    Vary: "Origin",
  };
  if (requested && requested.length <= 1024 && HEADER_LIST.test(requested)) headers["Access-Control-Allow-Headers"] = requested;
  return c.body(null, 204, headers);
}
