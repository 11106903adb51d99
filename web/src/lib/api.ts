/**
 * The API client: `/api/v3/` on this origin, authenticated by the session cookie, with the CSRF
 * double-submit header (`X-authentik-CSRF` = the `authentik_csrf` cookie) on writes. Errors come
 * back as problem+json with authentik-style field errors (`errors: {field: [messages]}`).
 */
import useSWR, { type SWRConfiguration } from "swr";
import type { Paginated } from "./types";

export const API = "/api/v3/";

/** authentik's field errors: `{string, code}` objects (Django REST's ErrorDetail) or plain strings. */
type FieldMessage = string | { string?: string; message?: string; code?: string };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { title?: string; detail?: string; errors?: Record<string, FieldMessage[] | FieldMessage> } | null,
  ) {
    super(body?.detail ?? body?.title ?? `Request failed (${status})`);
  }
  /** Field name → messages; `non_field_errors` holds the rest. */
  get fields(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    const text = (m: FieldMessage) => (typeof m === "string" ? m : (m.string ?? m.message ?? JSON.stringify(m)));
    for (const [k, v] of Object.entries(this.body?.errors ?? {})) out[k] = (Array.isArray(v) ? v : [v]).map(text);
    return out;
  }
}

function csrfToken(): string {
  return /(?:^|;\s*)authentik_csrf=([^;]+)/.exec(document.cookie)?.[1] ?? "";
}

export type Query = Record<string, string | number | boolean | undefined | null | (string | number)[]>;

export function apiUrl(path: string, query?: Query): string {
  const url = new URL(API + path.replace(/^\//, ""), location.origin);
  for (const [k, v] of Object.entries(query ?? {})) {
    if (Array.isArray(v)) for (const item of v) url.searchParams.append(k, String(item));
    else if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, String(v));
  }
  return url.pathname + url.search;
}

/** Where an expired session goes: the login flow, then back here. */
export function loginUrl(): string {
  return `/if/flow/default-authentication-flow/?next=${encodeURIComponent(location.pathname + location.search)}`;
}

export async function api<T>(path: string, init: { method?: string; body?: unknown; query?: Query } = {}): Promise<T> {
  const method = init.method ?? "GET";
  const headers: Record<string, string> = { Accept: "application/json" };
  if (method !== "GET") headers["X-authentik-CSRF"] = csrfToken();
  if (init.body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(apiUrl(path, init.query), {
    method,
    headers,
    credentials: "same-origin",
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  if (res.status === 401) {
    location.assign(loginUrl());
    throw new ApiError(401, null);
  }
  if (res.status === 204) return undefined as T;
  const type = res.headers.get("content-type") ?? "";
  const data = type.includes("json") ? await res.json().catch(() => null) : await res.text();
  if (!res.ok) throw new ApiError(res.status, typeof data === "object" ? data : { detail: String(data).slice(0, 200) });
  return data as T;
}

/** SWR over a GET; the key is the full URL, so `mutateMatching(prefix)` can refresh lists. */
export function useApi<T>(path: string | null, query?: Query, config?: SWRConfiguration<T>) {
  return useSWR<T>(path === null ? null : apiUrl(path, query), (url: string) => api<T>(url.slice(API.length)), config);
}

export function useList<T>(path: string | null, query?: Query, config?: SWRConfiguration<Paginated<T>>) {
  return useApi<Paginated<T>>(path, query, config);
}

/** Fetches every page of a list (for pickers: groups, flows, certificates …), up to `max`. */
export async function listAll<T>(path: string, query: Query = {}, max = 1000): Promise<T[]> {
  const out: T[] = [];
  for (let page = 1; out.length < max; page++) {
    const res = await api<Paginated<T>>(path, { query: { ...query, page, page_size: 100 } });
    out.push(...res.results);
    if (!res.pagination.next || res.results.length === 0) break;
  }
  return out;
}

export function useAll<T>(path: string | null, query?: Query) {
  return useSWR<T[]>(path === null ? null : ["all", apiUrl(path, query)], () => listAll<T>(path!, query));
}
