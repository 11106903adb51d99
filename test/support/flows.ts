/**
 * Flow test support: a pass-through policy engine (for flows without policy bindings), seeding
 * of an authentik-like default authentication flow, and a tiny headless client with a cookie jar
 * that speaks the executor API through `app.request` only.
 */
import type { Hono } from "hono";
import type { Deps } from "../../src/deps.js";
import type { AppEnv } from "../../src/http/env.js";
import type { Flow, FlowAuthentication, Stage } from "../../src/ports/flows.js";

let seq = 0;
const unique = (name: string) => `${name}-${++seq}`;

export interface SeededFlow {
  flow: Flow;
  stages: Stage[];
}

/** A flow with the given stages bound at order 10, 20, 30… */
export async function seedFlow(
  deps: Deps,
  opts: {
    slug: string;
    designation?: Flow["designation"];
    authentication?: FlowAuthentication;
    stages: { type: string; config?: Record<string, unknown>; invalidResponseAction?: "retry" | "restart" | "restart_with_context" }[];
  },
): Promise<SeededFlow> {
  const flow = await deps.store.flows.createFlow({
    slug: opts.slug,
    name: opts.slug,
    title: `Title of ${opts.slug}`,
    designation: opts.designation ?? "authentication",
    authentication: opts.authentication ?? "none",
  });
  const stages: Stage[] = [];
  for (const [i, s] of opts.stages.entries()) {
    const stage = await deps.store.flows.createStage({ name: unique(`${opts.slug}-${s.type}`), type: s.type, config: s.config ?? {} });
    await deps.store.flows.createBinding({
      targetPk: flow.pk,
      stagePk: stage.pk,
      order: (i + 1) * 10,
      invalidResponseAction: s.invalidResponseAction,
    });
    stages.push(stage);
  }
  return { flow, stages };
}

/** Like authentik's default-authentication-flow: identification → password → user_login. */
export function seedAuthenticationFlow(
  deps: Deps,
  opts: {
    slug?: string;
    identification?: Record<string, unknown>;
    password?: Record<string, unknown>;
    userLogin?: Record<string, unknown>;
    authentication?: FlowAuthentication;
  } = {},
): Promise<SeededFlow> {
  return seedFlow(deps, {
    slug: opts.slug ?? "default-authentication-flow",
    authentication: opts.authentication,
    stages: [
      { type: "identification", config: { user_fields: ["email", "username"], ...opts.identification } },
      { type: "password", config: { ...opts.password } },
      { type: "user_login", config: { session_duration: "seconds=0", ...opts.userLogin } },
    ],
  });
}

export interface FlowReply {
  status: number;
  body: Record<string, unknown> & { component?: string };
  headers: Headers;
}

/** A headless executor client: cookie jar by hand, CSRF header echoed from the cookie. */
export class FlowClient {
  readonly jar = new Map<string, string>();
  sendCsrf = true;

  constructor(
    private readonly app: Hono<AppEnv>,
    private readonly deps: () => Deps,
    readonly headers: Record<string, string> = {},
  ) {}

  private cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  private store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/max-age=0/i.test(line) || value === "") this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers: Record<string, string> = { ...this.headers, ...(init.headers as Record<string, string>) };
    if (this.jar.size > 0) headers.Cookie = this.cookieHeader();
    const res = await this.app.request(path, { ...init, headers }, this.deps());
    this.store(res);
    return res;
  }

  private async reply(res: Response): Promise<FlowReply> {
    const text = await res.text();
    let body: FlowReply["body"] = {};
    try {
      body = JSON.parse(text) as FlowReply["body"];
    } catch {
      body = { raw: text };
    }
    return { status: res.status, body, headers: res.headers };
  }

  static url(slug: string, query = ""): string {
    return `/api/v3/flows/executor/${slug}/${query ? `?query=${encodeURIComponent(query)}` : ""}`;
  }

  async get(slug: string, query = ""): Promise<FlowReply> {
    return this.reply(await this.request(FlowClient.url(slug, query)));
  }

  async post(slug: string, body: unknown, opts: { query?: string; raw?: string; headers?: Record<string, string> } = {}): Promise<FlowReply> {
    const headers: Record<string, string> = { "Content-Type": "application/json", ...opts.headers };
    const csrf = this.jar.get("authentik_csrf");
    if (this.sendCsrf && csrf && !opts.headers) headers["X-authentik-CSRF"] = csrf;
    const res = await this.request(FlowClient.url(slug, opts.query), {
      method: "POST",
      headers,
      body: opts.raw ?? JSON.stringify(body),
    });
    return this.reply(res);
  }
}
