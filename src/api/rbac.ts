/**
 * Role-based access for the admin API, in authentik's permission vocabulary:
 * `<app_label>.<action>_<model>` with actions view / add / change / delete (Django's), e.g.
 * `authentik_core.view_user`. A superuser group grants everything. Other groups grant roles and
 * permissions through attributes, inherited by nested groups:
 *
 *   attributes: { "threshold.roles": ["read_only"], "threshold.permissions": ["authentik_core.*_user"] }
 *
 * Built-in roles: `read_only` (every `view_*`), `user_admin` (users, groups, tokens, sessions,
 * devices), `auditor` (events and notifications, read only). Permission patterns may use `*`.
 */
import type { Group } from "../ports/store.js";

export type ApiAction = "view" | "add" | "change" | "delete";

export const ROLES_ATTRIBUTE = "threshold.roles";
export const PERMISSIONS_ATTRIBUTE = "threshold.permissions";

/** Built-in roles → permission patterns. */
export const BUILTIN_ROLES: Readonly<Record<string, readonly string[]>> = {
  read_only: ["*.view_*"],
  user_admin: [
    "authentik_core.*_user",
    "authentik_core.*_group",
    "authentik_core.*_token",
    "authentik_core.*_authenticatedsession",
    "authentik_stages_authenticator_*.*",
    "*.view_*",
  ],
  auditor: ["authentik_events.view_*"],
};

/** Permissions an outpost's service account holds (authentik grants the same to its outpost user). */
export const OUTPOST_PERMISSIONS = ["authentik_core.view_user", "authentik_core.view_group", "authentik_outposts.view_outpost"];

export function permission(app: string, action: ApiAction, model: string): string {
  return `${app}.${action}_${model}`;
}

function patternToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[a-z0-9_]*");
  return new RegExp(`^${escaped}$`);
}

/** What a principal may do, resolved once per request. */
export interface Permissions {
  readonly superuser: boolean;
  has(perm: string): boolean;
  /** Every pattern granted (for `core/users/me/`'s `system_permissions`). */
  readonly patterns: readonly string[];
}

export function permissionsOf(groups: readonly Group[], extra: readonly string[] = []): Permissions {
  const superuser = groups.some((g) => g.isSuperuser);
  const patterns = new Set<string>(extra);
  for (const g of groups) {
    const roles = g.attributes[ROLES_ATTRIBUTE];
    for (const role of Array.isArray(roles) ? roles : []) {
      for (const p of BUILTIN_ROLES[String(role)] ?? []) patterns.add(p);
    }
    const perms = g.attributes[PERMISSIONS_ATTRIBUTE];
    for (const p of Array.isArray(perms) ? perms : []) if (typeof p === "string") patterns.add(p);
  }
  const regexps = [...patterns].map(patternToRegExp);
  return {
    superuser,
    patterns: superuser ? ["*"] : [...patterns],
    has: (perm) => superuser || regexps.some((r) => r.test(perm)),
  };
}

/**
 * Whether user `pk` is a superuser (directly or through nested groups). Acting on a superuser's
 * account (password, recovery link, tokens, deletion) needs a superuser: otherwise a `user_admin`
 * could take over an administrator.
 */
export async function isSuperuserAccount(store: { policies: { allGroupsOf(pk: number): Promise<Group[]> } }, pk: number): Promise<boolean> {
  return (await store.policies.allGroupsOf(pk)).some((g) => g.isSuperuser);
}
