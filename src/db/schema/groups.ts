import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uuid,
} from "drizzle-orm/pg-core";
import { users } from "./users.js";

/** authentik_core.group. */
export const groups = pgTable("groups", {
  groupUuid: uuid("group_uuid").primaryKey().defaultRandom(),
  name: text("name").notNull().unique(),
  isSuperuser: boolean("is_superuser").notNull().default(false),
  attributes: jsonb("attributes").$type<Record<string, unknown>>().notNull().default({}),
});

/** Nested groups: `child` inherits from `parent` (a group may have several parents). */
export const groupParents = pgTable(
  "group_parents",
  {
    childId: uuid("child_id")
      .notNull()
      .references(() => groups.groupUuid, { onDelete: "cascade" }),
    parentId: uuid("parent_id")
      .notNull()
      .references(() => groups.groupUuid, { onDelete: "cascade" }),
  },
  (t) => [
    primaryKey({ columns: [t.childId, t.parentId] }),
    index("group_parents_parent_idx").on(t.parentId),
    check("group_parents_not_self", sql`${t.childId} <> ${t.parentId}`),
  ],
);

/** Direct user ↔ group membership. */
export const groupMemberships = pgTable(
  "group_memberships",
  {
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    groupId: uuid("group_id")
      .notNull()
      .references(() => groups.groupUuid, { onDelete: "cascade" }),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.groupId] }),
    index("group_memberships_group_idx").on(t.groupId),
  ],
);
