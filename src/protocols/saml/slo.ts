/**
 * SP-initiated single logout (SAML Profiles §4.4) at `/application/saml/<slug>/slo/binding/
 * {redirect,post}/`: the LogoutRequest is decoded and (with a verification certificate)
 * verified like an AuthnRequest, the browser's session ends, and a signed LogoutResponse goes to
 * the provider's SLS URL with its binding (a local page when the provider has none).
 */
import type { Context } from "hono";
import { currentUser, logoutSession, type SessionEnv } from "../../http/middleware/session.js";
import { recordEvent } from "../../services/events.js";
import { deliveryPage, prepare } from "./binding.js";
import { certificateOf, samlSigningKey } from "./keys.js";
import { STATUS } from "./namespaces.js";
import { providerBySlug } from "./provider.js";
import { checkDestination, decodeMessage, readLogoutRequest, verifyRequest, type Binding } from "./request.js";
import { logoutResponse, samlId } from "./response.js";

type Ctx = Context<SessionEnv>;

export async function sloBinding(c: Ctx, slug: string, binding: Binding, params: URLSearchParams): Promise<Response> {
  const deps = c.env;
  const provider = await providerBySlug(deps, slug);
  const url = new URL(c.req.url);
  const decoded = await decodeMessage(binding, params);
  const verified = await verifyRequest(binding, decoded, url.search, await certificateOf(deps, provider.settings.verification_kp));
  const req = readLogoutRequest(verified.doc);
  checkDestination(req.destination, c.req.url);
  const user = await currentUser(c);
  await logoutSession(c);
  if (user) await recordEvent(deps, { action: "logout", user, context: { provider: provider.pk, via: "saml-slo" } });
  c.header("Cache-Control", "no-store");
  const s = provider.settings;
  if (!s.sls_url) {
    return c.html(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Logged out</title></head><body style="font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto"><h1>You have been logged out</h1></body></html>`);
  }
  const key = await samlSigningKey(deps, s.signing_kp);
  const envelope = { id: samlId(deps.random.bytes(20)), issuer: s.issuer, now: deps.clock.now(), destination: s.sls_url, inResponseTo: req.id, status: STATUS.success };
  const xml = await logoutResponse(envelope, { settings: s, key, sign: s.sls_binding === "post" });
  const sign = s.sls_binding === "redirect" ? { key, algorithm: s.signature_algorithm } : null;
  return c.html(deliveryPage(await prepare(s.sls_url, s.sls_binding, "SAMLResponse", xml, decoded.relayState, sign)));
}

