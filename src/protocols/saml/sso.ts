/**
 * Single sign-on (SAML Profiles §4.1) at `/application/saml/<slug>/sso/binding/{redirect,post,init}/`,
 * as small ordered checks. Until the ACS URL is validated every error is a page at our origin
 * (never a message to an unvalidated URL). A validated request is kept in the cache under an
 * opaque id and continues at `…/sso/resume/<id>/` (a GET: the session cookie is SameSite=Lax, so
 * a cross-site POST arrives without it). A logged-in user's request plans the provider's
 * authorization flow with the request in context and appends the `saml` fulfilment step, which
 * builds the Response and hands it to a same-origin page that posts it to the ACS.
 */
import type { Context } from "hono";
import { sha256Hex } from "../../core/encoding.js";
import type { Deps } from "../../deps.js";
import { fulfilmentBinding, type FulfilmentContext } from "../../flows/fulfilment.js";
import { CTX, savePlan } from "../../flows/plan.js";
import { planFlow, policyRequest } from "../../flows/planner.js";
import type { RequestInfo, StageResult } from "../../flows/stage.js";
import { clientIp, currentUser, logoutSession, setSessionFlow, type SessionEnv } from "../../http/middleware/session.js";
import type { User } from "../../ports/store.js";
import { recordEvent } from "../../services/events.js";
import { deliveryPage, prepare, type OutgoingMessage } from "./binding.js";
import { SamlRequestError } from "./errors.js";
import { certificateOf, samlSigningKey } from "./keys.js";
import { evaluateMappings } from "./mappings.js";
import { BINDINGS, NAMEID_FORMATS, STATUS, type NameIdFormat } from "./namespaces.js";
import { BASE_PATH, providerByPk, providerBySlug } from "./provider.js";
import { checkDestination, decodeMessage, readAuthnRequest, verifyRequest, type AuthnRequest, type Binding } from "./request.js";
import { errorResponse, samlId, successResponse } from "./response.js";
import { acsUrls, type SamlProvider } from "./settings.js";

type Ctx = Context<SessionEnv>;

/** Plan context key holding the validated request (authentik's `SESSION_KEY_AUTH_N_REQUEST`). */
export const SSO_REQUEST_CTX = "goauthentik.io/providers/saml/authn_request";
const PENDING_PREFIX = "saml:pending:";
const RESPONSE_PREFIX = "saml:response:";
const PENDING_TTL_SECONDS = 30 * 60;

/** A validated SSO request (JSON: it travels in the cache and the flow plan). */
export interface SsoRequest {
  providerPk: number;
  /** The AuthnRequest ID (InResponseTo); null for IdP-initiated logins. */
  requestId: string | null;
  acsUrl: string;
  binding: Binding;
  relayState: string | null;
  nameIdFormat: NameIdFormat;
  forceAuthn: boolean;
  isPassive: boolean;
  sessionIndex?: string;
}

// --- checks -----------------------------------------------------------------------------------

/** The ACS URL: the requested one only if registered (exact match), else the default. */
function checkAcs(provider: SamlProvider, req: AuthnRequest): string {
  const registered = acsUrls(provider);
  if (req.acsUrl !== null) {
    if (!registered.includes(req.acsUrl)) throw new SamlRequestError("The AssertionConsumerServiceURL is not registered for this provider.");
    return req.acsUrl;
  }
  if (req.acsIndex !== null) {
    const url = registered[req.acsIndex];
    if (!url) throw new SamlRequestError("Unknown AssertionConsumerServiceIndex.");
    return url;
  }
  return provider.settings.acs_url;
}

function checkBinding(provider: SamlProvider, req: AuthnRequest): Binding {
  if (req.protocolBinding === BINDINGS.post) return "post";
  if (req.protocolBinding === BINDINGS.redirect) return "redirect";
  if (req.protocolBinding) throw new SamlRequestError("Unsupported ProtocolBinding.");
  return provider.settings.sp_binding;
}

