/** `core/groups`: nested groups (authentik's GroupSerializer), members and roles. */
import * as z from "zod";
import { groupNumPk } from "../../protocols/ldap/serialize.js";
import type { AdminRow } from "../../ports/admin.js";
import { fieldError } from "../http.js";
import { PERMISSIONS_ATTRIBUTE, ROLES_ATTRIBUTE } from "../rbac.js";
import type { Ctx, ResourceDef } from "../resource.js";
import { attributes, distinct, name, pick } from "./common.js";

export const groupOutput = z.object({
  pk: z.uuid(),
  num_pk: z.number().int(),
  name: z.string(),
  is_superuser: z.boolean(),
  /** First parent (authentik before nested parents). */
  parent: z.uuid().nullable(),
  parent_name: z.string().nullable(),
  parents: z.array(z.uuid()),
  parents_obj: z.array(z.object({ pk: z.uuid(), name: z.string() })),
  users: z.array(z.number().int()),
  users_obj: z.array(z.object({ pk: z.number().int(), username: z.string(), name: z.string(), is_active: z.boolean(), email: z.string() })).optional(),
  attributes: z.record(z.string(), z.unknown()),
  /** Built-in roles granted through `attributes["threshold.roles"]`. */
  roles: z.array(z.string()),
});
export type GroupOut = z.infer<typeof groupOutput>;

const input = z.object({
  name,
  is_superuser: z.boolean().default(false),
  parent: z.uuid().nullable().optional(),
  parents: z.array(z.uuid()).max(100).optional(),
  users: z.array(z.number().int().positive()).max(10_000).optional(),
  attributes: attributes.default({}),
});

/** A row of `groups` as the serializer sees it (also used for users' `groups_obj`). */
export function groupBrief(g: AdminRow, parents: string[], names: Map<string, string>) {
  return {
    pk: g.groupUuid as string,
    num_pk: groupNumPk(g.groupUuid as string),
    name: g.name as string,
    is_superuser: g.isSuperuser as boolean,
    parent: parents[0] ?? null,
    parent_name: parents[0] ? (names.get(parents[0]) ?? null) : null,
    attributes: g.attributes as Record<string, unknown>,
  };
}

async function serialize(rows: AdminRow[], ctx: Ctx): Promise<GroupOut[]> {
  const pks = distinct<string>(rows, "groupUuid");
  if (pks.length === 0) return [];
  const includeUsers = ctx.c.req.query("include_users") === "true";
  const [links, members] = await Promise.all([
    ctx.repos.admin.all("groupParents", [{ column: "childId", op: "in", value: pks }]),
    ctx.repos.admin.all("groupMemberships", [{ column: "groupId", op: "in", value: pks }], 1_000_000),
  ]);
  const parentPks = distinct<string>(links, "parentId");
  const parentRows = parentPks.length ? await ctx.repos.admin.all("groups", [{ column: "groupUuid", op: "in", value: parentPks }]) : [];
  const names = new Map(parentRows.map((g) => [g.groupUuid as string, g.name as string]));
  const userRows = includeUsers && members.length
    ? await ctx.repos.admin.all("users", [{ column: "id", op: "in", value: distinct<number>(members, "userId") }], 1_000_000)
    : [];
  const usersByPk = new Map(userRows.map((u) => [u.id as number, u]));
  return rows.map((g) => {
    const parents = links.filter((l) => l.childId === g.groupUuid).map((l) => l.parentId as string);
    const userPks = members.filter((m) => m.groupId === g.groupUuid).map((m) => m.userId as number).sort((a, b) => a - b);
    const roles = (g.attributes as Record<string, unknown>)[ROLES_ATTRIBUTE];
    return {
      ...groupBrief(g, parents, names),
      parents,
      parents_obj: parents.map((pk) => ({ pk, name: names.get(pk) ?? "" })),
      users: userPks,
      ...(includeUsers
        ? {
            users_obj: userPks.flatMap((pk) => {
              const u = usersByPk.get(pk);
              return u ? [{ pk, username: u.username as string, name: u.name as string, is_active: u.isActive as boolean, email: u.email as string }] : [];
            }),
          }
        : {}),
      roles: Array.isArray(roles) ? roles.map(String) : [],
    };
  });
}

