/**
 * The flow executor API (authentik's `/api/v3/flows/executor/<slug>/`): GET → the current
 * challenge, POST `{component, ...fields}` → the next one. Challenges are always JSON; an
 * unknown flow is a problem+json 404. `/flows/-/cancel/` forgets the session's executions.
 */
import { Hono, type Context } from "hono";
import { cancelExecution, currentChallenge, MALFORMED, submitChallenge, type ExecutorIO } from "../../../flows/executor.js";
import type { SessionControl } from "../../../flows/stage.js";
import { csrf, ensureCsrfCookie } from "../../middleware/csrf.js";
import {
  clearSessionFlows,
  clientIp,
  currentUser,
  loginSession,
  logoutSession,
  session,
  sessionFlows,
  setSessionFlow,
  carryFlowContext,
  takeCarriedFlowContext,
  type SessionEnv,
} from "../../middleware/session.js";
import type { AppEnv } from "../../env.js";
import { renderApiError } from "../../render/errors.js";

type Ctx = Context<SessionEnv>;

export function executorIO(c: Ctx): ExecutorIO {
  const url = new URL(c.req.url);
  const control: SessionControl = {
    login: (user, opts) => loginSession(c, user, opts),
    logout: () => logoutSession(c),
    user: () => currentUser(c),
    carryContext: (slug, context) => carryFlowContext(c, slug, context),
  };
  return {
    deps: c.env,
    requestId: c.var.requestId,
    request: {
      ip: clientIp(c),
      country: c.env.client?.country ?? null,
      asn: c.env.client?.asn ?? null,
      userAgent: c.req.header("user-agent") ?? null,
      host: url.host,
      path: url.pathname,
      method: c.req.method,
    },
    session: control,
    executionFor: async (slug) => (await sessionFlows(c))[slug],
    rememberExecution: (slug, id) => setSessionFlow(c, slug, id),
    takeCarriedContext: (slug) => takeCarriedFlowContext(c, slug),
  };
}

/** `?query=<urlencoded original query>` as authentik's web client sends it. */
function originalQuery(c: Ctx): URLSearchParams {
  return new URLSearchParams(c.req.query("query") ?? "");
}

async function readJson(c: Ctx): Promise<unknown> {
  const text = await c.req.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return MALFORMED;
  }
}

function noStore(c: Ctx): void {
  c.header("Cache-Control", "no-store");
}

/** Mounted at `/api/v3/flows/executor`, ahead of the API token middleware (flows use sessions). */
export function flowExecutorRoutes(): Hono<SessionEnv> {
  const app = new Hono<SessionEnv>({ strict: false });
  app.onError((err, c) => renderApiError(err, c as unknown as Context<AppEnv>));
  app.use("*", session());
  app.use("*", csrf());

  app.get("/:slug", async (c) => {
    ensureCsrfCookie(c);
    const reply = await currentChallenge(executorIO(c), c.req.param("slug"), originalQuery(c));
    noStore(c);
    return c.json(reply.body, reply.status as 200);
  });

  app.post("/:slug", async (c) => {
    ensureCsrfCookie(c);
    const body = await readJson(c);
    const reply = await submitChallenge(executorIO(c), c.req.param("slug"), originalQuery(c), body);
    noStore(c);
    return c.json(reply.body, reply.status as 200);
  });
  return app;
}

/** `/flows/-/cancel/`: forgets every execution of this session and goes to the start page. */
export function flowCancelRoutes(): Hono<SessionEnv> {
  const app = new Hono<SessionEnv>({ strict: false });
  app.use("*", session());
  app.get("/", async (c) => {
    for (const id of Object.values(await sessionFlows(c))) await cancelExecution(c.env, id);
    await clearSessionFlows(c);
    noStore(c);
    return c.redirect("/", 302);
  });
  return app;
}
