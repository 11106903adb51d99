/**
 * The authorization endpoint (RFC 6749 §4.1, OIDC Core §3.1.2/§3.2/§3.3), as small ordered
 * checks. A pushed request (RFC 9126 `request_uri`) is expanded first. The client and the
 * redirect URI are validated next; until then every error is a page (never a redirect: an
 * unvalidated redirect URI is an open redirector). After that, errors go back to the client in
 * its response mode. An authenticated request plans the provider's authorization flow with
 * `application` in context and appends the fulfilment step that issues the response (a code,
 * and for the implicit and hybrid response types tokens).
 */
import type { Context } from "hono";
import { sha256Hex } from "../../core/encoding.js";
import { OAuthError } from "../../core/errors.js";
import type { Deps } from "../../deps.js";
import { fulfilmentBinding, registerFulfilment } from "../../flows/fulfilment.js";
import { inMemoryBinding } from "../../flows/in-memory.js";
import { CTX, savePlan } from "../../flows/plan.js";
import { planFlow, policyRequest } from "../../flows/planner.js";
import type { RequestInfo } from "../../flows/stage.js";
import { clientIp, currentUser, logoutSession, setSessionFlow, type SessionEnv } from "../../http/middleware/session.js";
import type { User } from "../../ports/store.js";
import { recordEvent } from "../../services/events.js";
import { loginAmr, scopePermissions } from "./claims.js";
import { checkDpopJkt } from "./dpop.js";
import { pushedRequest, repushRequest } from "./par.js";
import { BASE_PATH, issuerOf, providerByClientId } from "./provider.js";
import { formPostPage, navigatePage, responseUrl, type ResponseMode } from "./render.js";
import { parseResources } from "./resource.js";
import { parseProvider, type OAuth2Provider } from "./settings.js";
import { issueTokens, providerKey, signIdToken, type AuthContext, type IssueInput } from "./tokens.js";

type Ctx = Context<SessionEnv>;

/** Plan context key holding the validated authorization request. */
export const AUTHORIZE_REQUEST_CTX = "goauthentik.io/providers/oauth2/authorize_request";
const RESPONSE_PREFIX = "oauth2:response:";

/** A validated authorization request (JSON: it travels in the flow plan). */
export interface AuthorizeRequest {
  providerPk: number;
  clientId: string;
  redirectUri: string;
  responseMode: ResponseMode;
  /** Sorted parts of `response_type` (absent in plans saved before implicit/hybrid: `["code"]`). */
  responseType?: string[];
  scope: string[];
  state: string | null;
  nonce: string | null;
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
  sid: string | null;
  /** RFC 9449 §10 `dpop_jkt`: the code is bound to this key. */
  dpopJkt?: string | null;
  /** RFC 8707 resources. */
  resource?: string[];
  /** The request's origin (issuer of tokens issued from the authorization endpoint). */
  origin?: string;
}

const one = (p: URLSearchParams, name: string): string | null => {
  const all = p.getAll(name);
  if (all.length > 1) throw new OAuthError("invalid_request", `Parameter '${name}' is repeated.`);
  return all[0] ?? null;
};

// --- 1. client and redirect URI (errors render a page) -------------------------------------
async function checkClient(deps: Deps, p: URLSearchParams): Promise<OAuth2Provider> {
  const provider = await providerByClientId(deps, one(p, "client_id") ?? "");
  if (!provider) throw new OAuthError("invalid_client", "Invalid client identifier.", 400);
  return provider;
}

/**
 * authentik's matching: strict equality, or a full match of the configured regular expression,
 * against the provider's redirect URIs of that kind. A provider without logout-type URIs (set up
 * before authentik had them) accepts its authorization URIs after logout, as Threshold always did.
 */
export function redirectUriAllowed(provider: OAuth2Provider, uri: string, kind: "authorization" | "logout" = "authorization"): boolean {
  const all = provider.settings.redirect_uris;
  const logout = kind === "logout" ? all.filter((r) => r.redirect_uri_type === "logout") : [];
  const candidates = logout.length > 0 ? logout : all.filter((r) => r.redirect_uri_type !== "logout");
  return candidates.some((r) => {
    if (r.matching_mode === "strict") return r.url === uri;
    try {
      return new RegExp(`^(?:${r.url})$`).test(uri);
    } catch {
      return false;
    }
  });
}