/** Refuses parents that would make the group its own ancestor. */
async function checkParents(ctx: Ctx, groupPk: string | null, parents: string[]): Promise<void> {
  if (parents.length === 0) return;
  const existing = await ctx.repos.admin.all("groups", [{ column: "groupUuid", op: "in", value: parents }]);
  if (existing.length !== new Set(parents).size) throw fieldError("parents", "Invalid pk - object does not exist.", "does_not_exist");
  if (!groupPk) return;
  const links = await ctx.repos.admin.all("groupParents", [], 1_000_000);
  const children = new Map<string, string[]>();
  for (const l of links) children.set(l.parentId as string, [...(children.get(l.parentId as string) ?? []), l.childId as string]);
  const descendants = new Set<string>([groupPk]);
  const todo = [groupPk];
  while (todo.length) for (const ch of children.get(todo.pop()!) ?? []) if (!descendants.has(ch)) (descendants.add(ch), todo.push(ch));
  if (parents.some((p) => descendants.has(p))) throw fieldError("parents", "A group cannot be its own ancestor.", "cycle");
}

function wantedParents(data: Record<string, unknown>): string[] | undefined {
  if (data.parents !== undefined) return data.parents as string[];
  if (data.parent !== undefined) return data.parent ? [data.parent as string] : [];
  return undefined;
}

export const groupsResource: ResourceDef<GroupOut> = {
  path: "core/groups",
  tag: "core",
  table: "groups",
  app: "authentik_core",
  model: "group",
  name: "Group",
  verbose: "group",
  pk: "groupUuid",
  lookup: { param: "group_uuid", type: "uuid" },
  output: groupOutput,
  serialize,
  displayName: (r) => r.name as string,
  input,
  async toValues(data, ctx, existing) {
    const parents = wantedParents(data);
    if (parents) await checkParents(ctx, (existing?.groupUuid as string) ?? null, parents);
    const attrs = data.attributes as Record<string, unknown> | undefined;
    if (attrs && (attrs[ROLES_ATTRIBUTE] !== undefined || attrs[PERMISSIONS_ATTRIBUTE] !== undefined) && !ctx.principal.permissions.superuser) {
      // Roles grant permissions: only superusers hand them out (no privilege escalation by user admins).
      throw fieldError("attributes", "Only superusers may change roles and permissions.", "permission_denied");
    }
    if (data.is_superuser === true && !ctx.principal.permissions.superuser) throw fieldError("is_superuser", "Only superusers may create superuser groups.", "permission_denied");
    return pick(data, { name: "name", is_superuser: "isSuperuser", attributes: "attributes" });
  },
  async afterWrite(row, data, ctx) {
    const parents = wantedParents(data);
    if (parents) await ctx.repos.admin.setLinks("groupParents", "childId", row.groupUuid as string, "parentId", parents);
    if (data.users !== undefined) {
      const users = [...new Set(data.users as number[])];
      const found = users.length ? await ctx.repos.admin.count("users", [{ column: "id", op: "in", value: users }]) : 0;
      if (found !== users.length) throw fieldError("users", "Invalid pk - object does not exist.", "does_not_exist");
      await ctx.repos.admin.setLinks("groupMemberships", "groupId", row.groupUuid as string, "userId", users);
    }
  },
  search: ["name"],
  ordering: { name: "name", is_superuser: "isSuperuser" },
  defaultOrdering: [{ column: "name", desc: false }],
  filters: {
    name: { column: "name", type: "string" },
    is_superuser: { column: "isSuperuser", type: "boolean" },
  },
};
