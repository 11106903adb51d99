/**
 * WebFinger (RFC 7033) for OpenID Connect issuer discovery (OIDC Discovery §2) at
 * `/.well-known/webfinger`. authentik answers for its brand's default application; Threshold has
 * no default application on brands yet, so it answers with the global issuer when a provider uses
 * it (one issuer for all of them: the answer is never ambiguous). Otherwise, as authentik, `{}`.
 * Departure: the link is the provider's real issuer (`<origin>/` in global mode), where authentik
 * always links the per-provider root.
 */
import { Hono } from "hono";
import { OAuthError } from "../../core/errors.js";
import type { AppEnv } from "../../http/env.js";
import { globalProviders } from "./global.js";
import { renderOAuthJsonError } from "./render.js";

export const ISSUER_REL = "http://openid.net/specs/connect/1.0/issuer";

/** Mounted at `/.well-known/webfinger`. */
export function webfingerRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  app.onError(renderOAuthJsonError);
  app.get("/", async (c) => {
    const url = new URL(c.req.url);
    const resource = url.searchParams.get("resource");
    // RFC 7033 §4.2: a request without a resource is malformed.
    if (!resource || resource.length > 2048) throw new OAuthError("invalid_request", "Missing or oversized 'resource'.");
    const rels = url.searchParams.getAll("rel");
    const hasGlobal = (await globalProviders(c.env)).length > 0;
    const links = hasGlobal && (rels.length === 0 || rels.includes(ISSUER_REL)) ? [{ rel: ISSUER_REL, href: `${url.origin}/` }] : [];
    const body = hasGlobal ? { subject: resource, links } : {};
    return c.body(JSON.stringify(body), 200, { "Content-Type": "application/jrd+json", "Access-Control-Allow-Origin": "*" });
  });
  return app;
}
