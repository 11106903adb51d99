/**
 * The edge issuer's API as the outpost uses it (authentik's outpost API shapes), with a timeout
 * on every call so a slow or unreachable issuer fails fast instead of hanging LDAP clients.
 */
import { createNodeFetch, type FetchLike, type RequestInitLike, type ResponseLike } from "./http-client.js";

/** authentik's `LDAPOutpostConfig`. */
export interface LdapProviderConfig {
  pk: number;
  name: string;
  base_dn: string;
  bind_flow_slug: string | null;
  unbind_flow_slug: string | null;
  application_slug: string | null;
  search_group: string | null;
  uid_start_number: number;
  gid_start_number: number;
  search_mode: "direct" | "cached";
  bind_mode: "direct" | "cached";
  mfa_support: boolean;
  bind_cache_ttl_seconds?: number;
}

/** authentik's `ProxyOutpostConfig`. */
export interface ProxyProviderConfig {
  pk: number;
  name: string;
  internal_host: string;
  external_host: string;
  internal_host_ssl_validation: boolean;
  client_id: string;
  client_secret: string;
  /** The provider's OIDC discovery document (endpoints as seen from THRESHOLD_HOST). */
  oidc_configuration: Record<string, unknown> & { issuer: string; authorization_endpoint: string; token_endpoint: string; jwks_uri: string; end_session_endpoint: string };
  cookie_secret: string;
  skip_path_regex: string;
  basic_auth_enabled: boolean;
  basic_auth_user_attribute: string;
  basic_auth_password_attribute: string;
  mode: "proxy" | "forward_single" | "forward_domain";
  cookie_domain: string;
  /** Seconds. */
  access_token_validity: number;
  intercept_header_auth: boolean;
  scopes_to_request: string[];
  assigned_application_slug: string;
  assigned_application_name: string;
}

/** The identity behind an access token or app password, as `/outposts/proxy/<pk>/check_access/` answers. */
export interface ProxyAccess {
  access: { passing: boolean; messages: string[] };
  user: { sub: string; preferred_username: string; email: string; name: string; groups: string[]; attributes: Record<string, unknown> };
}

/** A configuration list with its ETag (`null` from the fetchers when unchanged: 304). */
export interface ConfigList<T> {
  etag: string | null;
  providers: T[];
}

export interface ApiUser {
  pk: number;
  username: string;
  name: string;
  email: string;
  is_active: boolean;
  is_superuser: boolean;
  /** Direct group pks. */
  groups: string[];
  attributes: Record<string, unknown>;
  uid: string;
}

export interface ApiGroup {
  pk: string;
  num_pk: number;
  name: string;
  is_superuser: boolean;
  parents: string[];
  users: number[];
  attributes: Record<string, unknown>;
}

export interface CheckAccess {
  access: { passing: boolean; messages: string[] };
  has_search_permission: boolean;
  user: ApiUser;
}

interface Paginated<T> {
  pagination: { next: number; count: number };
  results: T[];
}

/** The API answered with an unexpected status. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The API could not be reached (network error or timeout). */
export class ApiUnavailableError extends Error {
  override name = "ApiUnavailableError";
}

export interface ApiOptions {
  host: string;
  token: string;
  /** Defaults to node:http(s) with keep-alive (http-client.ts); tests may pass global fetch. */
  fetch?: FetchLike | typeof fetch;
  /** Skip TLS verification towards the issuer (THRESHOLD_INSECURE). */
  insecure?: boolean;
  timeoutMs?: number;
}

export class ThresholdApi {
  readonly host: string;
  private readonly doFetch: FetchLike;
  private readonly timeoutMs: number;

