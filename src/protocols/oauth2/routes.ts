/**
 * OAuth2/OIDC routes at authentik's paths (DESIGN §6). Two families with their own renderers:
 * browser-facing (authorize, end-session: pages and client redirects) and back-channel JSON
 * (discovery, JWKS, token, userinfo, introspection, revocation: RFC 6749 §5.2 errors).
 */
import { Hono, type Context } from "hono";
import { OAuthError } from "../../core/errors.js";
import type { AppEnv } from "../../http/env.js";
import { clientIp, session, type SessionEnv } from "../../http/middleware/session.js";
import { authorize, storedResponse } from "./authorize.js";
import { authenticateClient } from "./client-auth.js";
import { applyCors, clientCors, preflight, tokenCors } from "./cors.js";
import { deviceAuthorization } from "./device.js";
import { jwks, metadata } from "./discovery.js";
import { verifyDpop } from "./dpop.js";
import { endSession } from "./end-session.js";
import { providerBySlug } from "./provider.js";
import { renderOAuthJsonError, renderOAuthPageError } from "./render.js";
import { pushAuthorizationRequest } from "./par.js";
import { deleteClient, readClient, registerClient, updateClient } from "./registration.js";
import { bearerToken, introspect, presentedAccessToken, revoke, userinfo } from "./resources.js";
import { tokenEndpoint } from "./token.js";
import { providerKey } from "./tokens.js";

const asApp = (c: Context) => c as unknown as Context<AppEnv>;

/** The form body of a POST (RFC 6749 §3.2: application/x-www-form-urlencoded). */
async function formBody(c: Context): Promise<URLSearchParams> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/x-www-form-urlencoded\b/i.test(type)) throw new OAuthError("invalid_request", "Expected a form-encoded body.");
  const text = await c.req.text();
  if (text.length > 65_536) throw new OAuthError("invalid_request", "Request body too large.");
  return new URLSearchParams(text);
}

async function params(c: Context): Promise<URLSearchParams> {
  return c.req.method === "POST" ? formBody(c) : new URL(c.req.url).searchParams;
}

const origin = (c: Context) => new URL(c.req.url).origin;
/** The request's origin and its URL without query (DPoP `htu`, assertion audiences), from one parse. */
const clientSite = (c: Context) => {
  const u = new URL(c.req.url);
  return { origin: u.origin, endpoint: `${u.origin}${u.pathname}` };
};
const endpointUrl = (c: Context) => clientSite(c).endpoint;
/** Every `DPoP` header value (RFC 9449 §4.3: exactly one is allowed). */
const dpopHeaders = (c: Context) => c.req.raw.headers.get("dpop")?.split(/,\s*/).filter(Boolean) ?? [];

/** A JSON request body (RFC 7591 §3); anything else is `invalid_client_metadata`. */
async function jsonBody(c: Context): Promise<unknown> {
  if (!/^application\/json\b/i.test(c.req.header("content-type") ?? "")) throw new OAuthError("invalid_client_metadata", "Expected a JSON body.");
  const text = await c.req.text();
  if (text.length > 65_536) throw new OAuthError("invalid_client_metadata", "Request body too large.");
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new OAuthError("invalid_client_metadata", "The body is not valid JSON.");
  }
}

function noStore(c: Context): void {
  c.header("Cache-Control", "no-store");
  c.header("Pragma", "no-cache");
}

/**
 * A JSON response that no cache may keep (RFC 6749 §5.1), built with plain headers: Hono's
 * `c.header` + `c.json` build a `Headers` object per response, a measurable part of a token
 * request (bench/oauth). Errors get the same headers from `renderOAuthJsonError`.
 */
function noStoreJson(body: unknown, status = 200, extra?: Record<string, string> | null): Response {
  const headers: Record<string, string> = { "Content-Type": "application/json", "Cache-Control": "no-store", Pragma: "no-cache" };
  if (extra) Object.assign(headers, extra);
  return new Response(JSON.stringify(body), { status, headers });
}

/** Browser-facing endpoints: errors before the redirect URI is validated render a page. */
function browserRoutes(): Hono<SessionEnv> {
  const app = new Hono<SessionEnv>({ strict: false });
  app.onError((err, c) => renderOAuthPageError(err, asApp(c)));
  app.use("*", session());
  app.on(["GET", "POST"], "/authorize", async (c) => authorize(c, await params(c)));
  app.get("/authorize/response/:id", (c) => storedResponse(c, c.req.param("id")));
  app.on(["GET", "POST"], "/:slug/end-session", async (c) => endSession(c, await providerBySlug(c.env, c.req.param("slug")), await params(c)));
  return app;
}

async function discovery(c: Context<AppEnv>, slug: string): Promise<Response> {
  const provider = await providerBySlug(c.env, slug);
  const key = await providerKey(c.env, provider);
  c.header("Access-Control-Allow-Origin", "*");
  return c.json(metadata(origin(c), provider, key.alg, { registration: c.env.config.THRESHOLD_OAUTH2__DYNAMIC_CLIENT_REGISTRATION }));
}

