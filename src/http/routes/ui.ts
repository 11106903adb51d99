/**
 * The web UIs: the admin SPA at `/if/admin/` and the user portal at `/if/user/` (DESIGN §6), built
 * from `web/` into static files (`npm run build`) and served through `Deps.assets` (Workers'
 * static assets binding, or files on disk on the Node host). Every path below a UI answers with
 * that UI's `index.html` (client-side routing), after the session check: visitors without a
 * session go to the authentication flow with `?next=` (like authentik), users without an admin
 * role go from the admin UI to the portal. Hashed JS/CSS live under `/static/web/assets/`.
 */
import { Hono, type Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { permissionsOf } from "../../api/rbac.js";
import type { Brand } from "../../ports/brands.js";
import type { AppEnv } from "../env.js";
import { ensureCsrfCookie } from "../middleware/csrf.js";
import { currentUser, session, type SessionEnv } from "../middleware/session.js";

export type WebUi = "admin" | "user";
/** Where the built files are served from (Vite's `base`). */
export const WEB_ASSET_PREFIX = "/static/web";
export const LOGIN_FLOW_URL = "/if/flow/default-authentication-flow/";

// The SPA talks to /api/v3 on this origin only; inline styles are the components' `style` props.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: https:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join("; ");

/**
 * Who may open the admin interface: superusers and holders of an admin role (read-only, user
 * admin, auditor …; the API enforces what each may do), through nested groups as the API does.
 */
async function mayAdminister(c: Context<SessionEnv>, userPk: number): Promise<boolean> {
  const permissions = permissionsOf(await c.env.store.policies.allGroupsOf(userPk));
  return permissions.superuser || permissions.patterns.length > 0;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/**
 * The request's brand (title, logo, favicon) in the page itself: the right title on first paint
 * and no extra API call. The SPA reads `<meta name="threshold-brand">`.
 */
function withBrand(html: string, brand: Brand | null): string {
  if (!brand) return html;
  const meta = JSON.stringify({ title: brand.brandingTitle, logo: brand.brandingLogo, favicon: brand.brandingFavicon });
  // authentik's default icons (`/static/dist/assets/…`) are not part of this build.
  const favicon = brand.brandingFavicon && !brand.brandingFavicon.startsWith("/static/dist/assets/") ? brand.brandingFavicon : "";
  const head = `<meta name="threshold-brand" content="${escapeHtml(meta)}" />` + (favicon ? `<link rel="icon" href="${escapeHtml(favicon)}" />` : "");
  // Replacer functions: a `$&` in a brand title must not act as a replacement pattern.
  return html.replace(/<title>[^<]*<\/title>/, () => `<title>${escapeHtml(brand.brandingTitle)}</title>`).replace("</head>", () => `${head}</head>`);
}

/** Mounted at `/if/admin` or `/if/user`. */
export function webUiRoutes(ui: WebUi): Hono<SessionEnv> {
  const app = new Hono<SessionEnv>({ strict: false });
  app.use("*", session());
  app.get("*", async (c) => {
    const url = new URL(c.req.url);
    const base = `/if/${ui}/`;
    if (url.pathname === base.slice(0, -1)) return c.redirect(base + url.search, 301);
    const user = await currentUser(c);
    if (!user) return c.redirect(`${LOGIN_FLOW_URL}?next=${encodeURIComponent(url.pathname + url.search)}`, 302);
    if (ui === "admin" && !(await mayAdminister(c, user.pk))) return c.redirect("/if/user/", 302);
    const [index, brand] = await Promise.all([
      c.env.assets?.fetch(new Request(new URL(`${WEB_ASSET_PREFIX}/${ui}.html`, url))),
      c.env.store.brands.forHost(url.host),
    ]);
    if (!index?.ok) {
      throw new HTTPException(503, { message: "The web interface has not been built: run `npm run build`." });
    }
    ensureCsrfCookie(c);
    c.header("Cache-Control", "no-store");
    c.header("X-Frame-Options", "DENY");
    c.header("Content-Security-Policy", CSP);
    return c.html(withBrand(await index.text(), brand));
  });
  return app;
}

/**
 * `/static/web/*`: the built files. On Workers the assets service answers these before the Worker
 * runs (and `_headers` marks `assets/` immutable); this route serves them on the Node host.
 */
export function webAssetRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  app.on(["GET", "HEAD"], "*", async (c) => {
    const res = await c.env.assets?.fetch(c.req.raw);
    if (!res || res.status === 404) return c.notFound();
    return res;
  });
  return app;
}
