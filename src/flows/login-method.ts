/**
 * How a user logged in (`auth_method` and `auth_method_args` of the login), remembered for the
 * protocols that report it later: OIDC's `amr` (authentik reads it from the login event kept in
 * the session). It is keyed by the user and the login's time (`users.last_login`, which is also
 * the ID token's `auth_time`), so `amr` and `auth_time` always describe the same login. Kept in
 * the cache for the session's lifetime; when it is gone the protocols say nothing rather than
 * guess. `auth_method_args` names devices (model, pk, name), never secrets.
 */
import type { Deps } from "../deps.js";

export interface LoginMethod {
  auth_method: string | null;
  auth_method_args: Record<string, unknown>;
}

const key = (userPk: number, at: Date) => `login:method:${userPk}:${at.getTime()}`;

/** Records the method of the login of `userPk` at `at` for `ttlSeconds`. */
export async function rememberLoginMethod(deps: Deps, userPk: number, at: Date, method: LoginMethod, ttlSeconds: number): Promise<void> {
  await deps.cache.set(key(userPk, at), method, Math.max(60, Math.ceil(ttlSeconds)));
}

/** The method of the login of `userPk` at `at`; null when unknown. */
export async function loginMethod(deps: Deps, userPk: number, at: Date | null): Promise<LoginMethod | null> {
  if (!at) return null;
  return deps.cache.get<LoginMethod>(key(userPk, at));
}