function checkRedirectUri(provider: OAuth2Provider, p: URLSearchParams): string {
  const uri = one(p, "redirect_uri");
  if (!uri) throw new OAuthError("invalid_request", "Missing redirect_uri.");
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    throw new OAuthError("invalid_request", "Invalid redirect URI.");
  }
  if (parsed.hash || !redirectUriAllowed(provider, uri)) throw new OAuthError("invalid_request", "Redirect URI error: the redirect URI is not registered for this client.");
  return uri;
}

// --- 2. the request (errors go back to the client) ----------------------------------------
/** OIDC Core §3 and OAuth 2.0 Multiple Response Types: code, implicit and hybrid. */
export const RESPONSE_TYPES = ["code", "id_token", "id_token token", "code id_token", "code token", "code id_token token"];
const canonicalType = (t: string) => t.split(" ").filter(Boolean).sort().join(" ");
const SUPPORTED_TYPES = new Map(RESPONSE_TYPES.map((t) => [canonicalType(t), t.split(" ")]));

/** The response type's parts, or null when it is missing or unsupported (decided later). */
function responseTypeOf(p: URLSearchParams): string[] | null {
  const all = p.getAll("response_type");
  return all.length === 1 ? (SUPPORTED_TYPES.get(canonicalType(all[0]!)) ?? null) : null;
}

/** Fragment is the default for anything that returns tokens (Multiple Response Types §5). */
function checkResponseMode(p: URLSearchParams): ResponseMode {
  const type = responseTypeOf(p);
  const tokens = !!type && (type.length > 1 || type[0] !== "code");
  const mode = one(p, "response_mode") ?? (tokens ? "fragment" : "query");
  if (mode !== "query" && mode !== "fragment" && mode !== "form_post") throw new OAuthError("invalid_request", "Unsupported response_mode.");
  if (tokens && mode === "query") throw new OAuthError("invalid_request", "Tokens are never returned in the query; use fragment or form_post.");
  return mode;
}

function checkResponseType(p: URLSearchParams): string[] {
  const type = one(p, "response_type");
  if (!type) throw new OAuthError("invalid_request", "Missing response_type.");
  const parts = responseTypeOf(p);
  if (!parts) throw new OAuthError("unsupported_response_type", "Unsupported response_type.");
  return parts;
}

function checkScope(provider: OAuth2Provider, p: URLSearchParams): string[] {
  const requested = (one(p, "scope") ?? "").split(" ").filter(Boolean);
  // As authentik: scopes without a mapping on the provider are dropped, not refused.
  return [...new Set(requested.filter((s) => provider.scopes.has(s)))];
}

/** RFC 7636: S256 only; required for public clients that get a code. */
function checkPkce(provider: OAuth2Provider, p: URLSearchParams, responseType: string[]): { challenge: string | null; method: string | null } {
  const challenge = one(p, "code_challenge");
  const method = one(p, "code_challenge_method") ?? (challenge ? "plain" : null);
  if (!challenge) {
    if (provider.settings.client_type === "public" && responseType.includes("code")) throw new OAuthError("invalid_request", "PKCE (S256) is required for public clients.");
    return { challenge: null, method: null };
  }
  if (method !== "S256") throw new OAuthError("invalid_request", "code_challenge_method must be S256.");
  if (!/^[A-Za-z0-9_-]{43}$/.test(challenge)) throw new OAuthError("invalid_request", "Malformed code_challenge.");
  return { challenge, method };
}

function checkPrompt(p: URLSearchParams): Set<string> {
  const prompt = new Set((one(p, "prompt") ?? "").split(" ").filter(Boolean));
  for (const v of prompt) if (!["none", "login", "consent", "select_account"].includes(v)) throw new OAuthError("invalid_request", "Invalid prompt.");
  if (prompt.has("none") && prompt.size > 1) throw new OAuthError("invalid_request", "prompt=none cannot be combined.");
  return prompt;
}

function checkMaxAge(p: URLSearchParams): number | null {
  const raw = one(p, "max_age");
  if (raw === null) return null;
  if (!/^\d{1,10}$/.test(raw)) throw new OAuthError("invalid_request", "Invalid max_age.");
  return Number(raw);
}

