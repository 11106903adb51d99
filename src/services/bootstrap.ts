import type { Deps } from "../deps.js";
import { recordEvent } from "./events.js";

/** authentik's names, so its docs and scripts apply unchanged. */
export const ADMIN_USERNAME = "akadmin";
export const ADMIN_GROUP = "authentik Admins";
export const BOOTSTRAP_TOKEN_IDENTIFIER = "authentik-bootstrap-token";

export interface BootstrapInput {
  password?: string;
  token?: string;
  email?: string;
}

export interface BootstrapResult {
  createdAdmin: boolean;
  createdToken: boolean;
  /** True while akadmin has no usable password: the initial-setup flow is open. */
  needsSetup: boolean;
}

/**
 * First start (authentik's `AUTHENTIK_BOOTSTRAP_*`): ensures the `akadmin` user and the
 * `authentik Admins` superuser group exist; sets the password and API token from the bootstrap
 * values only when they are created, never overwriting later changes. One transaction, so a
 * crash midway leaves nothing half-made; safe to run on every start.
 */
export async function bootstrap(deps: Deps, input: BootstrapInput): Promise<BootstrapResult> {
  const passwordHash = input.password ? await deps.passwords.hash(input.password) : null;
  const now = deps.clock.now();
  const result = await deps.store.transaction(async (tx) => {
    let createdAdmin = false;
    let createdToken = false;
    let group = await tx.groups.byName(ADMIN_GROUP);
    group ??= await tx.groups.create({ name: ADMIN_GROUP, isSuperuser: true });
    let admin = await tx.users.byUsername(ADMIN_USERNAME);
    if (!admin) {
      admin = await tx.users.create({
        username: ADMIN_USERNAME,
        name: "authentik Default Admin",
        email: input.email ?? "",
        type: "internal",
        passwordHash,
        path: "users",
      });
      if (passwordHash) await tx.users.setPassword(admin.pk, passwordHash, now);
      await tx.groups.addMember(group.pk, admin.pk);
      createdAdmin = true;
    }
    if (input.token && !(await tx.tokens.byIdentifier(BOOTSTRAP_TOKEN_IDENTIFIER))) {
      await tx.tokens.create({
        identifier: BOOTSTRAP_TOKEN_IDENTIFIER,
        intent: "api",
        userPk: admin.pk,
        key: input.token,
        description: "Bootstrap token (THRESHOLD_BOOTSTRAP_TOKEN)",
        expiring: false,
      });
      createdToken = true;
    }
    const fresh = await tx.users.byPk(admin.pk);
    return { createdAdmin, createdToken, needsSetup: !fresh?.passwordHash };
  });
  if (result.createdAdmin) {
    await recordEvent(deps, {
      action: "model_created",
      app: "threshold.bootstrap",
      context: { model: { app: "authentik_core", model_name: "user", name: ADMIN_USERNAME } },
    });
  }
  return result;
}
