/**
 * Flow pages at `/if/flow/<slug>/` (DESIGN §5): the same executor as the JSON API, rendered on
 * the server as plain HTML forms, so they work without JavaScript (WebAuthn aside). A POST is
 * answered with a redirect to the same URL when the stage accepted it (post/redirect/get), or
 * with the page and its errors when it did not. The page's own query string is the flow's
 * original query (`?next=…`, `?flow_token=…`), as in authentik.
 */
import { Hono, type Context } from "hono";
import { getCookie } from "hono/cookie";
import { timingSafeEqual } from "../../../core/encoding.js";
import { ForbiddenError, NotFoundError } from "../../../core/errors.js";
import { currentChallenge, submitChallenge } from "../../../flows/executor.js";
import { ensureCsrfCookie, CSRF_COOKIE } from "../../middleware/csrf.js";
import { session, type SessionEnv } from "../../middleware/session.js";
import type { AppEnv } from "../../env.js";
import { DEFAULT_BRAND, type PageBrand } from "../../pages/flow/layout.js";
import { renderFlowPage } from "../../pages/flow/page.js";
import { formToResponse, parseWebAuthnFields } from "../../pages/flow/form-data.js";
import type { Challenge } from "../../pages/flow/fields.js";
import { renderPageError } from "../../render/errors.js";
import { executorIO } from "./executor.js";

type Ctx = Context<SessionEnv>;

async function brandFor(c: Ctx): Promise<PageBrand> {
  const brand = await c.env.store.brands.forHost(new URL(c.req.url).host);
  if (!brand) return DEFAULT_BRAND;
  return { title: brand.brandingTitle, logo: brand.brandingLogo, favicon: brand.brandingFavicon, customCss: brand.brandingCustomCss };
}

function selfUrl(c: Ctx): string {
  const url = new URL(c.req.url);
  return url.pathname + url.search;
}

async function page(c: Ctx, challenge: Challenge, status: number): Promise<Response> {
  c.header("Cache-Control", "no-store");
  // Flow pages must never be framed by another site (clickjacking on credentials). No form-action:
  // Chromium applies it to the redirect after a POST, and flows legitimately end on other sites.
  c.header("X-Frame-Options", "DENY");
  c.header("Content-Security-Policy", "frame-ancestors 'none'; base-uri 'none'; object-src 'none'");
  const html = renderFlowPage({ challenge, brand: await brandFor(c), action: selfUrl(c), csrfToken: ensureCsrfCookie(c) });
  return c.html(html, status as 200);
}

/** The challenge a reply carries, or a redirect response when the flow says to go elsewhere. */
function asRedirect(c: Ctx, body: Challenge, status: 302 | 303): Response | null {
  if (body.component === "xak-flow-redirect" && typeof body.to === "string") return c.redirect(body.to, status);
  return null;
}

export function flowPageRoutes(): Hono<SessionEnv> {
  const app = new Hono<SessionEnv>({ strict: false });
  app.onError((err, c) => renderPageError(err, c as unknown as Context<AppEnv>));
  app.use("*", session());

  app.get("/:slug", async (c) => {
    const query = new URL(c.req.url).searchParams;
    const reply = await currentChallenge(executorIO(c), c.req.param("slug"), query);
    if (reply.status === 404) throw new NotFoundError("This flow does not exist.");
    const body = reply.body as Challenge;
    return asRedirect(c, body, 302) ?? page(c, body, reply.status === 200 ? 200 : reply.status);
  });

  app.post("/:slug", async (c) => {
    const form = await c.req.parseBody({ all: true }).catch(() => ({}) as Record<string, string>);
    const sent = typeof form.csrfmiddlewaretoken === "string" ? form.csrfmiddlewaretoken : "";
    const cookie = getCookie(c, CSRF_COOKIE) ?? "";
    if (!cookie || !sent || !timingSafeEqual(cookie, sent)) {
      throw new ForbiddenError("The form has expired or was sent from another site. Please go back and try again.");
    }
    const query = new URL(c.req.url).searchParams;
    const reply = await submitChallenge(executorIO(c), c.req.param("slug"), query, parseWebAuthnFields(formToResponse(form)));
    if (reply.status === 404) throw new NotFoundError("This flow does not exist.");
    const body = reply.body as Challenge;
    const redirect = asRedirect(c, body, 303);
    if (redirect) return redirect;
    const errors = body.response_errors && Object.keys(body.response_errors).length > 0;
    // Accepted: show the next stage through a GET, so reloading never re-submits the form.
    if (!errors && reply.status === 200) return c.redirect(selfUrl(c), 303);
    return page(c, body, reply.status === 200 ? 200 : reply.status);
  });
  return app;
}