function checkNameIdPolicy(provider: SamlProvider, req: AuthnRequest): NameIdFormat {
  const f = req.nameIdFormat;
  if (!f || f.endsWith(":nameid-format:unspecified")) return provider.settings.default_name_id_policy;
  if (!(NAMEID_FORMATS as readonly string[]).includes(f)) throw new SamlRequestError("Unsupported NameIDPolicy format.");
  return f as NameIdFormat;
}

// --- entry points -----------------------------------------------------------------------------

/** The form body of an HTTP-POST binding message (SAML Bindings §3.5.4). */
export async function formParams(c: Ctx): Promise<URLSearchParams> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/x-www-form-urlencoded\b/i.test(type)) throw new SamlRequestError("Expected a form-encoded body.");
  const length = Number(c.req.header("content-length") ?? "0");
  if (length > 256 * 1024) throw new SamlRequestError("The SAML message is too large.", 413);
  const text = await c.req.text();
  if (text.length > 256 * 1024) throw new SamlRequestError("The SAML message is too large.", 413);
  return new URLSearchParams(text);
}

/** SP-initiated SSO over HTTP-Redirect (GET) or HTTP-POST. */
export async function ssoBinding(c: Ctx, slug: string, binding: Binding): Promise<Response> {
  const deps = c.env;
  const provider = await providerBySlug(deps, slug);
  const url = new URL(c.req.url);
  const params = binding === "post" ? await formParams(c) : url.searchParams;
  const decoded = await decodeMessage(binding, params);
  const verified = await verifyRequest(binding, decoded, url.search, await certificateOf(deps, provider.settings.verification_kp));
  const req = readAuthnRequest(verified.doc);
  checkDestination(req.destination, c.req.url);
  const pending: SsoRequest = {
    providerPk: provider.pk,
    requestId: req.id,
    acsUrl: checkAcs(provider, req),
    binding: checkBinding(provider, req),
    relayState: decoded.relayState ?? (provider.settings.default_relay_state || null),
    nameIdFormat: checkNameIdPolicy(provider, req),
    forceAuthn: req.forceAuthn,
    isPassive: req.isPassive,
  };
  return park(c, provider, pending);
}

/** IdP-initiated SSO: an unsolicited Response to the default ACS URL. */
export async function ssoInit(c: Ctx, slug: string): Promise<Response> {
  const provider = await providerBySlug(c.env, slug);
  return park(c, provider, {
    providerPk: provider.pk,
    requestId: null,
    acsUrl: provider.settings.acs_url,
    binding: provider.settings.sp_binding,
    relayState: provider.settings.default_relay_state || null,
    nameIdFormat: provider.settings.default_name_id_policy,
    forceAuthn: false,
    isPassive: false,
  });
}

/** Keeps the validated request and continues with a same-site GET. */
async function park(c: Ctx, provider: SamlProvider, pending: SsoRequest): Promise<Response> {
  const id = c.env.random.token(24);
  await c.env.cache.set(PENDING_PREFIX + id, pending, PENDING_TTL_SECONDS);
  return c.redirect(`${BASE_PATH}/${encodeURIComponent(provider.application!.slug)}/sso/resume/${id}/`, 303);
}

