/**
 * The user side of the device authorization grant (RFC 8628 §3.3) at `/device` (authentik's
 * path; `?code=` pre-fills the code from `verification_uri_complete`). The user logs in first
 * (the brand's authentication flow), runs the brand's device code flow when one is configured
 * (authentik's `flow_device_code`), enters or confirms the code, and then goes through the
 * provider's authorization flow (consent is a stage), whose fulfilment step approves the device.
 * The code is always confirmed with a POST (CSRF double submit), so a link alone never approves
 * a device. Wrong codes are counted per client IP (brute force of the 8-letter code).
 */
import { Hono, type Context } from "hono";
import { getCookie } from "hono/cookie";
import { sha256Hex, timingSafeEqual } from "../../core/encoding.js";
import { ForbiddenError } from "../../core/errors.js";
import { fulfilmentBinding, registerFulfilment } from "../../flows/fulfilment.js";
import { CTX, savePlan } from "../../flows/plan.js";
import { planFlow, policyRequest } from "../../flows/planner.js";
import type { AppEnv } from "../../http/env.js";
import { CSRF_COOKIE, ensureCsrfCookie } from "../../http/middleware/csrf.js";
import { clientIp, currentUser, session, setSessionFlow, type SessionEnv } from "../../http/middleware/session.js";
import { DEFAULT_BRAND, FlowLayout, type PageBrand } from "../../http/pages/flow/layout.js";
import { renderPageError } from "../../http/render/errors.js";
import { recordEvent } from "../../services/events.js";
import { loginAmr, scopePermissions } from "./claims.js";
import { formatUserCode, grantByUserCode, normaliseUserCode, settleDeviceGrant } from "./device.js";
import type { User } from "../../ports/store.js";
import { parseProvider } from "./settings.js";

type Ctx = Context<SessionEnv>;

/** Plan context key: the device code hash the authorization flow is approving. */
export const DEVICE_CTX = "goauthentik.io/providers/oauth2/device_code";
/** Plan context key: the code to come back with after the brand's device code flow. */
const ENTRY_CODE_CTX = "goauthentik.io/providers/oauth2/device_entry_code";
/** The user completed the brand's device code flow recently (cache key by user pk). */
const ENTRY_PREFIX = "oauth2:device-entry:";
const ENTRY_TTL_S = 600;
const MAX_FAILURES = 10;
const FAILURE_WINDOW_S = 600;

async function brandOf(c: Ctx): Promise<{ page: PageBrand; authFlow: string | null; deviceFlow: string | null }> {
  const brand = await c.env.store.brands.forHost(new URL(c.req.url).host);
  if (!brand) return { page: DEFAULT_BRAND, authFlow: null, deviceFlow: null };
  return {
    page: { title: brand.brandingTitle, logo: brand.brandingLogo, favicon: brand.brandingFavicon, customCss: brand.brandingCustomCss },
    authFlow: brand.flowAuthentication,
    deviceFlow: brand.flowDeviceCode,
  };
}

function requestOf(c: Ctx) {
  const url = new URL(c.req.url);
  const deps = c.env;
  return { ip: clientIp(c), country: deps.client?.country ?? null, asn: deps.client?.asn ?? null, userAgent: c.req.header("user-agent") ?? null, host: url.host, path: url.pathname, method: c.req.method };
}

/**
 * authentik's `flow_device_code`: the brand's flow runs before the code is entered. Returns the
 * redirect into it, or null when there is none or this user has completed it recently.
 */
async function brandDeviceFlow(c: Ctx, user: User, code: string | null): Promise<Response | null> {
  const deps = c.env;
  const { deviceFlow } = await brandOf(c);
  if (!deviceFlow || (await deps.cache.get(ENTRY_PREFIX + user.pk))) return null;
  const flow = await deps.store.flows.byPk(deviceFlow);
  if (!flow) return null;
  const planned = await planFlow({ deps, flow, user, request: requestOf(c), context: { [ENTRY_CODE_CTX]: code } });
  if (!planned.ok) return render(c, { title: "Access denied", message: "You may not authorize devices." }, 403);
  if (planned.plan.bindings.length === 0) {
    await deps.cache.set(ENTRY_PREFIX + user.pk, 1, ENTRY_TTL_S);
    return null;
  }
  planned.plan.bindings.push(fulfilmentBinding("oauth2-device-entry"));
  const id = deps.random.token(32);
  await savePlan(deps.cache, id, planned.plan);
  await setSessionFlow(c, flow.slug, id);
  return c.redirect(`/if/flow/${encodeURIComponent(flow.slug)}/`, 302);
}

