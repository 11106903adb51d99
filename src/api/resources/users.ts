/**
 * `core/users` (authentik's UserSerializer) with `me/`, `{id}/set_password/` and
 * `{id}/recovery/`. Also what the LDAP outpost lists (`page_size=1000`, `username=` filter).
 */
import * as z from "zod";
import { createRecoveryLink } from "../../flows/recovery-link.js";
import { sha256Hex } from "../../core/encoding.js";
import { ValidationError } from "../../core/errors.js";
import { ancestorsOf } from "../../protocols/ldap/serialize.js";
import type { AdminRow } from "../../ports/admin.js";
import { auditModel } from "../audit.js";
import { ForbiddenError } from "../../core/errors.js";
import { fieldError, parseBody } from "../http.js";
import { isSuperuserAccount } from "../rbac.js";
import type { Ctx, ResourceDef } from "../resource.js";
import { attributes, distinct, iso, nullableDate, pick } from "./common.js";
import { groupBrief } from "./groups.js";

const groupObj = z.object({
  pk: z.uuid(),
  num_pk: z.number().int(),
  name: z.string(),
  is_superuser: z.boolean(),
  parent: z.uuid().nullable(),
  parent_name: z.string().nullable(),
  attributes: z.record(z.string(), z.unknown()),
});

export const userOutput = z.object({
  pk: z.number().int(),
  username: z.string(),
  name: z.string(),
  is_active: z.boolean(),
  last_login: nullableDate,
  date_joined: z.string(),
  is_superuser: z.boolean(),
  groups: z.array(z.uuid()),
  groups_obj: z.array(groupObj),
  email: z.string(),
  avatar: z.string(),
  attributes: z.record(z.string(), z.unknown()),
  uid: z.string(),
  path: z.string(),
  type: z.enum(["internal", "external", "service_account", "internal_service_account"]),
  uuid: z.uuid(),
  password_change_date: nullableDate,
});
export type UserOut = z.infer<typeof userOutput>;

const USERNAME = /^[\w.@+-]+$/;

const input = z.object({
  username: z.string().trim().min(1, "This field may not be blank.").max(150).regex(USERNAME, "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."),
  name: z.string().max(255).default(""),
  is_active: z.boolean().default(true),
  email: z.union([z.email(), z.literal("")]).default(""),
  path: z.string().max(255).regex(/^[^/](.*[^/])?$|^$/, "Path may not start or end with a slash.").default("users"),
  type: z.enum(["internal", "external", "service_account", "internal_service_account"]).default("internal"),
  attributes: attributes.default({}),
  groups: z.array(z.uuid()).max(1000).optional(),
});

