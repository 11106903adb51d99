/**
 * RP-initiated logout (OIDC RP-Initiated Logout 1.0) at `/application/o/<slug>/end-session/`.
 * `post_logout_redirect_uri` is followed only when it is registered for the provider and the
 * request names the client (`id_token_hint` signed by us for this client, or `client_id`);
 * anything else ends on a local page. The browser session is logged out either way, and the
 * clients it logged into are told (back-channel and front-channel logout, logout-channels.ts).
 */
import type { Context } from "hono";
import { createLocalJWKSet, jwtVerify } from "jose";
import { OAuthError } from "../../core/errors.js";
import { currentUser, logoutSession, type SessionEnv } from "../../http/middleware/session.js";
import { recordEvent } from "../../services/events.js";
import { redirectUriAllowed } from "./authorize.js";
import { jwks } from "./discovery.js";
import { fanOutLogout, sessionSid } from "./logout-channels.js";
import { issuerOf } from "./provider.js";
import type { OAuth2Provider } from "./settings.js";

type Ctx = Context<SessionEnv>;

async function hintedClient(c: Ctx, provider: OAuth2Provider, hint: string): Promise<string> {
  const origin = new URL(c.req.url).origin;
  try {
    const set = createLocalJWKSet((await jwks(c.env, provider)) as Parameters<typeof createLocalJWKSet>[0]);
    // Expired hints are fine (the user may come back long after login); the signature is not.
    const { payload } = await jwtVerify(hint, set, { issuer: issuerOf(origin, provider), currentDate: new Date(0) });
    const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!aud.includes(provider.settings.client_id)) throw new Error("audience");
    return provider.settings.client_id;
  } catch {
    throw new OAuthError("invalid_request", "Invalid id_token_hint.");
  }
}

export async function endSession(c: Ctx, provider: OAuth2Provider, p: URLSearchParams): Promise<Response> {
  const hint = p.get("id_token_hint");
  const clientId = p.get("client_id");
  const target = p.get("post_logout_redirect_uri");
  const state = p.get("state");
  const hinted = hint ? await hintedClient(c, provider, hint) : null;
  if (clientId && clientId !== provider.settings.client_id) throw new OAuthError("invalid_request", "Unknown client_id.");
  let redirect: string | null = null;
  if (target) {
    let ok = false;
    try {
      ok = new URL(target).protocol !== "javascript:" && !!(hinted ?? clientId) && redirectUriAllowed(provider, target, "logout");
    } catch {
      ok = false;
    }
    if (!ok) throw new OAuthError("invalid_request", "post_logout_redirect_uri is not registered for this client.");
    const url = new URL(target);
    if (state) url.searchParams.set("state", state);
    redirect = url.toString();
  }
  const user = await currentUser(c);
  const keyHash = c.var.session.keyHash;
  // Front-channel iframes are rendered here; back-channel deliveries are enqueued by
  // logoutSession, as for every other way a session ends (logout-channels.ts).
  const origin = new URL(c.req.url).origin;
  const frames = user && keyHash ? await fanOutLogout(c.env, await sessionSid(keyHash), (p) => issuerOf(origin, p), { backchannel: false }) : [];
  await logoutSession(c);
  await recordEvent(c.env, { action: "logout", user, context: { provider: provider.pk, via: "end-session" } });
  c.header("Cache-Control", "no-store");
  if (redirect && frames.length === 0) return c.redirect(redirect, 302);
  return c.html(loggedOutPage(frames, redirect));
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/**
 * The end of an end-session: front-channel logout iframes (OIDC Front-Channel Logout 1.0 §3),
 * then the validated `post_logout_redirect_uri` once they have loaded (or after 5 s; without
 * JavaScript, a meta refresh).
 */
function loggedOutPage(frames: string[], redirect: string | null): string {
  const iframes = frames.map((f) => `<iframe src="${escapeHtml(f)}" style="display:none" title="logout"></iframe>`).join("");
  const next = redirect ? escapeHtml(redirect) : null;
  const refresh = next ? `<meta http-equiv="refresh" content="5;url=${next}">` : "";
  const script = next
    ? `<script>(function(){var n=${JSON.stringify(redirect).replace(/</g, "\\u003c")},f=document.querySelectorAll("iframe"),left=f.length,go=function(){location.replace(n)};f.forEach(function(e){e.addEventListener("load",function(){if(--left<=0)go()})});if(!left)go();setTimeout(go,5000)})();</script>`
    : "";
  const body = next ? `<p>Signing you out of connected applications…</p><p><a href="${next}">Continue</a></p>` : "";
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Logged out</title>${refresh}</head><body style="font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto"><h1>You have been logged out</h1>${body}${iframes}${script}</body></html>`;
}