/** GET `…/sso/resume/<id>/`: log in if needed, then plan the authorization flow. */
export async function ssoResume(c: Ctx, slug: string, id: string): Promise<Response> {
  const deps = c.env;
  const provider = await providerBySlug(deps, slug);
  const key = PENDING_PREFIX + id;
  const pending = /^[A-Za-z0-9_-]{16,64}$/.test(id) ? await deps.cache.get<SsoRequest>(key) : null;
  if (!pending || pending.providerPk !== provider.pk) throw new SamlRequestError("This SAML request has expired; start again at the application.");

  let user = await currentUser(c);
  if (user && pending.forceAuthn) {
    await logoutSession(c);
    await deps.cache.set(key, { ...pending, forceAuthn: false }, PENDING_TTL_SECONDS); // or this loops
    user = null;
  }
  if (!user) {
    if (pending.isPassive) return sendError(c, provider, pending, STATUS.responder, "urn:oasis:names:tc:SAML:2.0:status:NoPassive");
    return loginRedirect(c, provider, new URL(c.req.url).pathname);
  }
  const request = requestInfo(c);
  const app = provider.application!;
  const access = await deps.policyEngine.evaluate(app.pk, {
    ...policyRequest(request, user, {}),
    obj: { model: "authentik_core.application", pk: app.pk, name: app.name, slug: app.slug },
  });
  if (!access.passing) return sendError(c, provider, pending, STATUS.responder, STATUS.requestDenied);

  const keyHash = c.var.session.keyHash ?? "";
  const ready: SsoRequest = { ...pending, sessionIndex: `_${(await sha256Hex(`saml-session:${keyHash}`)).slice(0, 32)}` };
  const flow = provider.authorizationFlowPk ? await deps.store.flows.byPk(provider.authorizationFlowPk) : null;
  if (!flow) throw new SamlRequestError("The provider has no authorization flow.", 500);
  const planned = await planFlow({
    deps,
    flow,
    user,
    request,
    context: { [CTX.application]: app.pk, consent_header: `You're about to sign into ${app.name}.`, consent_permissions: [], [SSO_REQUEST_CTX]: ready },
  });
  if (!planned.ok) return sendError(c, provider, pending, STATUS.responder, STATUS.requestDenied);
  await deps.cache.delete(key);
  const plan = planned.plan;
  if (plan.bindings.length === 0) {
    c.header("Cache-Control", "no-store");
    return c.html(deliveryPage(await buildResponse(deps, ready, user, request, provider)));
  }
  plan.bindings.push(fulfilmentBinding("saml"));
  const execution = deps.random.token(32);
  await savePlan(deps.cache, execution, plan);
  await setSessionFlow(c, flow.slug, execution);
  return c.redirect(`/if/flow/${encodeURIComponent(flow.slug)}/`, 302);
}

async function loginRedirect(c: Ctx, provider: SamlProvider, next: string): Promise<Response> {
  const deps = c.env;
  const brand = await deps.store.brands.forHost(new URL(c.req.url).host);
  const flowPk = provider.authenticationFlowPk ?? brand?.flowAuthentication ?? null;
  const flow = flowPk ? await deps.store.flows.byPk(flowPk) : null;
  const slug = flow?.slug ?? "default-authentication-flow";
  return c.redirect(`/if/flow/${encodeURIComponent(slug)}/?${new URLSearchParams({ next }).toString()}`, 302);
}

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

// --- responses --------------------------------------------------------------------------------

/** A Response with an error status to the (validated) ACS URL: the SP learns why, no assertion. */
async function sendError(c: Ctx, provider: SamlProvider, pending: SsoRequest, status: string, subStatus: string): Promise<Response> {
  const deps = c.env;
  const key = await samlSigningKey(deps, provider.settings.signing_kp);
  const xml = await errorResponse(
    { id: samlId(deps.random.bytes(20)), issuer: provider.settings.issuer, now: deps.clock.now(), destination: pending.acsUrl, inResponseTo: pending.requestId, status, subStatus },
    { settings: provider.settings, key },
  );
  c.header("Cache-Control", "no-store");
  return c.html(deliveryPage(await prepare(pending.acsUrl, pending.binding, "SAMLResponse", xml, pending.relayState, { key, algorithm: provider.settings.signature_algorithm })));
}

/** The NameID value for a format (authentik's `get_name_id`), unless a NameID mapping is set. */
async function nameIdValue(deps: Deps, format: NameIdFormat, user: User, provider: SamlProvider): Promise<string> {
  switch (format) {
    case "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress":
      return user.email;
    case "urn:oasis:names:tc:SAML:2.0:nameid-format:transient":
      return samlId(deps.random.bytes(16));
    case "urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName":
      return `CN=${user.name || user.username}`;
    case "urn:oasis:names:tc:SAML:1.1:nameid-format:WindowsDomainQualifiedName": {
      const domain = user.attributes["goauthentik.io/user/windows-domain"];
      return typeof domain === "string" && domain ? `${domain}\\${user.username}` : user.username;
    }
    case "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent":
      return sha256Hex(`${user.pk}-${user.uuid}-${provider.pk}`);
    default:
      return user.username;
  }
}