/** An initials avatar as an inline SVG (no third-party request; authentik's "initials" mode). */
function avatar(name: string, username: string): string {
  const initials = (name || username)
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join("")
    .replace(/[^A-Z0-9]/g, "") || "?";
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="#4a5568"/><text x="50%" y="50%" dy=".35em" text-anchor="middle" font-family="sans-serif" font-size="26" fill="#fff">${initials}</text></svg>`;
  return `data:image/svg+xml;base64,${btoa(svg)}`;
}

/** The directory needed to serialize users: every group and parent link (groups are few). */
async function directory(ctx: Ctx) {
  const [groups, links] = await Promise.all([ctx.repos.admin.all("groups", [], 100_000), ctx.repos.admin.all("groupParents", [], 1_000_000)]);
  const parents = new Map<string, string[]>();
  for (const l of links) parents.set(l.childId as string, [...(parents.get(l.childId as string) ?? []), l.parentId as string]);
  return { groups: new Map(groups.map((g) => [g.groupUuid as string, g])), parents, names: new Map(groups.map((g) => [g.groupUuid as string, g.name as string])) };
}

export async function serializeUsers(rows: AdminRow[], ctx: Ctx): Promise<UserOut[]> {
  if (rows.length === 0) return [];
  const pks = distinct<number>(rows, "id");
  const [memberships, dir] = await Promise.all([ctx.repos.admin.all("groupMemberships", [{ column: "userId", op: "in", value: pks }], 1_000_000), directory(ctx)]);
  return Promise.all(
    rows.map(async (u) => {
      const groupPks = memberships.filter((m) => m.userId === u.id).map((m) => m.groupId as string);
      const all = ancestorsOf(groupPks, dir.parents);
      return {
        pk: u.id as number,
        username: u.username as string,
        name: u.name as string,
        is_active: u.isActive as boolean,
        last_login: iso(u.lastLogin),
        date_joined: iso(u.dateJoined)!,
        is_superuser: [...all].some((pk) => dir.groups.get(pk)?.isSuperuser === true),
        groups: groupPks,
        groups_obj: groupPks.flatMap((pk) => {
          const g = dir.groups.get(pk);
          return g ? [groupBrief(g, dir.parents.get(pk) ?? [], dir.names)] : [];
        }),
        email: u.email as string,
        avatar: avatar(u.name as string, u.username as string),
        attributes: u.attributes as Record<string, unknown>,
        // The same opaque uid the LDAP outpost has always used.
        uid: await sha256Hex(`threshold-user-${u.uuid as string}`),
        path: u.path as string,
        type: u.type as UserOut["type"],
        uuid: u.uuid as string,
        password_change_date: iso(u.passwordChangeDate),
      };
    }),
  );
}

/** Only superusers act on superusers' accounts (see `isSuperuserAccount`). */
async function guardTarget(ctx: Ctx, row: AdminRow): Promise<void> {
  if (ctx.principal.permissions.superuser || row.id === ctx.principal.user.pk) return;
  if (await isSuperuserAccount(ctx.repos, row.id as number)) throw new ForbiddenError("Only superusers may change a superuser's account.");
}

async function checkGroups(ctx: Ctx, groups: string[]): Promise<void> {
  if (groups.length === 0) return;
  const found = await ctx.repos.admin.all("groups", [{ column: "groupUuid", op: "in", value: groups }]);
  if (found.length !== new Set(groups).size) throw fieldError("groups", "Invalid pk - object does not exist.", "does_not_exist");
  if (found.some((g) => g.isSuperuser) && !ctx.principal.permissions.superuser) {
    throw fieldError("groups", "Only superusers may add members to superuser groups.", "permission_denied");
  }
}

const setPasswordBody = z.object({ password: z.string().min(1, "This field may not be blank.").max(4096) });
const meOutput = z.object({
  user: userOutput.extend({ system_permissions: z.array(z.string()), settings: z.record(z.string(), z.unknown()) }),
  original: userOutput.nullable(),
});
const linkOutput = z.object({ link: z.string() });

async function recovery(ctx: Ctx, row: AdminRow | null): Promise<Response> {
  await guardTarget(ctx, row!);
  const origin = new URL(ctx.c.req.url).origin;
  const brand = await ctx.repos.brands.forHost(new URL(ctx.c.req.url).host);
  const flow = brand?.flowRecovery ? await ctx.repos.flows.byPk(brand.flowRecovery) : await ctx.repos.flows.firstByDesignation("recovery");
  if (!flow) throw new ValidationError("No recovery flow", { non_field_errors: [{ string: "No recovery flow is configured.", code: "no_recovery_flow" }] });
  const result = await createRecoveryLink(ctx.c.env, { username: row!.username as string, expiresMs: 30 * 60_000, base: origin, flowSlug: flow.slug });
  if (!result.ok) throw new ValidationError(result.error, { non_field_errors: [{ string: result.error, code: "invalid" }] });
  await auditModel(ctx.c, "secret_view", { app: "authentik_core", modelName: "user", pk: row!.id as number, name: row!.username as string }, { reason: "recovery link created" });
  return ctx.c.json({ link: result.url });
}

export const usersResource: ResourceDef<UserOut> = {
  path: "core/users",
  tag: "core",
  table: "users",
  app: "authentik_core",
  model: "user",
  name: "User",
  verbose: "user",
  pk: "id",
  lookup: { param: "id", type: "integer" },
  output: userOutput,
  serialize: serializeUsers,
  displayName: (r) => r.username as string,
  input,
  async toValues(data, ctx, existing) {
    if (existing) await guardTarget(ctx, existing);
    if (data.groups !== undefined) await checkGroups(ctx, data.groups as string[]);
    return pick(data, { username: "username", name: "name", is_active: "isActive", email: "email", path: "path", type: "type", attributes: "attributes" });
  },
  async afterWrite(row, data, ctx) {
    if (data.groups !== undefined) await ctx.repos.admin.setLinks("groupMemberships", "userId", row.id as number, "groupId", data.groups as string[]);
  },
  async beforeDelete(row, ctx) {
    await guardTarget(ctx, row);
    if (row.id === ctx.principal.user.pk) throw new ValidationError("Cannot delete yourself", { non_field_errors: [{ string: "You cannot delete your own account here.", code: "invalid" }] });
  },
  search: ["username", "name", "email", "path"],
  ordering: { pk: "id", username: "username", name: "name", email: "email", is_active: "isActive", last_login: "lastLogin", date_joined: "dateJoined", path: "path", type: "type" },
  defaultOrdering: [{ column: "id", desc: false }],
  filters: {
    username: { column: "username", type: "string" },
    email: { column: "email", type: "string" },
    name: { column: "name", type: "string" },
    is_active: { column: "isActive", type: "boolean" },
    path: { column: "path", type: "string" },
    type: { column: "type", type: "string" },
    uuid: { column: "uuid", type: "uuid" },
    pk: { column: "id", op: "in", type: "integer", description: "Comma-separated pks" },
  },
  actions: [
    {
      method: "get",
      name: "me",
      summary: "The authenticated user, with the permissions it holds",
      action: null,
      response: meOutput,
      responseName: "SessionUser",
      async handler(ctx) {
        const row = await ctx.repos.admin.get("users", ctx.principal.user.pk);
        const [user] = await serializeUsers([row!], ctx);
        return ctx.c.json({ user: { ...user!, system_permissions: [...ctx.principal.permissions.patterns], settings: {} }, original: null });
      },
    },
    {
      method: "post",
      name: "set_password",
      detail: true,
      summary: "Set a user's password",
      action: "change",
      body: setPasswordBody,
      bodyName: "UserPasswordSetRequest",
      status: 204,
      response: null,
      async handler(ctx, row) {
        await guardTarget(ctx, row!);
        const { password } = await parseBody(ctx.c, setPasswordBody);
        const hash = await ctx.c.env.passwords.hash(password);
        await ctx.repos.users.setPassword(row!.id as number, hash, ctx.c.env.clock.now());
        await auditModel(ctx.c, "password_set", { app: "authentik_core", modelName: "user", pk: row!.id as number, name: row!.username as string });
        return ctx.c.body(null, 204);
      },
    },
    {
      method: "post",
      name: "recovery",
      detail: true,
      summary: "Create a single-use recovery link for a user (30 minutes)",
      action: "change",
      response: linkOutput,
      responseName: "Link",
      handler: recovery,
    },
    {
      method: "get",
      name: "recovery",
      detail: true,
      summary: "Create a single-use recovery link for a user (30 minutes; authentik ≤ 2024 used GET)",
      action: "change",
      response: linkOutput,
      responseName: "Link",
      handler: recovery,
    },
  ],
};

