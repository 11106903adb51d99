/**
 * authentik's API shapes for what the outpost reads: paginated lists, users, groups and the LDAP
 * outpost config (`LDAPOutpostConfig`).
 */
import { sha256Hex } from "../../core/encoding.js";
import type { DirectoryGroup, DirectoryUser, Outpost, Provider } from "../../ports/outposts.js";
import type { LdapProviderSettings } from "./settings.js";

export interface Pagination {
  next: number;
  previous: number;
  count: number;
  current: number;
  total_pages: number;
  start_index: number;
  end_index: number;
}

/** authentik's `pagination` block (`next`/`previous` are 0 when there is none). */
export function paginate<T>(results: T[], page: number, pageSize: number, count: number): { pagination: Pagination; results: T[] } {
  const totalPages = Math.max(1, Math.ceil(count / pageSize));
  const start = count === 0 ? 0 : (page - 1) * pageSize + 1;
  return {
    pagination: {
      next: page < totalPages ? page + 1 : 0,
      previous: page > 1 ? page - 1 : 0,
      count,
      current: page,
      total_pages: totalPages,
      start_index: start,
      end_index: count === 0 ? 0 : start + results.length - 1,
    },
    results,
  };
}

/**
 * A group's numeric id (authentik's `num_pk`): groups here are keyed by UUID, so the number is
 * taken from the UUID's first 28 bits — stable across restarts and outposts.
 */
export function groupNumPk(groupPk: string): number {
  return Number.parseInt(groupPk.replace(/-/g, "").slice(0, 7), 16);
}

/** Group pk → the pks of it and all its ancestors (nested groups; cycles stop). */
export function ancestorsOf(pks: string[], parents: Map<string, string[]>): Set<string> {
  const seen = new Set<string>();
  const todo = [...pks];
  while (todo.length > 0) {
    const pk = todo.pop()!;
    if (seen.has(pk)) continue;
    seen.add(pk);
    todo.push(...(parents.get(pk) ?? []));
  }
  return seen;
}

export async function serializeUser(user: DirectoryUser, superuserGroups: Set<string>, parents: Map<string, string[]>) {
  const all = ancestorsOf(user.groupPks, parents);
  return {
    pk: user.pk,
    username: user.username,
    name: user.name,
    is_active: user.isActive,
    last_login: user.lastLogin?.toISOString() ?? null,
    is_superuser: [...all].some((pk) => superuserGroups.has(pk)),
    groups: user.groupPks,
    email: user.email,
    attributes: user.attributes,
    // authentik's `uid`: a stable opaque hash of the user, not the username.
    uid: await sha256Hex(`threshold-user-${user.uuid}`),
    uuid: user.uuid,
    path: user.path,
    type: user.type,
  };
}

export function serializeOutpost(outpost: Outpost) {
  return {
    pk: outpost.pk,
    name: outpost.name,
    type: outpost.type,
    providers: outpost.providerPks,
    config: outpost.config,
    managed: null,
  };
}

export function serializeLdapConfig(
  provider: Provider,
  settings: LdapProviderSettings,
  extra: { bindFlowSlug: string | null; unbindFlowSlug: string | null; applicationSlug: string | null },
) {
  return {
    pk: provider.pk,
    name: provider.name,
    base_dn: settings.base_dn,
    bind_flow_slug: extra.bindFlowSlug,
    unbind_flow_slug: extra.unbindFlowSlug,
    application_slug: extra.applicationSlug,
    search_group: settings.search_group,
    certificate: null,
    tls_server_name: "",
    uid_start_number: settings.uid_start_number,
    gid_start_number: settings.gid_start_number,
    search_mode: settings.search_mode,
    bind_mode: settings.bind_mode,
    mfa_support: settings.mfa_support,
    bind_cache_ttl_seconds: settings.bind_cache_ttl_seconds,
  };
}
