/**
 * Global issuer mode (authentik `issuer_mode: global`): providers in this mode all use the issuer
 * `<origin>/` (provider.ts `issuerOf`), so strict relying parties fetch discovery from
 * `<origin>/.well-known/openid-configuration` (OIDC Discovery §4) — also served at
 * `/application/o/.well-known/openid-configuration` and as RFC 8414 metadata. The endpoints are
 * the shared ones; the JWKS and the end-session endpoint have install-wide paths
 * (`/application/o/jwks/`, `/application/o/end-session/`), where the client is named by
 * `client_id` or `id_token_hint`.
 */
import { Hono, type Context } from "hono";
import { decodeJwt } from "jose";
import { OAuthError } from "../../core/errors.js";
import type { Deps } from "../../deps.js";
import type { AppEnv } from "../../http/env.js";
import { session, type SessionEnv } from "../../http/middleware/session.js";
import { jwks, metadata } from "./discovery.js";
import { endSession } from "./end-session.js";
import { BASE_PATH, providerByClientId } from "./provider.js";
import { renderOAuthJsonError, renderOAuthPageError } from "./render.js";
import { parseProvider, type OAuth2Provider } from "./settings.js";
import { providerKey } from "./tokens.js";

/** The providers that use the global issuer and have an application, by pk. */
export async function globalProviders(deps: Deps): Promise<OAuth2Provider[]> {
  return (await deps.store.oauth2.listProviders())
    .map((r) => parseProvider(deps, r))
    .filter((p): p is OAuth2Provider => !!p?.application && p.settings.issuer_mode === "global");
}

async function requireGlobal(deps: Deps): Promise<OAuth2Provider[]> {
  const providers = await globalProviders(deps);
  if (providers.length === 0) throw new OAuthError("invalid_request", "No provider uses the global issuer.", 404);
  return providers;
}

/** Discovery for the global issuer: the shared endpoints, the install-wide JWKS and end-session. */
export async function globalMetadata(deps: Deps, origin: string): Promise<Record<string, unknown>> {
  const providers = await requireGlobal(deps);
  const first = providers[0]!;
  const algs = new Set<string>();
  for (const p of providers) algs.add((await providerKey(deps, p)).alg);
  const base = metadata(origin, first, [...algs][0]!);
  return {
    ...base,
    issuer: `${origin}/`,
    jwks_uri: `${origin}${BASE_PATH}/jwks/`,
    end_session_endpoint: `${origin}${BASE_PATH}/end-session/`,
    id_token_signing_alg_values_supported: [...algs],
    scopes_supported: [...new Set(providers.flatMap((p) => [...p.scopes]))],
    // Per-client requirements are not install-wide facts.
    ...("require_pushed_authorization_requests" in base ? { require_pushed_authorization_requests: false } : {}),
  };
}

/** Every key a global-mode provider may sign with (their own keys and the install's). */
export async function globalJwks(deps: Deps): Promise<{ keys: unknown[] }> {
  const byKid = new Map<string, unknown>();
  for (const p of await requireGlobal(deps)) {
    for (const k of (await jwks(deps, p)).keys as Array<{ kid?: string }>) byKid.set(k.kid ?? JSON.stringify(k), k);
  }
  return { keys: [...byKid.values()] };
}

/** The global-mode client an end-session request names (`client_id`, else the hint's `aud`). */
async function endSessionClient(deps: Deps, p: URLSearchParams): Promise<OAuth2Provider> {
  let clientId = p.get("client_id");
  const hint = p.get("id_token_hint");
  if (!clientId && hint) {
    try {
      const aud = decodeJwt(hint).aud; // only to find the client: endSession verifies the hint
      clientId = (Array.isArray(aud) ? aud[0] : aud) ?? null;
    } catch {
      throw new OAuthError("invalid_request", "Invalid id_token_hint.");
    }
  }
  const provider = clientId ? await providerByClientId(deps, clientId) : null;
  if (!provider || provider.settings.issuer_mode !== "global") {
    throw new OAuthError("invalid_request", "Name a client of the global issuer (client_id or id_token_hint).");
  }
  return provider;
}

const origin = (c: Context) => new URL(c.req.url).origin;

async function discovery(c: Context<AppEnv>): Promise<Response> {
  c.header("Access-Control-Allow-Origin", "*");
  return c.json(await globalMetadata(c.env, origin(c)));
}

/** Mounted at `/.well-known`: `openid-configuration` and RFC 8414 `oauth-authorization-server`. */
export function globalWellKnownRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  app.onError(renderOAuthJsonError);
  app.get("/openid-configuration", discovery);
  app.get("/oauth-authorization-server", discovery);
  return app;
}

/** Mounted at `/application/o` ahead of the per-provider routes. */
export function globalIssuerRoutes(): Hono<SessionEnv> {
  const app = new Hono<SessionEnv>({ strict: false });
  const json = new Hono<AppEnv>({ strict: false });
  json.onError(renderOAuthJsonError);
  json.get("/.well-known/openid-configuration", discovery);
  json.get("/jwks", async (c) => {
    c.header("Access-Control-Allow-Origin", "*");
    return c.json(await globalJwks(c.env));
  });
  const browser = new Hono<SessionEnv>({ strict: false });
  browser.onError((err, c) => renderOAuthPageError(err, c as unknown as Context<AppEnv>));
  browser.use("/end-session", session());
  browser.on(["GET", "POST"], "/end-session", async (c) => {
    const p = c.req.method === "POST" ? new URLSearchParams(await formText(c)) : new URL(c.req.url).searchParams;
    return endSession(c, await endSessionClient(c.env, p), p);
  });
  app.route("/", json as unknown as Hono<SessionEnv>);
  app.route("/", browser);
  return app;
}

async function formText(c: Context): Promise<string> {
  if (!/^application\/x-www-form-urlencoded\b/i.test(c.req.header("content-type") ?? "")) throw new OAuthError("invalid_request", "Expected a form-encoded body.");
  const text = await c.req.text();
  if (text.length > 65_536) throw new OAuthError("invalid_request", "Request body too large.");
  return text;
}
