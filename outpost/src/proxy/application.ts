/**
 * One proxy provider at run time (authentik's `proxyv2/application`): its OIDC client
 * (openid-client, confidential, configured from the discovery document the API sends), cookie
 * names and keys, skip-path regexes, and how it recognises its hosts and redirect targets.
 */
import { createHash } from "node:crypto";
import * as oidc from "openid-client";
import type { ProxyProviderConfig } from "../api.js";
import { cookieKey } from "./session.js";

export const OUTPOST_PATH = "/outpost.goauthentik.io";

export class ProxyApplication {
  readonly external: URL;
  readonly sessionCookie: string;
  readonly stateCookie: string;
  readonly sessionKey: Uint8Array;
  readonly stateKey: Uint8Array;
  readonly oidc: oidc.Configuration;
  private readonly skip: RegExp[];
  /** Lower-case cookie domain without a leading dot ("" outside forward_domain). */
  readonly cookieDomain: string;

  constructor(
    readonly config: ProxyProviderConfig,
    opts: { browserHost?: string; fetch?: typeof fetch; timeoutMs?: number },
  ) {
    this.external = new URL(config.external_host);
    // authentik names the cookie after the provider so several apps on one domain do not clash.
    const id = createHash("sha256").update(config.client_id).digest("hex").slice(0, 8);
    this.sessionCookie = `authentik_proxy_${id}`;
    this.stateCookie = `authentik_proxy_state_${id}`;
    this.sessionKey = cookieKey(config.cookie_secret, "session");
    this.stateKey = cookieKey(config.cookie_secret, "state");
    this.cookieDomain = config.mode === "forward_domain" ? config.cookie_domain.replace(/^\./, "").toLowerCase() : "";
    this.skip = config.skip_path_regex
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .flatMap((l) => {
        try {
          return [new RegExp(l)];
        } catch {
          return [];
        }
      });
    const metadata = { ...config.oidc_configuration } as oidc.ServerMetadata;
    this.oidc = new oidc.Configuration(metadata, config.client_id, config.client_secret);
    if (new URL(metadata.token_endpoint!).protocol === "http:") oidc.allowInsecureRequests(this.oidc);
    const doFetch = opts.fetch ?? fetch;
    const timeoutMs = opts.timeoutMs ?? 10_000;
    this.oidc[oidc.customFetch] = (url, init) => doFetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) } as RequestInit);
    this.browserHost = opts.browserHost?.replace(/\/+$/, "");
  }

  private readonly browserHost: string | undefined;

  /** An issuer URL as the browser must see it (THRESHOLD_HOST_BROWSER replaces the origin). */
  browserUrl(url: string): URL {
    const u = new URL(url);
    if (!this.browserHost) return u;
    const b = new URL(this.browserHost);
    u.protocol = b.protocol;
    u.host = b.host;
    return u;
  }

  get callbackUrl(): string {
    return `${this.config.external_host.replace(/\/+$/, "")}${OUTPOST_PATH}/callback`;
  }

  get secure(): boolean {
    return this.external.protocol === "https:";
  }

  /**
   * Does a request for `host` (host[:port]) belong to this provider? Host names are compared
   * without ports (nginx's `$host` drops it); forward_domain serves every host under the domain.
   */
  servesHost(host: string): boolean {
    const bare = host.toLowerCase().replace(/:\d+$/, "");
    if (bare === this.external.hostname.toLowerCase()) return true;
    return !!this.cookieDomain && (bare === this.cookieDomain || bare.endsWith(`.${this.cookieDomain}`));
  }

  /** Paths (with query) that skip authentication; forward_domain matches the whole URL (authentik). */
  isSkipped(url: URL): boolean {
    if (this.skip.length === 0) return false;
    const subject = this.config.mode === "forward_domain" ? url.href : `${url.pathname}${url.search}`;
    return this.skip.some((r) => r.test(subject));
  }

  /** A redirect target after login: only this provider's hosts (no open redirect); else the external host. */
  safeRedirect(rd: string | null): string {
    if (rd) {
      try {
        const u = new URL(rd);
        if ((u.protocol === "https:" || u.protocol === "http:") && (u.origin === this.external.origin || (this.cookieDomain && this.servesHost(u.host)))) {
          return u.href;
        }
      } catch {
        // fall through
      }
    }
    return this.external.href;
  }
}