// --- delivery ---------------------------------------------------------------------------------
function withState(req: Pick<AuthorizeRequest, "state">, params: Record<string, string>): Record<string, string> {
  return req.state !== null ? { ...params, state: req.state } : params;
}

/** Sends `params` to the client: a redirect, or the form_post page. */
function deliver(c: Ctx, req: Pick<AuthorizeRequest, "redirectUri" | "responseMode" | "state">, params: Record<string, string>): Response {
  const all = withState(req, params);
  c.header("Cache-Control", "no-store");
  if (req.responseMode === "form_post") return c.html(formPostPage(req.redirectUri, all));
  return c.redirect(responseUrl(req.redirectUri, req.responseMode, all), 302);
}

/** Creates the authorization response for `user`: a code and/or tokens (implicit, hybrid). */
async function issueCode(deps: Deps, req: AuthorizeRequest, user: User): Promise<Record<string, string>> {
  const now = deps.clock.now();
  const parsed = parseProvider(deps, await deps.store.oauth2.providerByPk(req.providerPk));
  if (!parsed) throw new OAuthError("server_error", "The provider is unavailable.", 500);
  const type = req.responseType ?? ["code"];
  const code = type.includes("code") ? deps.random.token(32) : null;
  if (code) await deps.store.oauth2.createCode({
    codeHash: await sha256Hex(code),
    providerPk: req.providerPk,
    userPk: user.pk,
    redirectUri: req.redirectUri,
    scope: req.scope,
    nonce: req.nonce,
    codeChallenge: req.codeChallenge,
    codeChallengeMethod: req.codeChallengeMethod,
    authTime: user.lastLogin ?? now,
    sessionId: req.sid,
    dpopJkt: req.dpopJkt ?? null,
    resource: req.resource ?? [],
    expires: new Date(now.getTime() + parsed.lifetimes.code),
  });
  await recordEvent(deps, {
    action: "authorize_application",
    user,
    context: { authorized_application: parsed.application ? { pk: parsed.application.pk, slug: parsed.application.slug, name: parsed.application.name } : null, scopes: req.scope.join(" ") },
  });
  if (type.length === 1 && code) return { code };
  return { ...(code ? { code } : {}), ...(await implicitTokens(deps, parsed, req, user, type, code)) };
}

/** OIDC Core §3.2.2.5/§3.3.2.5: tokens from the authorization endpoint (never a refresh token). */
async function implicitTokens(deps: Deps, provider: OAuth2Provider, req: AuthorizeRequest, user: User, type: string[], code: string | null): Promise<Record<string, string>> {
  const auth: AuthContext = { authTime: Math.floor((user.lastLogin ?? deps.clock.now()).getTime() / 1000), nonce: req.nonce, sid: req.sid, amr: await loginAmr(deps, user.pk, user.lastLogin) };
  const input: IssueInput = {
    provider,
    issuer: issuerOf(req.origin ?? "", provider),
    user,
    scope: req.scope.filter((s) => s !== "offline_access"),
    auth,
    noRefresh: true,
    resource: req.resource ?? [],
    ...(code ? { code } : {}),
  };
  if (!type.includes("token")) {
    // `id_token` / `code id_token`: no access token, so no at_hash; the claims go in the ID token.
    return { id_token: await signIdToken(deps, await providerKey(deps, provider), input, null) };
  }
  const issued = await issueTokens(deps, input);
  const out: Record<string, string> = { access_token: issued.access_token, token_type: issued.token_type, expires_in: String(issued.expires_in), scope: issued.scope };
  if (type.includes("id_token") && issued.id_token) out.id_token = issued.id_token;
  return out;
}

function parseStored(value: unknown): AuthorizeRequest | null {
  return value !== null && typeof value === "object" && typeof (value as AuthorizeRequest).redirectUri === "string" ? (value as AuthorizeRequest) : null;
}