function pageHeaders(c: Ctx): void {
  c.header("Cache-Control", "no-store");
  c.header("X-Frame-Options", "DENY");
  c.header("Content-Security-Policy", "frame-ancestors 'none'; base-uri 'none'; object-src 'none'");
}

async function render(c: Ctx, body: { title: string; code?: string; error?: string; message?: string }, status = 200): Promise<Response> {
  pageHeaders(c);
  const { page } = await brandOf(c);
  const csrf = ensureCsrfCookie(c);
  const html = (
    <FlowLayout brand={page} info={{ title: body.title }} title={body.title}>
      <h1>{body.title}</h1>
      {body.message ? <p>{body.message}</p> : null}
      {body.code !== undefined ? (
        <form method="post" action="/device">
          <input type="hidden" name="csrfmiddlewaretoken" value={csrf} />
          {body.error ? <div class="alert" role="alert">{body.error}</div> : null}
          <label for="code">Code shown on your device</label>
          <input type="text" id="code" name="code" value={body.code} autocomplete="one-time-code" autocapitalize="characters" required autofocus />
          <button type="submit">Continue</button>
        </form>
      ) : null}
    </FlowLayout>
  );
  return c.html(`<!doctype html>${html}`, status as 200);
}

async function loginFirst(c: Ctx, code: string | null): Promise<Response> {
  const { authFlow } = await brandOf(c);
  const flow = authFlow ? await c.env.store.flows.byPk(authFlow) : null;
  const next = code ? `/device?${new URLSearchParams({ code })}` : "/device";
  return c.redirect(`/if/flow/${encodeURIComponent(flow?.slug ?? "default-authentication-flow")}/?${new URLSearchParams({ next })}`, 302);
}

async function enter(c: Ctx): Promise<Response> {
  const code = c.req.query("code") ?? null;
  const user = await currentUser(c);
  if (!user) return loginFirst(c, code);
  const first = await brandDeviceFlow(c, user, code ? code.slice(0, 16) : null);
  if (first) return first;
  return render(c, { title: "Device login", message: "Enter the code shown on your device.", code: code ? code.slice(0, 16) : "" });
}