/** Back-channel JSON endpoints. */
function jsonRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  app.onError(renderOAuthJsonError);
  app.get("/:slug/.well-known/openid-configuration", (c) => discovery(c, c.req.param("slug")));
  app.get("/:slug/jwks", async (c) => {
    c.header("Access-Control-Allow-Origin", "*");
    return c.json(await jwks(c.env, await providerBySlug(c.env, c.req.param("slug"))));
  });
  // Browser apps (public clients with PKCE) call token, userinfo and revocation cross-origin.
  app.options("/token", preflight);
  app.options("/userinfo", preflight);
  app.options("/revoke", preflight);
  app.post("/token", async (c) => {
    const form = await formBody(c);
    const cors = await clientCors(c.env, c.req.header("origin"), c.req.header("authorization"), form);
    applyCors(c, cors); // for an error response
    const site = clientSite(c);
    const tokens = await tokenEndpoint(c.env, {
      origin: site.origin,
      url: site.endpoint,
      authorization: c.req.header("authorization"),
      dpop: dpopHeaders(c),
      form,
      clientIp: clientIp(c),
    });
    return noStoreJson(tokens, 200, cors);
  });
  app.on(["GET", "POST"], "/userinfo", async (c) => {
    const hasBody = c.req.method === "POST" && /form-urlencoded/i.test(c.req.header("content-type") ?? "");
    const form = hasBody ? await formBody(c) : null;
    const cors = await tokenCors(c.env, c.req.header("origin"), presentedAccessToken(c.req.header("authorization"), form));
    applyCors(c, cors); // for an error response
    const token = bearerToken(c.req.header("authorization"), form);
    return noStoreJson(await userinfo(c.env, token, { dpop: dpopHeaders(c), method: c.req.method, url: endpointUrl(c) }), 200, cors);
  });
  // RFC 8628 §3.1
  app.post("/device", async (c) => {
    const form = await formBody(c);
    const client = await authenticateClient(c.env, c.req.header("authorization"), form, clientSite(c));
    return noStoreJson(await deviceAuthorization(c.env, origin(c), client, form));
  });
  // RFC 9126 §2
  app.post("/par", async (c) => {
    const form = await formBody(c);
    const client = await authenticateClient(c.env, c.req.header("authorization"), form, clientSite(c));
    const jkt = await verifyDpop(c.env, "token", { headers: dpopHeaders(c), method: "POST", url: endpointUrl(c) });
    return noStoreJson(await pushAuthorizationRequest(c.env, client, form, jkt), 201);
  });
  // RFC 7591 / RFC 7592 (opt-in)
  app.post("/register", async (c) => {
    const body = await jsonBody(c);
    return noStoreJson(await registerClient(c.env, origin(c), c.req.header("authorization"), body), 201);
  });
  app.get("/register/:clientId", async (c) => {
    return noStoreJson(await readClient(c.env, origin(c), c.req.param("clientId"), c.req.header("authorization")));
  });
  app.put("/register/:clientId", async (c) => {
    const body = await jsonBody(c);
    return noStoreJson(await updateClient(c.env, origin(c), c.req.param("clientId"), c.req.header("authorization"), body));
  });
  app.delete("/register/:clientId", async (c) => {
    await deleteClient(c.env, c.req.param("clientId"), c.req.header("authorization"));
    noStore(c);
    return c.body(null, 204);
  });
  app.post("/introspect", async (c) => {
    const form = await formBody(c);
    const client = await authenticateClient(c.env, c.req.header("authorization"), form, clientSite(c));
    const token = form.get("token");
    if (!token) throw new OAuthError("invalid_request", "Missing 'token'.");
    return noStoreJson(await introspect(c.env, client, token));
  });
  app.post("/revoke", async (c) => {
    const form = await formBody(c);
    applyCors(c, await clientCors(c.env, c.req.header("origin"), c.req.header("authorization"), form));
    const client = await authenticateClient(c.env, c.req.header("authorization"), form, clientSite(c));
    const token = form.get("token");
    if (!token) throw new OAuthError("invalid_request", "Missing 'token'.");
    await revoke(c.env, client, token, form.get("token_type_hint"));
    noStore(c);
    return c.body(null, 200);
  });
  return app;
}

/** Mounted at `/application/o`. */
export function oauth2Routes(): Hono<SessionEnv> {
  const app = new Hono<SessionEnv>({ strict: false });
  app.route("/", jsonRoutes() as unknown as Hono<SessionEnv>);
  app.route("/", browserRoutes());
  return app;
}

/** RFC 8414 §3: mounted at `/.well-known/oauth-authorization-server/application/o`. */
export function oauth2MetadataRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  app.onError(renderOAuthJsonError);
  app.get("/:slug", (c) => discovery(c, c.req.param("slug")));
  return app;
}