  constructor(private readonly opts: ApiOptions) {
    this.host = opts.host.replace(/\/+$/, "");
    this.doFetch = (opts.fetch as FetchLike | undefined) ?? createNodeFetch({ insecure: opts.insecure });
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  /**
   * Headers that make the issuer see `clientIp` as the client of a request the outpost makes on
   * its behalf (authentik's pair; believed only with a valid outpost token): rate limits and
   * reputation then count per LDAP client, not per outpost.
   */
  remoteIpHeaders(clientIp: string): Record<string, string> {
    return { "X-authentik-remote-ip": clientIp, "X-authentik-outpost-token": this.opts.token };
  }

  /** A fetch against the issuer with a timeout; network failures become {@link ApiUnavailableError}. */
  async request(path: string, init: RequestInitLike = {}): Promise<ResponseLike> {
    try {
      return await this.doFetch(`${this.host}${path}`, { ...init, signal: AbortSignal.timeout(this.timeoutMs), redirect: "manual" });
    } catch (err) {
      throw new ApiUnavailableError(`${path}: ${(err as Error).message}`);
    }
  }

  private async get<T>(path: string, headers: Record<string, string> = {}): Promise<T> {
    const res = await this.request(path, { headers: { Authorization: `Bearer ${this.opts.token}`, Accept: "application/json", ...headers } });
    if (!res.ok) throw new ApiError(res.status, `GET ${path}: ${res.status} ${(await res.text()).slice(0, 200)}`);
    return (await res.json()) as T;
  }

  private async all<T>(path: string): Promise<T[]> {
    const out: T[] = [];
    for (let page = 1; page > 0; ) {
      const body = await this.get<Paginated<T>>(`${path}?page=${page}&page_size=1000`);
      out.push(...body.results);
      page = body.pagination.next;
    }
    return out;
  }

  async outpost(): Promise<{ pk: string; name: string; providers: number[] }> {
    const body = await this.get<Paginated<{ pk: string; name: string; providers: number[] }>>("/api/v3/outposts/instances/");
    if (!body.results[0]) throw new ApiError(404, "no outpost for this token");
    return body.results[0];
  }

  /** The LDAP providers served; `null` when `etag` still matches (304). */
  ldapProviders(etag?: string): Promise<ConfigList<LdapProviderConfig> | null> {
    return this.configList<LdapProviderConfig>("/api/v3/outposts/ldap/", etag);
  }

  /** The proxy providers served; `null` when `etag` still matches (304). */
  proxyProviders(etag?: string): Promise<ConfigList<ProxyProviderConfig> | null> {
    return this.configList<ProxyProviderConfig>("/api/v3/outposts/proxy/", etag);
  }

  /** Who is behind `authorization` (Bearer access token or Basic app password); null when nobody (401). */
  async proxyCheckAccess(providerPk: number, authorization: string): Promise<ProxyAccess | null> {
    const path = `/api/v3/outposts/proxy/${providerPk}/check_access/`;
    const res = await this.request(path, {
      method: "POST",
      headers: { Authorization: `Bearer ${this.opts.token}`, Accept: "application/json", "Content-Type": "application/json" },
      body: JSON.stringify({ authorization }),
    });
    if (res.status === 401) {
      await res.body?.cancel();
      return null;
    }
    if (!res.ok) throw new ApiError(res.status, `POST ${path}: ${res.status}`);
    return (await res.json()) as ProxyAccess;
  }

  /** One user by username (the directory listing), or null. */
  async userByUsername(username: string): Promise<ApiUser | null> {
    const body = await this.get<Paginated<ApiUser>>(`/api/v3/core/users/?username=${encodeURIComponent(username)}&page_size=1`);
    return body.results[0] ?? null;
  }

  private async configList<T>(path: string, etag?: string): Promise<ConfigList<T> | null> {
    const res = await this.request(path, {
      headers: { Authorization: `Bearer ${this.opts.token}`, Accept: "application/json", ...(etag ? { "If-None-Match": etag } : {}) },
    });
    if (res.status === 304) return null;
    if (!res.ok) throw new ApiError(res.status, `GET ${path}: ${res.status}`);
    const body = (await res.json()) as Paginated<T>;
    return { etag: res.headers.get("etag"), providers: body.results };
  }

  users(): Promise<ApiUser[]> {
    return this.all<ApiUser>("/api/v3/core/users/");
  }

  groups(): Promise<ApiGroup[]> {
    return this.all<ApiGroup>("/api/v3/core/groups/");
  }

  /**
   * Ends the session a bind flow created by running the provider's invalidation (unbind) flow
   * with its cookie, so frequent binds do not pile up sessions on the issuer.
   */
  async endSession(unbindFlowSlug: string, cookie: string): Promise<void> {
    const res = await this.request(`/api/v3/flows/executor/${encodeURIComponent(unbindFlowSlug)}/`, { headers: { Cookie: cookie } });
    await res.body?.cancel();
  }

  /** May the user of `cookie` (an authenticated session from a bind flow) use the provider's application? */
  checkAccess(providerPk: number, appSlug: string, cookie: string): Promise<CheckAccess> {
    return this.get<CheckAccess>(`/api/v3/outposts/ldap/${providerPk}/check_access/?app_slug=${encodeURIComponent(appSlug)}`, { Cookie: cookie });
  }
}