// The fulfilment step appended to the authorization flow's plan. The flow page answers a form
// POST, and its CSP (`form-action 'self'`) stops a redirect chain that leaves the site, so the
// response goes through a same-origin page of ours that navigates on (as authentik's executor
// navigates with JavaScript).
registerFulfilment("oauth2", async ({ deps, plan, session }) => {
  const req = parseStored(plan.context[AUTHORIZE_REQUEST_CTX]);
  const user = await session.user();
  if (!req || !user) return { kind: "deny", message: "The authorization request is no longer valid." };
  const params = withState(req, await issueCode(deps, req, user));
  const id = deps.random.token(24);
  const stored: StoredResponse = { redirectUri: req.redirectUri, responseMode: req.responseMode, params };
  await deps.cache.set(RESPONSE_PREFIX + id, stored, 120);
  return { kind: "redirect", to: `${BASE_PATH}/authorize/response/${id}/` };
});

interface StoredResponse {
  redirectUri: string;
  responseMode: ResponseMode;
  params: Record<string, string>;
}

/** Delivers a response prepared by the fulfilment step (single use). */
export async function storedResponse(c: Ctx, id: string): Promise<Response> {
  const stored = /^[A-Za-z0-9_-]{16,64}$/.test(id) ? await c.env.cache.take<StoredResponse>(RESPONSE_PREFIX + id) : null;
  if (!stored) throw new OAuthError("invalid_request", "This authorization response has expired.", 400);
  c.header("Cache-Control", "no-store");
  if (stored.responseMode === "form_post") return c.html(formPostPage(stored.redirectUri, stored.params));
  return c.html(navigatePage(responseUrl(stored.redirectUri, stored.responseMode, stored.params)));
}

// --- the endpoint ------------------------------------------------------------------------------
function requestInfo(c: Ctx): RequestInfo {
  const url = new URL(c.req.url);
  return {
    ip: clientIp(c),
    country: c.env.client?.country ?? null,
    asn: c.env.client?.asn ?? null,
    userAgent: c.req.header("user-agent") ?? null,
    host: url.host,
    path: url.pathname,
    method: c.req.method,
  };
}

/** A login hint worth pre-filling: a username or email, no control characters. */
// eslint-disable-next-line no-control-regex
const LOGIN_HINT = /^[^\u0000-\u001f\u007f]{1,254}$/;

async function loginRedirect(c: Ctx, provider: OAuth2Provider, p: URLSearchParams, pushed: boolean): Promise<Response> {
  const deps = c.env;
  // A pushed request is single use: the way back after login carries a fresh request_uri.
  if (pushed) p = await repushRequest(deps, provider.settings.client_id, p);
  const brand = await deps.store.brands.forHost(new URL(c.req.url).host);
  const flowPk = provider.authenticationFlowPk ?? brand?.flowAuthentication ?? null;
  const flow = flowPk ? await deps.store.flows.byPk(flowPk) : null;
  const slug = flow?.slug ?? "default-authentication-flow";
  const next = `${BASE_PATH}/authorize/?${p.toString()}`;
  const query = new URLSearchParams({ next });
  // OIDC Core §3.1.2.1: login_hint pre-fills the identification stage (identification.ts).
  const hint = p.getAll("login_hint");
  if (hint.length === 1 && LOGIN_HINT.test(hint[0]!)) query.set("login_hint", hint[0]!);
  return c.redirect(`/if/flow/${encodeURIComponent(slug)}/?${query.toString()}`, 302);
}

/** GET/POST `/application/o/authorize/`. */
export async function authorize(c: Ctx, query: URLSearchParams): Promise<Response> {
  const deps = c.env;
  // RFC 9126 §4: a pushed request replaces the query (client_id must agree).
  const pushed = query.has("request_uri");
  const p = pushed ? await pushedRequest(deps, query) : query;
  if (!pushed && p.has("request")) throw new OAuthError("request_not_supported", "Request objects are not supported; use PAR.");
  const provider = await checkClient(deps, p);
  const redirectUri = checkRedirectUri(provider, p);
  // The redirect URI is trusted from here on; errors go back to the client.
  let responseMode: ResponseMode = "query";
  const state = p.getAll("state").length === 1 ? p.get("state") : null;
  try {
    responseMode = checkResponseMode(p);
    if (!pushed && provider.settings.require_pushed_authorization_requests) throw new OAuthError("invalid_request", "This client must use pushed authorization requests.");
    return await authorizeValidated(c, provider, redirectUri, responseMode, p, pushed);
  } catch (err) {
    if (!(err instanceof OAuthError)) throw err;
    return deliver(c, { redirectUri, responseMode, state }, { error: err.error, error_description: err.description });
  }
}

