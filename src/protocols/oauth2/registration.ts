/**
 * Dynamic Client Registration (RFC 7591) and its management protocol (RFC 7592), opt-in with
 * `THRESHOLD_OAUTH2__DYNAMIC_CLIENT_REGISTRATION` (beyond authentik). A registered client is an
 * ordinary OAuth2 provider with an application (created in one transaction), using the
 * configured authorization flow. The registration access token is stored as a SHA-256 hash in
 * the provider's settings and compared in constant time.
 */
import * as z from "zod";
import { sha256Hex, timingSafeEqual } from "../../core/encoding.js";
import { OAuthError } from "../../core/errors.js";
import { internalHost } from "../../core/net.js";
import type { Deps } from "../../deps.js";
import { CLIENT_AUTH_METHODS } from "./client-auth.js";
import { RESPONSE_TYPES } from "./authorize.js";
import { DEVICE_CODE_GRANT } from "./device.js";
import { BASE_PATH } from "./provider.js";
import { CLIENT_SECRET_CONTEXT, parseProvider, randomAlnum, type OAuth2Provider } from "./settings.js";

const GRANTS = ["authorization_code", "refresh_token", "client_credentials", "implicit", DEVICE_CODE_GRANT];

const canonical = (t: string) => t.split(" ").filter(Boolean).sort().join(" ");
const metadataError = (d: string) => new OAuthError("invalid_client_metadata", d);

const uri = z.string().max(2048).refine((v) => {
  try {
    return !new URL(v).hash && !v.includes("#");
  } catch {
    return false;
  }
}, "must be an absolute URI without a fragment");

/** The client metadata we understand (RFC 7591 §2, RFC 9449 §5.2, RFC 9126 §6); others are kept. */
const clientMetadata = z
  .object({
    redirect_uris: z.array(z.string()).max(20).default([]),
    /** OIDC RP-Initiated Logout 1.0 §3.1. */
    post_logout_redirect_uris: z.array(z.string()).max(20).default([]),
    token_endpoint_auth_method: z.enum(CLIENT_AUTH_METHODS as [string, ...string[]]).default("client_secret_basic"),
    grant_types: z.array(z.enum(GRANTS as [string, ...string[]])).min(1).default(["authorization_code"]),
    response_types: z.array(z.string().refine((t) => RESPONSE_TYPES.some((r) => canonical(r) === canonical(t)), "unsupported response type")).default(["code"]),
    client_name: z.string().max(200).optional(),
    client_uri: uri.optional(),
    logo_uri: uri.optional(),
    scope: z.string().max(1000).optional(),
    contacts: z.array(z.string().max(200)).max(10).optional(),
    jwks_uri: uri.optional(),
    jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())).max(20) }).optional(),
    dpop_bound_access_tokens: z.boolean().default(false),
    require_pushed_authorization_requests: z.boolean().default(false),
  })
  .passthrough();
type ClientMetadata = z.infer<typeof clientMetadata>;

/** RFC 7591 §2: parsed and cross-checked metadata; `invalid_redirect_uri`/`invalid_client_metadata`. */
function parseMetadata(body: unknown): ClientMetadata {
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw metadataError("The body must be a JSON object.");
  // PostgreSQL cannot store NUL in text or jsonb.
  if (JSON.stringify(body).includes("\\u0000")) throw metadataError("Metadata must not contain NUL characters.");
  const parsed = clientMetadata.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw metadataError(`${issue.path.join(".") || "metadata"}: ${issue.message}`);
  }
  const m = parsed.data;
  for (const r of [...m.redirect_uris, ...m.post_logout_redirect_uris]) {
    // Web (http/https) and native private-use schemes (RFC 8252 §7.1); never script or local ones.
    if (!uri.safeParse(r).success || /^(javascript|data|vbscript|file|blob):/i.test(r)) throw new OAuthError("invalid_redirect_uri", `Invalid redirect URI: ${r.slice(0, 100)}`);
  }
  const redirecting = m.grant_types.some((g) => g === "authorization_code" || g === "implicit");
  if (redirecting && m.redirect_uris.length === 0) throw new OAuthError("invalid_redirect_uri", "redirect_uris are required for the authorization_code and implicit grants.");
  if (m.jwks && m.jwks_uri) throw metadataError("jwks and jwks_uri are mutually exclusive.");
  // The server fetches jwks_uri when the client authenticates: https only (no plain-HTTP or local schemes).
  if (m.jwks_uri && !m.jwks_uri.startsWith("https://")) throw metadataError("jwks_uri must be an https URL.");
  if (m.jwks_uri && internalHost(new URL(m.jwks_uri))) throw metadataError("jwks_uri must be a public host.");
  if (m.token_endpoint_auth_method === "private_key_jwt" && !m.jwks && !m.jwks_uri) throw metadataError("private_key_jwt needs jwks or jwks_uri.");
  if (m.token_endpoint_auth_method === "none" && m.grant_types.includes("client_credentials")) throw metadataError("client_credentials needs client authentication.");
  return m;
}

function settingsFrom(m: ClientMetadata): Record<string, unknown> {
  return {
    client_type: m.token_endpoint_auth_method === "none" ? "public" : "confidential",
    redirect_uris: [
      ...m.redirect_uris.map((url) => ({ matching_mode: "strict", url, redirect_uri_type: "authorization" })),
      ...m.post_logout_redirect_uris.map((url) => ({ matching_mode: "strict", url, redirect_uri_type: "logout" })),
    ],
    token_endpoint_auth_method: m.token_endpoint_auth_method,
    jwks: m.jwks ?? null,
    jwks_uri: m.jwks_uri ?? "",
    dpop_bound_access_tokens: m.dpop_bound_access_tokens,
    require_pushed_authorization_requests: m.require_pushed_authorization_requests,
    client_metadata: m,
  };
}

