/**
 * The outpost-facing API for LDAP (authentik's `/api/v3/outposts/…`). Mounted inside `/api/v3`
 * behind API authentication; these routes additionally require the token to be an outpost's.
 * The directory the outpost searches is the admin API's `core/users` and `core/groups`.
 *
 *   GET /outposts/instances/                        this outpost
 *   GET /outposts/ldap/                             LDAP providers it serves (ETag / 304)
 *   GET /outposts/ldap/<pk>/check_access/?app_slug= may the session's user use the application?
 */
import { Hono, type Context } from "hono";
import { getCookie } from "hono/cookie";
import { sha256Hex } from "../../core/encoding.js";
import { ForbiddenError, NotFoundError, UnauthorizedError } from "../../core/errors.js";
import type { AppEnv } from "../../http/env.js";
import { clientIp, SESSION_COOKIE } from "../../http/middleware/session.js";
import type { DirectoryGroup, Outpost, Provider } from "../../ports/outposts.js";
import type { User } from "../../ports/store.js";
import { paginate, serializeLdapConfig, serializeOutpost, serializeUser } from "./serialize.js";
import { LDAP_PROVIDER_TYPE, parseLdapSettings } from "./settings.js";

type Ctx = Context<AppEnv>;

const MAX_PAGE_SIZE = 1000;

/** The outpost whose token authenticated this request, or null for other API tokens. */
async function outpostOf(c: Ctx): Promise<Outpost | null> {
  const key = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "")?.[1];
  if (!key) return null;
  const token = await c.env.store.tokens.byKey(key, "api");
  return token ? c.env.store.outposts.byTokenPk(token.pk) : null;
}

/** The outpost whose token authenticated this request; 403 for any other token. */
export async function requireOutpost(c: Ctx): Promise<Outpost> {
  const outpost = await outpostOf(c);
  if (!outpost) throw new ForbiddenError("You do not have permission to perform this action.");
  return outpost;
}

/** Every group (parents and superuser flags are needed for each listed user). */
async function allGroups(c: Ctx): Promise<DirectoryGroup[]> {
  const out: DirectoryGroup[] = [];
  for (let page = 1; ; page++) {
    const { items, count } = await c.env.store.outposts.listGroups({ page, pageSize: MAX_PAGE_SIZE });
    out.push(...items);
    if (out.length >= count || items.length === 0) return out;
  }
}

/** The user of the authenticated session cookie (the outpost's cookie jar after a bind flow). */
async function sessionUser(c: Ctx): Promise<User | null> {
  const key = getCookie(c, SESSION_COOKIE);
  if (!key) return null;
  const session = await c.env.store.sessions.byKeyHash(await sha256Hex(key));
  if (!session || session.expires <= c.env.clock.now()) return null;
  const user = await c.env.store.users.byPk(session.userPk);
  return user?.isActive ? user : null;
}

async function ldapConfig(c: Ctx, provider: Provider) {
  const flows = c.env.store.flows;
  const bindFlow = provider.authenticationFlowPk
    ? await flows.byPk(provider.authenticationFlowPk)
    : ((await flows.bySlug("default-authentication-flow")) ?? (await flows.firstByDesignation("authentication")));
  const unbindFlow = provider.invalidationFlowPk ? await flows.byPk(provider.invalidationFlowPk) : null;
  const app = await c.env.store.outposts.applicationOfProvider(provider.pk);
  return serializeLdapConfig(provider, parseLdapSettings(provider.settings), {
    bindFlowSlug: bindFlow?.slug ?? null,
    unbindFlowSlug: unbindFlow?.slug ?? null,
    applicationSlug: app?.slug ?? null,
  });
}

async function servedLdapProvider(c: Ctx, pkText: string): Promise<Provider> {
  const outpost = await requireOutpost(c);
  const pk = Number(pkText);
  const provider = outpost.providerPks.includes(pk) ? await c.env.store.outposts.providerByPk(pk) : null;
  if (!provider || provider.type !== LDAP_PROVIDER_TYPE) throw new NotFoundError("No LDAPProvider matches the given query.");
  return provider;
}

export function outpostRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });

  app.get("/instances", async (c) => {
    const outpost = await requireOutpost(c);
    return c.json(paginate([serializeOutpost(outpost)], 1, 1, 1));
  });

  app.get("/ldap", async (c) => {
    const outpost = await requireOutpost(c);
    const providers = (await c.env.store.outposts.providersOf(outpost.pk)).filter((p) => p.type === LDAP_PROVIDER_TYPE);
    const results = await Promise.all(providers.map((p) => ldapConfig(c, p)));
    const body = JSON.stringify(paginate(results, 1, Math.max(1, results.length), results.length));
    // The outpost polls; an unchanged configuration costs a 304 and no parsing.
    const etag = `"${(await sha256Hex(body)).slice(0, 32)}"`;
    c.header("ETag", etag);
    c.header("Cache-Control", "no-cache");
    if (c.req.header("if-none-match") === etag) return c.body(null, 304);
    return c.body(body, 200, { "Content-Type": "application/json" });
  });

  app.get("/ldap/:pk/check_access", async (c) => {
    const provider = await servedLdapProvider(c, c.req.param("pk"));
    const user = await sessionUser(c);
    if (!user) throw new UnauthorizedError("No authenticated session: run the bind flow first.");
    const application = await c.env.store.outposts.applicationOfProvider(provider.pk);
    const slug = c.req.query("app_slug");
    if (!application || (slug && slug !== application.slug)) throw new NotFoundError("No Application matches the given query.");
    const url = new URL(c.req.url);
    const result = await c.env.policyEngine.evaluate(application.pk, {
      user,
      http: { ip: clientIp(c), userAgent: c.req.header("user-agent") ?? null, host: url.host, path: url.pathname },
      context: {},
      obj: { model: "authentik_core.application", pk: application.pk, name: application.name, slug: application.slug },
    });
    const settings = parseLdapSettings(provider.settings);
    const groups = settings.search_group ? await c.env.store.policies.allGroupsOf(user.pk) : [];
    const groupPks = (await c.env.store.groups.groupsOf(user.pk)).map((g) => g.pk);
    const all = await allGroups(c);
    const parents = new Map(all.map((g) => [g.pk, g.parentPks]));
    const superuser = new Set(all.filter((g) => g.isSuperuser).map((g) => g.pk));
    return c.json({
      access: { passing: result.passing, messages: result.messages },
      has_search_permission: groups.some((g) => g.pk === settings.search_group),
      user: await serializeUser({ ...user, groupPks }, superuser, parents),
    });
  });
  return app;
}

