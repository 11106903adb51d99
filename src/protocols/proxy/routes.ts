/**
 * The outpost-facing API for proxy providers (authentik's `/api/v3/outposts/proxy/`), mounted
 * at `/api/v3/outposts/proxy` ahead of the rest of the API with its own API token authentication
 * and problem+json errors; only outpost tokens pass.
 *
 *   GET  /outposts/proxy/                   the proxy providers this outpost serves (ETag / 304)
 *   POST /outposts/proxy/<pk>/check_access/ who is behind an access token or app password, and
 *                                           may they use the provider's application?
 *
 * The configuration carries the client secret and the cookie secret in clear (as authentik's
 * `ProxyOutpostConfig`): the outpost is the OAuth2 client and encrypts its session cookies.
 */
import { Hono, type Context } from "hono";
import * as z from "zod";
import { fromBase64Text, sha256Hex, timingSafeEqual } from "../../core/encoding.js";
import { NotFoundError, UnauthorizedError, ValidationError } from "../../core/errors.js";
import { parseTimedelta } from "../../flows/timedelta.js";
import type { AppEnv } from "../../http/env.js";
import { apiTokenAuth } from "../../http/middleware/api-auth.js";
import { renderApiError } from "../../http/render/errors.js";
import { clientIp } from "../../http/middleware/session.js";
import type { Provider } from "../../ports/outposts.js";
import type { User } from "../../ports/store.js";
import { requireOutpost } from "../ldap/routes.js";
import { paginate } from "../ldap/serialize.js";
import { scopeClaims, subjectOf } from "../oauth2/claims.js";
import { metadata } from "../oauth2/discovery.js";
import { CLIENT_SECRET_CONTEXT, parseProvider, type OAuth2Provider } from "../oauth2/settings.js";
import { providerKey } from "../oauth2/tokens.js";
import { COOKIE_SECRET_CONTEXT } from "./providers.js";
import { parseProxySettings, PROXY_PROVIDER_TYPE } from "./settings.js";

type Ctx = Context<AppEnv>;

/** Both views of a stored proxy provider; null (logged) when its settings are unusable. */
async function load(c: Ctx, record: Provider) {
  const oauth = parseProvider(c.env, await c.env.store.oauth2.providerByPk(record.pk));
  const proxy = parseProxySettings(record.settings);
  return oauth?.application ? { record, oauth, proxy, application: oauth.application } : null;
}

async function proxyConfig(c: Ctx, record: Provider) {
  const loaded = await load(c, record);
  if (!loaded) return null;
  const { oauth, proxy, application } = loaded;
  const origin = new URL(c.req.url).origin;
  const key = await providerKey(c.env, oauth);
  const cookieSecret = record.settings.cookie_secret;
  return {
    pk: record.pk,
    name: record.name,
    internal_host: proxy.internal_host,
    external_host: proxy.external_host,
    internal_host_ssl_validation: proxy.internal_host_ssl_validation,
    client_id: oauth.settings.client_id,
    client_secret: await c.env.keys.unwrapText(oauth.settings.client_secret, CLIENT_SECRET_CONTEXT),
    oidc_configuration: metadata(origin, oauth, key.alg),
    cookie_secret: typeof cookieSecret === "string" ? await c.env.keys.unwrapText(cookieSecret, COOKIE_SECRET_CONTEXT) : "",
    certificate: null,
    skip_path_regex: proxy.skip_path_regex,
    basic_auth_enabled: proxy.basic_auth_enabled,
    basic_auth_user_attribute: proxy.basic_auth_user_attribute,
    basic_auth_password_attribute: proxy.basic_auth_password_attribute,
    mode: proxy.mode,
    cookie_domain: proxy.cookie_domain,
    access_token_validity: parseTimedelta(proxy.access_token_validity) / 1000,
    intercept_header_auth: proxy.intercept_header_auth,
    scopes_to_request: ["openid", "email", "profile"].filter((s) => oauth.scopes.has(s)),
    assigned_application_slug: application.slug,
    assigned_application_name: application.name,
  };
}

const checkBody = z.object({ authorization: z.string().min(1).max(8192) });