function checkEnabled(deps: Deps): void {
  if (!deps.config.THRESHOLD_OAUTH2__DYNAMIC_CLIENT_REGISTRATION) throw new OAuthError("invalid_request", "Dynamic client registration is disabled.", 404);
}

const bearer = (authorization: string | undefined) => (authorization && /^bearer /i.test(authorization) ? authorization.slice(7).trim() : "");
const invalidToken = () => new OAuthError("invalid_token", "The access token is invalid.", 401, 'Bearer error="invalid_token"');

async function response(deps: Deps, origin: string, provider: OAuth2Provider, extra: Record<string, unknown>): Promise<Record<string, unknown>> {
  const s = provider.settings;
  const secret = s.client_secret ? await deps.keys.unwrapText(s.client_secret, CLIENT_SECRET_CONTEXT) : null;
  return {
    ...s.client_metadata,
    client_id: s.client_id,
    ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
    registration_client_uri: `${origin}${BASE_PATH}/register/${s.client_id}/`,
    ...extra,
  };
}

/** POST `/application/o/register/` (RFC 7591 §3). */
export async function registerClient(deps: Deps, origin: string, authorization: string | undefined, body: unknown): Promise<Record<string, unknown>> {
  checkEnabled(deps);
  const initial = deps.config.THRESHOLD_OAUTH2__REGISTRATION_TOKEN;
  if (initial && !timingSafeEqual(bearer(authorization), initial)) throw invalidToken();
  const m = parseMetadata(body);
  const flow = await deps.store.flows.bySlug(deps.config.THRESHOLD_OAUTH2__REGISTRATION_FLOW);
  if (!flow) throw new OAuthError("server_error", "The registration authorization flow does not exist.", 500);
  const clientId = randomAlnum(deps, 40);
  const secret = m.token_endpoint_auth_method === "none" ? "" : randomAlnum(deps, 128);
  const registrationToken = deps.random.token(48);
  const settings = {
    ...settingsFrom(m),
    client_id: clientId,
    client_secret: secret ? await deps.keys.wrap(secret, CLIENT_SECRET_CONTEXT) : "",
    registration_access_token_hash: await sha256Hex(registrationToken),
  };
  const name = m.client_name || `Dynamic client ${clientId.slice(0, 8)}`;
  const record = await deps.store.oauth2.createProviderWithApplication(
    { name, authorizationFlowPk: flow.pk, settings },
    { name, slug: `dcr-${clientId.slice(0, 16).toLowerCase()}` },
  );
  const provider = parseProvider(deps, record)!;
  const issuedAt = Math.floor(deps.clock.now().getTime() / 1000);
  return response(deps, origin, provider, { client_id_issued_at: issuedAt, registration_access_token: registrationToken });
}

/** RFC 7592 §2: the client named in the path, authenticated by its registration access token. */
async function managedClient(deps: Deps, clientId: string, authorization: string | undefined): Promise<OAuth2Provider> {
  checkEnabled(deps);
  const token = bearer(authorization);
  const provider = /^[A-Za-z0-9]{1,64}$/.test(clientId) ? parseProvider(deps, await deps.store.oauth2.providerByClientId(clientId)) : null;
  const expected = provider?.settings.registration_access_token_hash ?? "";
  // RFC 7592 §2: unknown clients and wrong tokens look the same (401).
  if (!provider || !expected || !token || !timingSafeEqual(await sha256Hex(token), expected)) throw invalidToken();
  return provider;
}

/** GET `/application/o/register/<client_id>/` (RFC 7592 §2.1). */
export async function readClient(deps: Deps, origin: string, clientId: string, authorization: string | undefined): Promise<Record<string, unknown>> {
  return response(deps, origin, await managedClient(deps, clientId, authorization), {});
}

/** PUT (RFC 7592 §2.2): replaces the metadata; client_id (and a sent secret) must match. */
export async function updateClient(deps: Deps, origin: string, clientId: string, authorization: string | undefined, body: unknown): Promise<Record<string, unknown>> {
  const provider = await managedClient(deps, clientId, authorization);
  const raw = (body ?? {}) as Record<string, unknown>;
  if (typeof raw !== "object" || raw.client_id !== clientId) throw metadataError("client_id must match the client being updated.");
  const { client_id: _id, client_secret: sentSecret, registration_access_token: _t, registration_client_uri: _u, client_id_issued_at: _i, client_secret_expires_at: _e, ...rest } = raw;
  if (sentSecret !== undefined) {
    const current = provider.settings.client_secret ? await deps.keys.unwrapText(provider.settings.client_secret, CLIENT_SECRET_CONTEXT) : "";
    if (typeof sentSecret !== "string" || !timingSafeEqual(sentSecret, current)) throw metadataError("client_secret does not match.");
  }
  const m = parseMetadata(rest);
  if ((m.token_endpoint_auth_method === "none") !== (provider.settings.client_type === "public")) throw metadataError("The client type cannot change; register a new client.");
  const settings = { ...provider.settings, ...settingsFrom(m) };
  const name = m.client_name || provider.name;
  if (!(await deps.store.oauth2.updateProvider(provider.pk, { name, settings }))) throw invalidToken();
  return response(deps, origin, parseProvider(deps, { ...provider, name, settings })!, {});
}

/** DELETE (RFC 7592 §2.3): the provider, its application and its grants. */
export async function deleteClient(deps: Deps, clientId: string, authorization: string | undefined): Promise<void> {
  const provider = await managedClient(deps, clientId, authorization);
  await deps.store.oauth2.deleteProviderWithApplication(provider.pk);
}