/** Builds, signs (and encrypts) the Response for `user` and prepares its delivery. */
export async function buildResponse(deps: Deps, req: SsoRequest, user: User, request: RequestInfo, known?: SamlProvider): Promise<OutgoingMessage> {
  const provider = known ?? (await providerByPk(deps, req.providerPk));
  const s = provider.settings;
  const now = deps.clock.now();
  const mapped = await evaluateMappings(deps, user, request, s.property_mappings, s.name_id_mapping);
  const key = await samlSigningKey(deps, s.signing_kp);
  const xml = await successResponse(
    { id: samlId(deps.random.bytes(20)), issuer: s.issuer, now, destination: req.acsUrl, inResponseTo: req.requestId },
    {
      id: samlId(deps.random.bytes(20)),
      issuer: s.issuer,
      now,
      acsUrl: req.acsUrl,
      inResponseTo: req.requestId,
      audience: s.audience,
      nameId: { format: req.nameIdFormat, value: mapped.nameId ?? (await nameIdValue(deps, req.nameIdFormat, user, provider)) },
      attributes: mapped.attributes,
      authnInstant: user.lastLogin ?? now,
      sessionIndex: req.sessionIndex ?? samlId(deps.random.bytes(16)),
      windows: provider.windows,
    },
    { settings: s, key, encryptionCertificate: await certificateOf(deps, s.encryption_kp) },
  );
  await recordEvent(deps, {
    action: "authorize_application",
    user,
    context: { authorized_application: provider.application ? { pk: provider.application.pk, slug: provider.application.slug, name: provider.application.name } : null, protocol: "saml" },
  });
  // HTTP-Redirect: the query is signed too (Bindings §3.4.4.1); POST relies on the XML signatures.
  return prepare(req.acsUrl, req.binding, "SAMLResponse", xml, req.relayState, { key, algorithm: s.signature_algorithm });
}

function parseStored(value: unknown): SsoRequest | null {
  return value !== null && typeof value === "object" && typeof (value as SsoRequest).acsUrl === "string" ? (value as SsoRequest) : null;
}

/** The `saml` fulfilment step: prepares the Response and sends the browser to the delivery page. */
export async function fulfil({ deps, plan, session, request }: FulfilmentContext): Promise<StageResult> {
  const req = parseStored(plan.context[SSO_REQUEST_CTX]);
  const user = await session.user();
  if (!req || !user) return { kind: "deny", message: "The SAML request is no longer valid." };
  // The provider may have gone (or broken) while the user was in the flow: a denial, not a 500.
  const provider = await providerByPk(deps, req.providerPk).catch((err: unknown) => {
    if (err instanceof SamlRequestError) return null;
    throw err;
  });
  if (!provider) return { kind: "deny", message: "The SAML provider is no longer available." };
  const message = await buildResponse(deps, req, user, request, provider);
  const id = deps.random.token(24);
  const stored: StoredMessage = { ...message, userPk: user.pk };
  await deps.cache.set(RESPONSE_PREFIX + id, stored, 120);
  return { kind: "redirect", to: `${BASE_PATH}/${encodeURIComponent(provider.application!.slug)}/sso/response/${id}/` };
}

/** GET `…/sso/response/<id>/`: delivers a Response prepared by the fulfilment (single use). */
/** A prepared Response, for the user whose session it was made in only. */
type StoredMessage = OutgoingMessage & { userPk: number };

export async function storedResponse(c: Ctx, id: string): Promise<Response> {
  const message = /^[A-Za-z0-9_-]{16,64}$/.test(id) ? await c.env.cache.take<StoredMessage>(RESPONSE_PREFIX + id) : null;
  if (!message || (await currentUser(c))?.pk !== message.userPk) throw new SamlRequestError("This SAML response has expired; start again at the application.");
  c.header("Cache-Control", "no-store");
  return c.html(deliveryPage(message));
}
