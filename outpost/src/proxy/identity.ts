/**
 * Who is asking: the session cookie, or (with `intercept_header_auth`) an `Authorization` header
 * checked by the edge issuer (Bearer access token of this provider, or Basic with an app
 * password; answers cached briefly). And what the upstream is told: authentik's
 * `X-authentik-*` headers, plus `Authorization: Basic` from user attributes when enabled.
 */
import { createHash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { ApiUser, ThresholdApi } from "../api.js";
import type { Logger } from "../log.js";
import type { ProxyApplication } from "./application.js";
import { identityFromIdToken, parseCookies, readChunked, unseal, type Identity, type Session, type SessionCookie, type SignedOut } from "./session.js";

export const VERSION = "threshold-outpost/0.1.0";
const HEADER_AUTH_TTL_MS = 30_000;
const ATTRIBUTES_TTL_MS = 300_000;
const MAX_CACHED = 10_000;

export interface Authenticated {
  identity: Identity;
  /** User attributes when known (header auth answers carry them). */
  attributes?: Record<string, unknown>;
  via: "session" | "header";
  session?: Session;
}

/** `X-authentik-*` names (lower case) that only the outpost may set. */
export const isAuthentikHeader = (name: string) => name.toLowerCase().startsWith("x-authentik-");

class TtlCache<T> {
  private readonly map = new Map<string, { value: T; expires: number }>();
  constructor(private readonly ttlMs: number) {}
  get(key: string): T | undefined {
    const hit = this.map.get(key);
    if (hit && hit.expires > Date.now()) return hit.value;
    this.map.delete(key);
    return undefined;
  }
  set(key: string, value: T): void {
    if (this.map.size >= MAX_CACHED) this.map.delete(this.map.keys().next().value!);
    this.map.set(key, { value, expires: Date.now() + this.ttlMs });
  }
}

export class Authenticator {
  private readonly headerCache = new TtlCache<Authenticated>(HEADER_AUTH_TTL_MS);
  private readonly attributeCache = new TtlCache<Record<string, unknown>>(ATTRIBUTES_TTL_MS);

  constructor(
    private readonly api: ThresholdApi,
    private readonly signedOut: SignedOut,
    private readonly log: Logger,
  ) {}

  async session(app: ProxyApplication, headers: IncomingHttpHeaders): Promise<Session | null> {
    const sealed = await unseal<SessionCookie>(readChunked(parseCookies(headers.cookie), app.sessionCookie), app.sessionKey);
    if (!sealed || typeof sealed.jwt !== "string" || this.signedOut.has(sealed.sid)) return null;
    return { ...identityFromIdToken(sealed.jwt), sid: sealed.sid, exp: sealed.exp };
  }

  async authenticate(app: ProxyApplication, headers: IncomingHttpHeaders): Promise<Authenticated | null> {
    const session = await this.session(app, headers);
    if (session) return { identity: session, via: "session", session };
    const authorization = headers.authorization;
    if (!app.config.intercept_header_auth || !authorization || !/^(bearer|basic)\s+\S/i.test(authorization)) return null;
    const key = createHash("sha256").update(`${app.config.pk}\0${authorization}`).digest("hex");
    const cached = this.headerCache.get(key);
    if (cached) return cached;
    const answer = await this.api.proxyCheckAccess(app.config.pk, authorization);
    if (!answer || !answer.access.passing) {
      this.log.info("header authentication refused", { provider: app.config.name, reason: answer ? "policy" : "credentials" });
      return null;
    }
    const bearer = /^bearer\s+(\S+)/i.exec(authorization)?.[1] ?? "";
    const u = answer.user;
    const result: Authenticated = {
      identity: { sub: u.sub, preferred_username: u.preferred_username, email: u.email, name: u.name, groups: u.groups, jwt: bearer },
      attributes: u.attributes,
      via: "header",
    };
    this.headerCache.set(key, result);
    return result;
  }

  /** `Authorization: Basic` for the upstream from the user's attributes (authentik: user attribute falls back to the email). */
  async basicAuth(app: ProxyApplication, auth: Authenticated): Promise<string | null> {
    const c = app.config;
    if (!c.basic_auth_enabled) return null;
    let attributes = auth.attributes ?? this.attributeCache.get(auth.identity.preferred_username);
    if (!attributes) {
      const user: ApiUser | null = await this.api.userByUsername(auth.identity.preferred_username);
      attributes = user?.attributes ?? {};
      this.attributeCache.set(auth.identity.preferred_username, attributes);
    }
    const pick = (name: string) => (name && typeof attributes[name] === "string" ? (attributes[name] as string) : "");
    const user = pick(c.basic_auth_user_attribute) || auth.identity.email;
    const password = pick(c.basic_auth_password_attribute);
    return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
  }
}

/** Header values as bytes Node accepts: UTF-8 sent raw (as Go's net/http does), no line breaks. */
function headerValue(v: string): string {
  return Buffer.from(v.replace(/[\r\n]+/g, " "), "utf8").toString("latin1");
}

/** authentik's upstream headers (`X-authentik-groups` is `|`-separated). */
export function identityHeaders(app: ProxyApplication, identity: Identity, outpostName: string): Record<string, string> {
  const raw: Record<string, string> = {
    "X-authentik-username": identity.preferred_username,
    "X-authentik-groups": identity.groups.join("|"),
    "X-authentik-entitlements": "",
    "X-authentik-email": identity.email,
    "X-authentik-name": identity.name,
    "X-authentik-uid": identity.sub,
    "X-authentik-jwt": identity.jwt,
    "X-authentik-meta-jwks": app.browserUrl(app.config.oidc_configuration.jwks_uri).href,
    "X-authentik-meta-outpost": outpostName,
    "X-authentik-meta-provider": app.config.name,
    "X-authentik-meta-app": app.config.assigned_application_slug,
    "X-authentik-meta-version": VERSION,
  };
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, headerValue(v)]));
}
