/**
 * LDAP simple bind (authentik's `ldap/bind/direct` and `bind/memory`): the DN names the user, the
 * password (and the code after `;` with MFA support) answers the provider's authentication flow,
 * then the application's policies decide access. Successful binds are cached for the provider's
 * TTL: in cached bind mode they are answered from the cache; in direct mode the cache is used only
 * when the issuer is unreachable, so an outage does not lock out recent users.
 */
import { createHash } from "node:crypto";
import { ApiUnavailableError, type ApiUser, type LdapProviderConfig, type ThresholdApi } from "../api.js";
import type { Logger } from "../log.js";
import { normDn, userDn } from "./entries.js";
import { runBindFlow } from "./flow.js";

export interface BoundIdentity {
  provider: LdapProviderConfig;
  user: ApiUser;
  dn: string;
  canSearch: boolean;
}

export type BindResult =
  | { ok: true; identity: BoundIdentity; cached: boolean }
  | { ok: false; code: "invalid_credentials" | "insufficient_access" | "no_such_object" | "unavailable"; message: string };

/** The username a bind DN names under `base` (cn= or uid= under ou=users, or a plain username). */
export function usernameFromDn(dn: string, base: string): string | null {
  const trimmed = dn.trim();
  if (!trimmed.includes("=")) return trimmed || null;
  const m = /^(?:cn|uid)\s*=\s*((?:\\.|[^,])+)\s*,(.*)$/i.exec(trimmed);
  if (!m) return null;
  if (normDn(m[2]!) !== normDn(`ou=users,${base}`)) return null;
  return m[1]!.replace(/\\(.)/g, "$1");
}

/** `password;123456` → password and code (only when the provider supports MFA and the tail is a code). */
export function splitMfa(password: string, mfaSupport: boolean): { password: string; code?: string } {
  if (!mfaSupport) return { password };
  const m = /^(.*);(\d{6,8})$/s.exec(password);
  return m ? { password: m[1]!, code: m[2]! } : { password };
}

interface CacheEntry {
  identity: BoundIdentity;
  expires: number;
}

export class Binder {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    private readonly api: ThresholdApi,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  private key(provider: LdapProviderConfig, dn: string, password: string): string {
    return createHash("sha256").update(`${provider.pk}\0${normDn(dn)}\0${password}`).digest("hex");
  }

  private cached(key: string): BoundIdentity | null {
    const hit = this.cache.get(key);
    if (!hit) return null;
    if (hit.expires <= this.now()) {
      this.cache.delete(key);
      return null;
    }
    return hit.identity;
  }

  /** Forgets every cached bind (configuration changed). */
  clear(): void {
    this.cache.clear();
  }

  async bind(provider: LdapProviderConfig, dn: string, password: string, clientIp?: string): Promise<BindResult> {
    const username = usernameFromDn(dn, provider.base_dn);
    if (!username) return { ok: false, code: "invalid_credentials", message: "Invalid DN" };
    const key = this.key(provider, dn, password);
    const hit = this.cached(key);
    if (hit && provider.bind_mode === "cached") return { ok: true, identity: hit, cached: true };
    try {
      const result = await this.direct(provider, username, password, clientIp);
      if (result.ok) {
        const ttl = (provider.bind_cache_ttl_seconds ?? 300) * 1000;
        this.cache.set(key, { identity: result.identity, expires: this.now() + ttl });
      } else {
        this.cache.delete(key);
      }
      return result;
    } catch (err) {
      if (!(err instanceof ApiUnavailableError)) throw err;
      if (hit) {
        this.log.warn("issuer unreachable, bind answered from cache", { provider: provider.name, error: err.message });
        return { ok: true, identity: hit, cached: true };
      }
      return { ok: false, code: "unavailable", message: "Identity provider unreachable" };
    }
  }

  private async direct(provider: LdapProviderConfig, username: string, password: string, clientIp?: string): Promise<BindResult> {
    if (!provider.bind_flow_slug || !provider.application_slug) {
      return { ok: false, code: "insufficient_access", message: "Provider has no flow or application" };
    }
    const creds = { username, ...splitMfa(password, provider.mfa_support) };
    const outcome = await runBindFlow(this.api, provider.bind_flow_slug, creds, clientIp ? this.api.remoteIpHeaders(clientIp) : {});
    if (!outcome.ok) {
      this.log.info("bind flow failed", { provider: provider.name, username, reason: outcome.reason, detail: outcome.detail });
      return { ok: false, code: "invalid_credentials", message: "Invalid credentials" };
    }
    const access = await this.api.checkAccess(provider.pk, provider.application_slug, outcome.cookie).finally(() => {
      if (provider.unbind_flow_slug) {
        void this.api.endSession(provider.unbind_flow_slug, outcome.cookie).catch((error: unknown) => this.log.warn("unbind flow failed", { error: String(error) }));
      }
    });
    if (!access.access.passing) {
      this.log.info("bind denied by application policies", { provider: provider.name, username });
      return { ok: false, code: "insufficient_access", message: "Access denied" };
    }
    const dn = userDn(provider.base_dn, access.user.username);
    return { ok: true, cached: false, identity: { provider, user: access.user, dn, canSearch: access.has_search_permission } };
  }
}
