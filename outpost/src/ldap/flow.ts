/**
 * Runs a provider's authentication flow headlessly through the executor API (authentik's
 * `internal/outpost/flow` as used by `ldap/bind/direct`): identification → password →
 * authenticator_validate, with a cookie jar and the CSRF header echoed from its cookie. The
 * flow's policies, reputation and MFA therefore apply to LDAP binds too.
 */
import type { ThresholdApi } from "../api.js";
import type { ResponseLike } from "../http-client.js";

export type FlowOutcome =
  | { ok: true; cookie: string }
  | { ok: false; reason: "invalid_credentials" | "mfa_required" | "denied" | "unexpected"; detail?: string };

interface Challenge {
  component?: string;
  response_errors?: Record<string, unknown>;
  [key: string]: unknown;
}

const MAX_STEPS = 10;

class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(res: ResponseLike): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      if (eq < 0) continue;
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === "" || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}

export interface FlowCredentials {
  username: string;
  password: string;
  /** TOTP / static code split from `password;123456`. */
  code?: string;
}

/** Executes `slug` for one bind; on success the jar's cookie carries the new authenticated session. */
export async function runBindFlow(api: ThresholdApi, slug: string, creds: FlowCredentials, headers: Record<string, string> = {}): Promise<FlowOutcome> {
  const jar = new CookieJar();
  const path = `/api/v3/flows/executor/${encodeURIComponent(slug)}/?query=`;
  const call = async (body?: Record<string, unknown>): Promise<Challenge> => {
    const h: Record<string, string> = { Accept: "application/json", "User-Agent": "threshold-outpost/ldap", ...headers };
    const cookie = jar.header();
    if (cookie) h.Cookie = cookie;
    const csrf = jar.get("authentik_csrf");
    if (csrf) h["X-authentik-CSRF"] = csrf;
    if (body) h["Content-Type"] = "application/json";
    const res = await api.request(path, { method: body ? "POST" : "GET", headers: h, body: body ? JSON.stringify(body) : undefined });
    jar.store(res);
    const text = await res.text();
    try {
      return JSON.parse(text) as Challenge;
    } catch {
      return { component: "invalid-response", status: res.status };
    }
  };

  const answered = new Set<string>();
  let challenge = await call();
  for (let step = 0; step < MAX_STEPS; step++) {
    const component = challenge.component ?? "";
    if (component === "xak-flow-redirect") return { ok: true, cookie: jar.header() };
    // A stage shown again after we answered it rejected the answer.
    if (answered.has(component)) {
      return { ok: false, reason: component === "ak-stage-authenticator-validate" && !creds.code ? "mfa_required" : "invalid_credentials" };
    }
    answered.add(component);
    switch (component) {
      case "ak-stage-identification":
        challenge = await call({ component, uid_field: creds.username });
        break;
      case "ak-stage-password":
        challenge = await call({ component, password: creds.password });
        break;
      case "ak-stage-authenticator-validate":
        if (!creds.code) return { ok: false, reason: "mfa_required" };
        challenge = await call({ component, code: creds.code });
        break;
      case "ak-stage-access-denied":
        return { ok: false, reason: "denied", detail: String(challenge.error_message ?? "") };
      default:
        return { ok: false, reason: "unexpected", detail: component };
    }
  }
  return { ok: false, reason: "unexpected", detail: "too many steps" };
}