/** The user behind `Authorization: Bearer <access token of this provider>` or `Basic <username:app password>`. */
async function headerUser(c: Ctx, oauth: OAuth2Provider, authorization: string): Promise<User | null> {
  const now = c.env.clock.now();
  const [scheme, value = ""] = authorization.trim().split(/\s+/, 2);
  if (/^bearer$/i.test(scheme ?? "")) {
    const row = await c.env.store.oauth2.accessTokenByHash(await sha256Hex(value));
    if (!row || row.revoked || row.expires <= now || row.providerPk !== oauth.pk || row.userPk === null) return null;
    return c.env.store.users.byPk(row.userPk);
  }
  if (/^basic$/i.test(scheme ?? "")) {
    const decoded = fromBase64Text(value);
    if (decoded === null) return null;
    const colon = decoded.indexOf(":");
    if (colon < 1) return null;
    const token = await c.env.store.tokens.byKey(decoded.slice(colon + 1), "app_password");
    if (!token || (token.expiring && token.expires && token.expires <= now)) return null;
    const user = await c.env.store.users.byPk(token.userPk);
    return user && timingSafeEqual(user.username, decoded.slice(0, colon)) ? user : null;
  }
  return null;
}

export function proxyOutpostRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });

  app.get("/", async (c) => {
    const outpost = await requireOutpost(c);
    const records = (await c.env.store.outposts.providersOf(outpost.pk)).filter((p) => p.type === PROXY_PROVIDER_TYPE);
    const results = [];
    for (const record of records) {
      const config = await proxyConfig(c, record).catch((err: Error) => {
        c.env.logger.error("invalid proxy provider", { provider: record.pk, error: err.message });
        return null;
      });
      if (config) results.push(config);
    }
    const body = JSON.stringify(paginate(results, 1, Math.max(1, results.length), results.length));
    const etag = `"${(await sha256Hex(body)).slice(0, 32)}"`;
    c.header("ETag", etag);
    c.header("Cache-Control", "no-store");
    if (c.req.header("if-none-match") === etag) return c.body(null, 304);
    return c.body(body, 200, { "Content-Type": "application/json" });
  });

  app.post("/:pk/check_access", async (c) => {
    const outpost = await requireOutpost(c);
    const pk = Number(c.req.param("pk"));
    const record = outpost.providerPks.includes(pk) ? await c.env.store.outposts.providerByPk(pk) : null;
    const loaded = record?.type === PROXY_PROVIDER_TYPE ? await load(c, record) : null;
    if (!loaded) throw new NotFoundError("No ProxyProvider matches the given query.");
    const parsed = checkBody.safeParse(await c.req.json().catch(() => null));
    if (!parsed.success) throw new ValidationError("Expected {\"authorization\": \"Bearer …\" | \"Basic …\"}.");
    const user = await headerUser(c, loaded.oauth, parsed.data.authorization);
    if (!user?.isActive) throw new UnauthorizedError("Invalid credentials.");
    const { application } = loaded;
    const url = new URL(c.req.url);
    const result = await c.env.policyEngine.evaluate(application.pk, {
      user,
      http: { ip: clientIp(c), userAgent: c.req.header("user-agent") ?? null, host: url.host, path: url.pathname },
      context: {},
      obj: { model: "authentik_core.application", pk: application.pk, name: application.name, slug: application.slug },
    });
    const claims = await scopeClaims(c.env, user, ["email", "profile"], loaded.oauth);
    return c.json({
      access: { passing: result.passing, messages: result.messages },
      user: {
        sub: await subjectOf(loaded.oauth, user),
        preferred_username: user.username,
        email: user.email,
        name: user.name,
        groups: claims.groups,
        attributes: user.attributes,
      },
    });
  });
  return app;
}

/** {@link proxyOutpostRoutes} behind API token authentication, for mounting at `/api/v3/outposts/proxy`. */
export function proxyOutpostApi(): Hono<AppEnv> {
  const api = new Hono<AppEnv>({ strict: false });
  api.onError(renderApiError);
  api.use("*", apiTokenAuth());
  api.route("/", proxyOutpostRoutes());
  return api;
}