async function authorizeValidated(c: Ctx, provider: OAuth2Provider, redirectUri: string, responseMode: ResponseMode, p: URLSearchParams, pushed: boolean): Promise<Response> {
  const deps = c.env;
  const responseType = checkResponseType(p);
  const scope = checkScope(provider, p);
  const pkce = checkPkce(provider, p, responseType);
  const prompt = checkPrompt(p);
  const maxAge = checkMaxAge(p);
  const nonce = one(p, "nonce");
  if (nonce !== null && nonce.length > 512) throw new OAuthError("invalid_request", "nonce is too long.");
  const implicit = responseType.some((t) => t !== "code");
  // OIDC Core §3.2.2.1 / §3.3.2.11: nonce is required when tokens come from this endpoint.
  if (implicit && !nonce) throw new OAuthError("invalid_request", "nonce is required for this response_type.");
  if (responseType.includes("id_token") && !scope.includes("openid")) throw new OAuthError("invalid_scope", "response_type id_token requires the openid scope.");
  const dpopJkt = checkDpopJkt(one(p, "dpop_jkt"));
  const resource = parseResources(p, provider);
  const state = one(p, "state");

  let user = await currentUser(c);
  const now = deps.clock.now().getTime();
  const stale = user && maxAge !== null && (!user.lastLogin || now - user.lastLogin.getTime() > maxAge * 1000);
  if (user && (prompt.has("login") || stale)) {
    if (prompt.has("none")) throw new OAuthError("login_required", "The user must log in again.");
    await logoutSession(c);
    user = null;
    p.delete("prompt"); // come back without prompt=login, or this loops
  }
  if (!user) {
    if (prompt.has("none")) throw new OAuthError("login_required", "The user is not logged in.");
    return loginRedirect(c, provider, p, pushed);
  }

  const app = provider.application!;
  const request = requestInfo(c);
  const access = await deps.policyEngine.evaluate(app.pk, {
    ...policyRequest(request, user, {}),
    obj: { model: "authentik_core.application", pk: app.pk, name: app.name, slug: app.slug },
  });
  if (!access.passing) throw new OAuthError("access_denied", "The user may not access this application.");

  const keyHash = c.var.session.keyHash;
  const req: AuthorizeRequest = {
    providerPk: provider.pk,
    clientId: provider.settings.client_id,
    redirectUri,
    responseMode,
    responseType,
    scope,
    state,
    nonce,
    codeChallenge: pkce.challenge,
    codeChallengeMethod: pkce.method,
    sid: keyHash ? (await sha256Hex(`sid:${keyHash}`)).slice(0, 32) : null,
    dpopJkt,
    resource,
    origin: new URL(c.req.url).origin,
  };
  const flow = provider.authorizationFlowPk ? await deps.store.flows.byPk(provider.authorizationFlowPk) : null;
  if (!flow) throw new OAuthError("server_error", "The provider has no authorization flow.");
  const planned = await planFlow({
    deps,
    flow,
    user,
    request,
    context: {
      [CTX.application]: app.pk,
      consent_header: `You're about to sign into ${app.name}.`,
      consent_permissions: scopePermissions(provider, scope),
      [AUTHORIZE_REQUEST_CTX]: req,
    },
  });
  if (!planned.ok) throw new OAuthError("access_denied", "The authorization flow does not apply to this user.");
  const plan = planned.plan;
  // OIDC Core §3.1.2.1 prompt=consent: ask even when the flow has no consent stage (authentik
  // adds an in-memory one that always asks). With prompt=none that is consent_required.
  if (prompt.has("consent") && !plan.bindings.some((b) => b.stageType === "consent")) plan.bindings.push(inMemoryBinding("oauth2-consent"));
  if (plan.bindings.length === 0) return deliver(c, req, await issueCode(deps, req, user));
  if (prompt.has("none")) throw new OAuthError("consent_required", "The user must authorize this application.");
  plan.bindings.push(fulfilmentBinding("oauth2"));
  const id = deps.random.token(32);
  await savePlan(deps.cache, id, plan);
  await setSessionFlow(c, flow.slug, id);
  return c.redirect(`/if/flow/${encodeURIComponent(flow.slug)}/`, 302);
}
