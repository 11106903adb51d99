/**
 * The login round trip (authentik's `/outpost.goauthentik.io/start`, `/callback`, `/sign_out`):
 * an authorization code flow with PKCE and nonce against the edge issuer, the state in a
 * short-lived encrypted cookie, the session in another. A copy of a signed-out session cookie
 * is refused until it expires.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import * as oidc from "openid-client";
import type { Logger } from "../log.js";
import { OUTPOST_PATH, type ProxyApplication } from "./application.js";
import type { Authenticator } from "./identity.js";
import { chunkedCookies, parseCookies, seal, serializeCookie, unseal, type SessionCookie, type SignedOut } from "./session.js";

const STATE_TTL_S = 600;

interface LoginState {
  state: string;
  nonce: string;
  verifier: string;
  rd: string;
}

const cookieOpts = (app: ProxyApplication, maxAge: number) => ({ maxAge, secure: app.secure, domain: app.cookieDomain || undefined });

export function page(res: ServerResponse, status: number, title: string, text: string): void {
  const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
  res.writeHead(status, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title></head><body style="font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto"><h1>${esc(title)}</h1><p>${esc(text)}</p></body></html>`);
}

/** Where an unauthenticated browser goes: `/start` on the provider's external host, back to `rd` afterwards. */
export function startUrl(app: ProxyApplication, rd: string): string {
  const u = new URL(`${app.config.external_host.replace(/\/+$/, "")}${OUTPOST_PATH}/start`);
  u.searchParams.set("rd", rd);
  return u.href;
}

export async function start(app: ProxyApplication, url: URL, res: ServerResponse): Promise<void> {
  const st: LoginState = {
    state: oidc.randomState(),
    nonce: oidc.randomNonce(),
    verifier: oidc.randomPKCECodeVerifier(),
    rd: app.safeRedirect(url.searchParams.get("rd")),
  };
  const authorize = oidc.buildAuthorizationUrl(app.oidc, {
    redirect_uri: app.callbackUrl,
    scope: app.config.scopes_to_request.join(" ") || "openid",
    state: st.state,
    nonce: st.nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(st.verifier),
    code_challenge_method: "S256",
  });
  const value = await seal({ ...st }, app.stateKey, Math.floor(Date.now() / 1000) + STATE_TTL_S);
  res.writeHead(302, {
    Location: app.browserUrl(authorize.href).href,
    "Set-Cookie": serializeCookie(app.stateCookie, value, cookieOpts(app, STATE_TTL_S)),
    "Cache-Control": "no-store",
  });
  res.end();
}

export async function callback(app: ProxyApplication, req: IncomingMessage, url: URL, res: ServerResponse, log: Logger): Promise<void> {
  const st = await unseal<LoginState>(parseCookies(req.headers.cookie).get(app.stateCookie), app.stateKey);
  if (!st) return page(res, 400, "Login expired", "The login took too long or started elsewhere. Open the application again.");
  const clearState = serializeCookie(app.stateCookie, "", cookieOpts(app, 0));
  let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
  try {
    const current = new URL(app.callbackUrl);
    current.search = url.search;
    tokens = await oidc.authorizationCodeGrant(app.oidc, current, { expectedState: st.state, expectedNonce: st.nonce, pkceCodeVerifier: st.verifier });
  } catch (err) {
    res.setHeader("Set-Cookie", clearState);
    if (err instanceof oidc.AuthorizationResponseError && err.error === "access_denied") {
      return page(res, 403, "Access denied", "You may not use this application.");
    }
    log.warn("login callback failed", { provider: app.config.name, error: (err as Error).message });
    return page(res, 400, "Login failed", "The login could not be completed. Open the application again.");
  }
  if (!tokens.id_token) return page(res, 400, "Login failed", "The identity provider sent no ID token.");
  const exp = Math.floor(Date.now() / 1000) + Math.max(60, Math.floor(app.config.access_token_validity));
  const cookie: SessionCookie = { sid: randomBytes(16).toString("base64url"), jwt: tokens.id_token };
  const value = await seal({ ...cookie }, app.sessionKey, exp);
  log.info("login", { provider: app.config.name, username: tokens.claims()?.preferred_username });
  res.writeHead(302, {
    Location: st.rd,
    "Set-Cookie": [clearState, ...chunkedCookies(app.sessionCookie, value, cookieOpts(app, exp - Math.floor(Date.now() / 1000)), parseCookies(req.headers.cookie))],
    "Cache-Control": "no-store",
  });
  res.end();
}

export async function signOut(app: ProxyApplication, req: IncomingMessage, res: ServerResponse, auth: Authenticator, signedOut: SignedOut): Promise<void> {
  const session = await auth.session(app, req.headers);
  if (session) signedOut.add(session.sid, session.exp);
  // Ends the issuer's browser session too (RP-initiated logout), which shows its logged-out page.
  // client_id names the client; no id_token_hint, whose issuer is THRESHOLD_HOST's and may differ
  // from the browser-facing host.
  const end = app.browserUrl(app.config.oidc_configuration.end_session_endpoint);
  end.searchParams.set("client_id", app.config.client_id);
  res.writeHead(302, {
    Location: end.href,
    "Set-Cookie": chunkedCookies(app.sessionCookie, "", cookieOpts(app, 0), parseCookies(req.headers.cookie)),
    "Cache-Control": "no-store",
  });
  res.end();
}
