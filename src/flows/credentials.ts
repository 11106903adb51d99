/**
 * Password checks shared by the password stage and identification's inline password: verify
 * through `deps.passwords`, upgrade old hashes transparently, and spend the same work for
 * unknown users (a dummy verify) so response timing does not reveal which accounts exist.
 */
import type { Deps } from "../deps.js";
import type { PasswordHasher } from "../ports/passwords.js";
import type { User } from "../ports/store.js";
import { recordLoginFailure } from "../policies/reputation.js";
import { recordEvent } from "../services/events.js";
import type { StageContext } from "./stage.js";

const dummyHashes = new WeakMap<PasswordHasher, Promise<string>>();

/** A hash of a random throwaway password, made once per hasher, to verify against for unknown users. */
function dummyHash(passwords: PasswordHasher): Promise<string> {
  let hash = dummyHashes.get(passwords);
  if (!hash) {
    hash = passwords.hash(crypto.randomUUID());
    dummyHashes.set(passwords, hash);
    hash.catch(() => dummyHashes.delete(passwords));
  }
  return hash;
}

/**
 * True when `password` is the user's. Inactive users and users without a usable password fail
 * after the same work as a wrong password.
 */
export async function checkPassword(deps: Deps, user: User | null, password: string): Promise<boolean> {
  if (!user || !user.passwordHash) {
    await deps.passwords.verify(password, await dummyHash(deps.passwords));
    return false;
  }
  const check = await deps.passwords.verify(password, user.passwordHash);
  if (!check.valid || !user.isActive) return false;
  if (check.needsRehash) {
    try {
      const upgraded = await deps.passwords.hash(password);
      // Compare-and-set: a concurrent password change wins over this re-hash.
      await deps.store.users.upgradePasswordHash(user.pk, user.passwordHash, upgraded);
    } catch (error) {
      deps.logger.warn("password re-hash failed", { user_pk: user.pk, error });
    }
  }
  return true;
}

/** authentik's `login_failed` event (credentials are never stored, only the username). */
export async function recordLoginFailed(ctx: StageContext<unknown>, username: string, user: User | null): Promise<void> {
  // Reputation (−1 for the IP and the attempted username) feeds reputation policies (lockout).
  await recordLoginFailure(ctx.deps.cache, { ip: ctx.request.ip, username: username || null });
  await recordEvent(ctx.deps, {
    action: "login_failed",
    user: user,
    clientIp: ctx.request.ip,
    context: {
      username,
      stage: { pk: ctx.stage.pk, name: ctx.stage.name, type: ctx.stage.type },
      flow: { pk: ctx.flow.pk, slug: ctx.flow.slug },
      http_request: { path: ctx.request.path, method: ctx.request.method },
    },
  });
}
