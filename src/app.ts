import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "./http/env.js";
import { lazyRoutes } from "./http/lazy-routes.js";
import { envelope } from "./http/middleware/envelope.js";
import { outpostClientIp } from "./http/middleware/outpost-ip.js";
import { renderPageError } from "./http/render/errors.js";
import { flowCancelRoutes, flowExecutorRoutes } from "./http/routes/flows/executor.js";
import { flowPageRoutes } from "./http/routes/flows/pages.js";
import { healthRoutes } from "./http/routes/health.js";
import { staticRoutes } from "./http/routes/static.js";
import { webAssetRoutes, webUiRoutes } from "./http/routes/ui.js";
import { deviceRoutes } from "./protocols/oauth2/device-page.js";
import { oauth2MetadataRoutes, oauth2Routes } from "./protocols/oauth2/routes.js";
import { proxyOutpostApi } from "./protocols/proxy/routes.js";
import { globalIssuerRoutes, globalWellKnownRoutes } from "./protocols/oauth2/global.js";
import { webfingerRoutes } from "./protocols/oauth2/webfinger.js";
import { samlRoutes } from "./protocols/saml/routes.js";

/**
 * The whole HTTP surface as one Hono app, identical on Workers and Node. Dependencies arrive
 * per request as Hono bindings: `app.fetch(request, deps, executionCtx)`.
 */
export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  app.use("*", envelope());
  app.use("*", outpostClientIp());

  app.route("/-/health", healthRoutes());
  app.route("/static", staticRoutes());
  // Admin SPA and user portal (web/, built into static assets).
  app.route("/static/web", webAssetRoutes());
  app.route("/if/admin", webUiRoutes("admin"));
  app.route("/if/user", webUiRoutes("user"));

  // Flows authenticate by session cookie (+ CSRF), not API token: mounted ahead of the API.
  app.route("/api/v3/flows/executor", flowExecutorRoutes());
  app.route("/flows/-/cancel", flowCancelRoutes());
  app.route("/if/flow", flowPageRoutes());
  // OAuth2/OIDC at authentik's paths (DESIGN §6).
  // Global issuer mode (install-wide discovery, JWKS, end-session) and WebFinger: oauth2/global.ts.
  app.route("/application/o", globalIssuerRoutes());
  app.route("/application/o", oauth2Routes());
  app.route("/.well-known/oauth-authorization-server/application/o", oauth2MetadataRoutes());
  app.route("/.well-known", globalWellKnownRoutes());
  app.route("/.well-known/webfinger", webfingerRoutes());
  // RFC 8628 user code entry (authentik: `/device`).
  app.route("/device", deviceRoutes());
  // SAML 2.0 IdP at authentik's paths; its handlers load lazily.
  app.route("/application/saml", samlRoutes());

  // Proxy outposts' configuration and header-auth checks (own token auth; ahead of the API).
  app.route("/api/v3/outposts/proxy", proxyOutpostApi());
  // The admin API's ~40 resources (their zod schemas were about a third of the Worker's start-up
  // evaluation) are built on the first API request, not when an isolate starts (bench/bundle).
  const api = lazyRoutes("/api/v3", () => import("./http/routes/api/index.js").then((m) => m.apiV3Routes()));
  app.all("/api/v3", api);
  app.all("/api/v3/*", api);

  // authentik sends "/" to the user interface, which asks unauthenticated visitors to log in.
  app.get("/", (c) => c.redirect("/if/user/", 302));
  app.onError(renderPageError);
  app.notFound((c) => renderPageError(new HTTPException(404, { message: "This page does not exist." }), c));
  return app;
}
