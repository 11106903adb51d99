/**
 * Pushed Authorization Requests (RFC 9126) at `/application/o/par/`. The client authenticates
 * and posts its authorization parameters; they are kept briefly in `deps.cache` under an opaque
 * `request_uri`, which the authorization endpoint takes (single use) in place of the query. A
 * DPoP proof at the push binds the code to its key (RFC 9449 §10.1).
 */
import { OAuthError } from "../../core/errors.js";
import type { Deps } from "../../deps.js";
import { redirectUriAllowed } from "./authorize.js";
import type { AuthenticatedClient } from "./client-auth.js";
import { checkDpopJkt } from "./dpop.js";
import { parseResources } from "./resource.js";

export const REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:";
/** RFC 9126 §2.2: short-lived (the client redirects right away). */
export const PAR_LIFETIME_S = 60;
/** A request re-pushed for the way back from the login flow lives as long as a flow may take. */
const RESUME_LIFETIME_S = 30 * 60;
const KEY_PREFIX = "oauth2:par:";
/** Client authentication parameters never become authorization parameters. */
const AUTH_PARAMS = new Set(["client_secret", "client_assertion", "client_assertion_type"]);

interface PushedRequest {
  clientId: string;
  params: [string, string][];
}

async function store(deps: Deps, req: PushedRequest, ttl: number): Promise<string> {
  const id = deps.random.token(32);
  await deps.cache.set(KEY_PREFIX + id, req, ttl);
  return REQUEST_URI_PREFIX + id;
}

function invalidRequestUri(): OAuthError {
  return new OAuthError("invalid_request_uri", "The request_uri is invalid, expired or already used.");
}

/** POST `/application/o/par/` (RFC 9126 §2.1–2.2); answers 201 with the request_uri. */
export async function pushAuthorizationRequest(deps: Deps, client: AuthenticatedClient, form: URLSearchParams, proofJkt: string | null): Promise<{ request_uri: string; expires_in: number }> {
  if (form.has("request_uri")) throw new OAuthError("invalid_request", "request_uri is not allowed in a pushed request.");
  if (form.has("request")) throw new OAuthError("request_not_supported", "Request objects are not supported.");
  const provider = client.provider;
  // Early checks; the authorization endpoint validates everything again when the request is used.
  const redirects = form.getAll("redirect_uri");
  if (redirects.length !== 1 || !redirectUriAllowed(provider, redirects[0]!)) throw new OAuthError("invalid_request", "redirect_uri is missing or not registered for this client.");
  if (form.getAll("response_type").length !== 1) throw new OAuthError("invalid_request", "Missing response_type.");
  parseResources(form, provider);
  const jktParams = form.getAll("dpop_jkt");
  if (jktParams.length > 1) throw new OAuthError("invalid_request", "Parameter 'dpop_jkt' is repeated.");
  const jkt = checkDpopJkt(jktParams[0] ?? null);
  if (jkt && proofJkt && jkt !== proofJkt) throw new OAuthError("invalid_dpop_proof", "dpop_jkt does not match the DPoP proof.");
  const params = [...form.entries()].filter(([k]) => !AUTH_PARAMS.has(k) && k !== "dpop_jkt");
  if (proofJkt ?? jkt) params.push(["dpop_jkt", (proofJkt ?? jkt)!]);
  const clientId = provider.settings.client_id;
  const uri = await store(deps, { clientId, params: params.filter(([k]) => k !== "client_id").concat([["client_id", clientId]]) }, PAR_LIFETIME_S);
  return { request_uri: uri, expires_in: PAR_LIFETIME_S };
}

/**
 * The authorization parameters a `request_uri` stands for (taken: single use). Other query
 * parameters are ignored (RFC 9126 §4), except `client_id`, which must agree.
 */
export async function pushedRequest(deps: Deps, query: URLSearchParams): Promise<URLSearchParams> {
  const uris = query.getAll("request_uri");
  const clientIds = query.getAll("client_id");
  if (uris.length !== 1 || clientIds.length !== 1) throw new OAuthError("invalid_request", "request_uri needs exactly one client_id.");
  const uri = uris[0]!;
  if (!uri.startsWith(REQUEST_URI_PREFIX) || !/^[A-Za-z0-9_-]{16,64}$/.test(uri.slice(REQUEST_URI_PREFIX.length))) throw invalidRequestUri();
  const req = await deps.cache.take<PushedRequest>(KEY_PREFIX + uri.slice(REQUEST_URI_PREFIX.length));
  if (!req || req.clientId !== clientIds[0]) throw invalidRequestUri();
  return new URLSearchParams(req.params);
}

/** Stores the (already validated) request again for the way back from the login flow. */
export async function repushRequest(deps: Deps, clientId: string, p: URLSearchParams): Promise<URLSearchParams> {
  const uri = await store(deps, { clientId, params: [...p.entries()] }, RESUME_LIFETIME_S);
  return new URLSearchParams({ client_id: clientId, request_uri: uri });
}
