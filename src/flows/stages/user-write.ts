/**
 * User write stage (authentik `authentik/stages/user_write`): writes `prompt_data` to the pending
 * user, creating one first depending on `user_creation_mode`. Keys map as in authentik: `password`
 * is hashed (a `password_set` event), `username`/`name`/`email`/`path`/`type`/`is_active` are
 * columns, `attributes` merges, `attributes.a.b` (or `attributes_a`) writes a nested attribute,
 * `groups` is refused, anything else lands in `attributes`. The user, its group membership and
 * its fields commit in one transaction; the new user becomes the pending user.
 */
import * as z from "zod";
import { ConflictError } from "../../core/errors.js";
import type { UserPatch } from "../../ports/enrollment.js";
import type { User, UserType } from "../../ports/store.js";
import { recordEvent } from "../../services/events.js";
import { CTX } from "../plan.js";
import { defineActionStage, deny, next, type StageContext } from "../stage.js";

export const USER_TYPES = ["internal", "external", "service_account", "internal_service_account"] as const;

export const userWriteConfig = z.object({
  /** never_create: update the pending user only; create_when_required: create when there is none; always_create: always a new user. */
  user_creation_mode: z.enum(["never_create", "create_when_required", "always_create"]).default("create_when_required"),
  /** New users start inactive (e.g. until an email stage verifies them). */
  create_users_as_inactive: z.boolean().default(false),
  /** Group (uuid) new users join. */
  create_users_group: z.uuid().nullable().default(null),
  /** Type of new users (authentik's default: external). */
  user_type: z.enum(USER_TYPES).default("external"),
  /** Path of new users; empty = "users". */
  user_path_template: z.string().default(""),
});
type UserWriteConfig = z.infer<typeof userWriteConfig>;

/** Keys never written (authentik's `disallowed_user_attributes`, plus the repeat field). */
const DISCARDED = new Set(["groups", "password_repeat", "component"]);
const NOT_UNIQUE = "Failed to update user. Did you try to enter a non-unique username?";

function setNested(target: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = target;
  for (const key of path.slice(0, -1)) {
    if (["__proto__", "constructor", "prototype"].includes(key)) return;
    const child = cur[key];
    cur = cur[key] = child !== null && typeof child === "object" && !Array.isArray(child) ? { ...(child as Record<string, unknown>) } : {};
  }
  const last = path[path.length - 1]!;
  if (!["__proto__", "constructor", "prototype"].includes(last)) cur[last] = value;
}

/** Maps prompt data to a patch (password still in clear text, hashed by the caller). */
function toPatch(data: Record<string, unknown>, base: Record<string, unknown>): { patch: UserPatch; password?: string } {
  const patch: UserPatch = {};
  const attributes: Record<string, unknown> = structuredClone(base);
  let password: string | undefined;
  for (const [key, value] of Object.entries(data)) {
    if (DISCARDED.has(key)) continue;
    if (key === "password") {
      if (typeof value === "string" && value) password = value;
    } else if ((key === "username" || key === "name" || key === "email" || key === "path") && typeof value === "string") {
      patch[key] = value;
    } else if (key === "type" && (USER_TYPES as readonly unknown[]).includes(value)) {
      patch.type = value as UserType;
    } else if (key === "is_active" && typeof value === "boolean") {
      patch.isActive = value;
    } else if (key === "attributes" && value !== null && typeof value === "object" && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) setNested(attributes, [k], v);
    } else if (key.startsWith("attributes.")) {
      setNested(attributes, key.slice("attributes.".length).split("."), value);
    } else if (key.startsWith("attributes_")) {
      setNested(attributes, [key.slice("attributes_".length)], value);
    } else {
      setNested(attributes, [key], value);
    }
  }
  patch.attributes = attributes;
  return { patch, password };
}

async function write(ctx: StageContext<UserWriteConfig>, existing: User | null, data: Record<string, unknown>): Promise<{ user: User; created: boolean; passwordSet: boolean }> {
  const { patch, password } = toPatch(data, existing?.attributes ?? {});
  const now = ctx.deps.clock.now();
  if (password) {
    patch.passwordHash = await ctx.deps.passwords.hash(password);
    patch.passwordChangedAt = now;
  }
  const cfg = ctx.config;
  return ctx.deps.store.transaction(async (tx) => {
    let user = existing;
    let created = false;
    if (!user) {
      if (!patch.username) throw new ConflictError("no username for the new user");
      user = await tx.users.create({
        username: patch.username,
        isActive: !cfg.create_users_as_inactive,
        type: cfg.user_type,
        path: cfg.user_path_template || "users",
        passwordHash: null,
      });
      created = true;
      if (cfg.create_users_group) await tx.groups.addMember(cfg.create_users_group, user.pk);
    }
    user = await tx.enrollment.updateUser(user.pk, patch);
    return { user, created, passwordSet: password !== undefined };
  });
}

export const userWriteStage = defineActionStage({
  type: "user_write",
  config: userWriteConfig,

  async run(ctx) {
    const data = ctx.plan.context[CTX.promptData];
    if (data === null || typeof data !== "object") return deny("No Pending data.");
    const mode = ctx.config.user_creation_mode;
    const pending = mode === "always_create" ? null : await ctx.pendingUser();
    if (!pending && mode === "never_create") return deny("No user found and can't create new user.");

    let result: Awaited<ReturnType<typeof write>>;
    try {
      result = await write(ctx, pending, data as Record<string, unknown>);
    } catch (error) {
      if (error instanceof ConflictError) return deny(NOT_UNIQUE);
      throw error;
    }
    const { user, created, passwordSet } = result;
    ctx.plan.context[CTX.pendingUser] = user.pk;
    const fields = Object.keys(data).filter((k) => !k.startsWith("password"));
    await recordEvent(ctx.deps, {
      action: "user_write",
      user,
      clientIp: ctx.request.ip,
      context: { created, fields, flow: { pk: ctx.flow.pk, slug: ctx.flow.slug } },
    });
    if (passwordSet) await recordEvent(ctx.deps, { action: "password_set", user, clientIp: ctx.request.ip, context: {} });
    return next();
  },
});
