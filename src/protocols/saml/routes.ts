/**
 * SAML 2.0 IdP routes at authentik's paths (DESIGN §6), mounted at `/application/saml`:
 * `<slug>/sso/binding/{redirect,post,init}/`, `<slug>/slo/binding/{redirect,post}/`,
 * `<slug>/metadata/`, plus our continuation pages `<slug>/sso/resume/<id>/` and
 * `<slug>/sso/response/<id>/`. This module is small: the handlers are imported on first use.
 * Errors are HTML pages at our origin (a request that failed validation is never answered at
 * an SP URL); unexpected errors are logged and shown with the request id only.
 */
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { registerFulfilment } from "../../flows/fulfilment.js";
import type { AppEnv } from "../../http/env.js";
import { session, type SessionEnv } from "../../http/middleware/session.js";
import { renderPageError } from "../../http/render/errors.js";
import { SamlRequestError } from "./errors.js";

const handlers = () => import("./handlers.js");

// Registered eagerly (the executor may run the step in an isolate that never served SSO).
registerFulfilment("saml", async (ctx) => (await handlers()).fulfil(ctx));

const asApp = (c: Context) => c as unknown as Context<AppEnv>;

/** Mounted at `/application/saml`. */
export function samlRoutes(): Hono<SessionEnv> {
  const app = new Hono<SessionEnv>({ strict: false });
  app.onError((err, c) => renderPageError(err, asApp(c)));
  app.get("/:slug/metadata", async (c) => {
    const h = await handlers();
    const provider = await h.providerBySlug(c.env, c.req.param("slug"));
    const xml = await h.idpMetadata(c.env, new URL(c.req.url).origin, provider);
    const headers: Record<string, string> = { "Content-Type": "application/xml; charset=utf-8" };
    if (c.req.query("download") !== undefined) headers["Content-Disposition"] = `attachment; filename="${c.req.param("slug")}_saml_metadata.xml"`;
    return c.body(xml, 200, headers);
  });
  app.use("*", session());
  // Bounded while reading, chunked bodies included (the handlers check sizes again after decoding).
  app.on("POST", "*", bodyLimit({ maxSize: 256 * 1024, onError: (c) => renderPageError(new SamlRequestError("The SAML message is too large.", 413), asApp(c)) }));
  app.get("/:slug/sso/binding/redirect", async (c) => (await handlers()).ssoBinding(c, c.req.param("slug"), "redirect"));
  app.post("/:slug/sso/binding/post", async (c) => (await handlers()).ssoBinding(c, c.req.param("slug"), "post"));
  app.get("/:slug/sso/binding/init", async (c) => (await handlers()).ssoInit(c, c.req.param("slug")));
  app.get("/:slug/sso/resume/:id", async (c) => (await handlers()).ssoResume(c, c.req.param("slug"), c.req.param("id")));
  app.get("/:slug/sso/response/:id", async (c) => (await handlers()).storedResponse(c, c.req.param("id")));
  app.get("/:slug/slo/binding/redirect", async (c) => (await handlers()).sloBinding(c, c.req.param("slug"), "redirect", new URL(c.req.url).searchParams));
  app.post("/:slug/slo/binding/post", async (c) => {
    const h = await handlers();
    return h.sloBinding(c, c.req.param("slug"), "post", await h.formParams(c));
  });
  return app;
}