async function submit(c: Ctx): Promise<Response> {
  const deps = c.env;
  const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const sent = typeof form.csrfmiddlewaretoken === "string" ? form.csrfmiddlewaretoken : "";
  const cookie = getCookie(c, CSRF_COOKIE) ?? "";
  if (!cookie || !sent || !timingSafeEqual(cookie, sent)) throw new ForbiddenError("The form has expired or was sent from another site. Please go back and try again.");
  const typed = typeof form.code === "string" ? form.code.slice(0, 64) : "";
  const user = await currentUser(c);
  if (!user) return loginFirst(c, typed || null);
  const first = await brandDeviceFlow(c, user, typed.slice(0, 16) || null);
  if (first) return first;

  const failures = `oauth2:device-fail:${clientIp(c) ?? "unknown"}`;
  if (Number((await deps.cache.get(failures)) ?? 0) >= MAX_FAILURES) {
    return render(c, { title: "Device login", code: typed, error: "Too many attempts. Try again later." }, 429);
  }
  const canonical = normaliseUserCode(typed);
  const found = canonical ? await grantByUserCode(deps, canonical) : null;
  const provider = found ? parseProvider(deps, await deps.store.oauth2.providerByPk(found.grant.providerPk)) : null;
  if (!found || !provider?.application) {
    await deps.cache.incr(failures, FAILURE_WINDOW_S);
    return render(c, { title: "Device login", code: typed, error: "This code is invalid or has expired." }, 400);
  }
  const app = provider.application;
  const request = requestOf(c);
  const access = await deps.policyEngine.evaluate(app.pk, { ...policyRequest(request, user, {}), obj: { model: "authentik_core.application", pk: app.pk, name: app.name, slug: app.slug } });
  const flow = access.passing && provider.authorizationFlowPk ? await deps.store.flows.byPk(provider.authorizationFlowPk) : null;
  const planned = flow
    ? await planFlow({
        deps,
        flow,
        user,
        request,
        context: {
          [CTX.application]: app.pk,
          consent_header: `You're about to sign into ${app.name} on your device (code ${formatUserCode(canonical!)}).`,
          consent_permissions: scopePermissions(provider, found.grant.scope),
          [DEVICE_CTX]: found.hash,
        },
      })
    : null;
  if (!flow || !planned?.ok) {
    await settleDeviceGrant(deps, found.hash, "denied");
    return render(c, { title: "Access denied", message: `You may not sign into ${app.name}.` }, 403);
  }
  if (planned.plan.bindings.length === 0) return approve(c, found.hash);
  planned.plan.bindings.push(fulfilmentBinding("oauth2-device"));
  const id = deps.random.token(32);
  await savePlan(deps.cache, id, planned.plan);
  await setSessionFlow(c, flow.slug, id);
  return c.redirect(`/if/flow/${encodeURIComponent(flow.slug)}/`, 303);
}

async function authContextOf(deps: SessionEnv["Bindings"], user: User, keyHash: string | null) {
  const amr = await loginAmr(deps, user.pk, user.lastLogin);
  return {
    authTime: Math.floor((user.lastLogin ?? deps.clock.now()).getTime() / 1000),
    sid: keyHash ? (await sha256Hex(`sid:${keyHash}`)).slice(0, 32) : null,
    ...(amr ? { amr } : {}),
  };
}

async function approve(c: Ctx, hash: string): Promise<Response> {
  const user = (await currentUser(c))!;
  const ok = await settleDeviceGrant(c.env, hash, { userPk: user.pk, auth: await authContextOf(c.env, user, c.var.session.keyHash) });
  if (ok) await recordEvent(c.env, { action: "authorize_application", user, context: { via: "device_code" } });
  return c.redirect("/device/complete", 303);
}

// The authorization flow's last step: approve the device for the flow's user.
registerFulfilment("oauth2-device", async ({ deps, plan, session: s }) => {
  const hash = plan.context[DEVICE_CTX];
  const user = await s.user();
  if (typeof hash !== "string" || !user) return { kind: "deny", message: "The device authorization is no longer valid." };
  const ok = await settleDeviceGrant(deps, hash, { userPk: user.pk, auth: await authContextOf(deps, user, null) });
  if (!ok) return { kind: "deny", message: "The device code has expired." };
  await recordEvent(deps, { action: "authorize_application", user, context: { via: "device_code", application: plan.context[CTX.application] } });
  return { kind: "redirect", to: "/device/complete" };
});

// The brand's device code flow is done: back to the code page (with the code it started with).
registerFulfilment("oauth2-device-entry", async ({ deps, plan, session: s }) => {
  const user = await s.user();
  if (!user) return { kind: "deny", message: "You must be logged in." };
  await deps.cache.set(ENTRY_PREFIX + user.pk, 1, ENTRY_TTL_S);
  const code = plan.context[ENTRY_CODE_CTX];
  return { kind: "redirect", to: typeof code === "string" && code ? `/device?${new URLSearchParams({ code })}` : "/device" };
});

/** Mounted at `/device`. */
export function deviceRoutes(): Hono<SessionEnv> {
  const app = new Hono<SessionEnv>({ strict: false });
  app.onError((err, c) => renderPageError(err, c as unknown as Context<AppEnv>));
  app.use("*", session());
  app.get("/", enter);
  app.post("/", submit);
  app.get("/complete", (c) => render(c, { title: "Device authorized", message: "You may now return to your device." }));
  return app;
}
