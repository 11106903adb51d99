import { eq, inArray } from "drizzle-orm";
import { NotFoundError } from "../../core/errors.js";
import type { Group, GroupRepository } from "../../ports/store.js";
import { groupMemberships, groupParents, groups } from "../../db/schema/index.js";
import { isUuid, type Db } from "./db.js";
import { guard } from "./errors.js";

type GroupRow = typeof groups.$inferSelect;

/** Loads the direct parents of `rows` in one query and maps them to domain groups. */
export async function withParents(db: Db, rows: GroupRow[]): Promise<Group[]> {
  if (rows.length === 0) return [];
  const links = await db
    .select()
    .from(groupParents)
    .where(
      inArray(
        groupParents.childId,
        rows.map((r) => r.groupUuid),
      ),
    );
  return rows.map((r) =>
    toGroup(
      r,
      links.filter((l) => l.childId === r.groupUuid).map((l) => l.parentId),
    ),
  );
}

export function toGroup(r: GroupRow, parentPks: string[]): Group {
  return { pk: r.groupUuid, name: r.name, isSuperuser: r.isSuperuser, attributes: r.attributes, parentPks };
}

export function groupRepository(db: Db): GroupRepository {
  return {
    async create(group) {
      const parentPks = [...new Set(group.parentPks ?? [])];
      // The group and its parent links commit together (a savepoint when already in a transaction).
      const row = await guard(
        db.transaction(async (tx) => {
          const [created] = await tx
            .insert(groups)
            .values({ name: group.name, isSuperuser: group.isSuperuser, attributes: group.attributes })
            .returning();
          if (parentPks.length > 0) {
            await tx
              .insert(groupParents)
              .values(parentPks.map((parentId) => ({ childId: created!.groupUuid, parentId })));
          }
          return created!;
        }),
      );
      return { pk: row.groupUuid, name: row.name, isSuperuser: row.isSuperuser, attributes: row.attributes, parentPks };
    },

    async byName(name) {
      const rows = await db.select().from(groups).where(eq(groups.name, name)).limit(1);
      const [group] = await withParents(db, rows);
      return group ?? null;
    },

    async addMember(groupPk, userPk) {
      if (!isUuid(groupPk)) throw new NotFoundError(`group ${groupPk} does not exist`);
      await guard(
        db.insert(groupMemberships).values({ groupId: groupPk, userId: userPk }).onConflictDoNothing(),
      );
    },

    async groupsOf(userPk) {
      const rows = await db
        .select({ group: groups })
        .from(groupMemberships)
        .innerJoin(groups, eq(groups.groupUuid, groupMemberships.groupId))
        .where(eq(groupMemberships.userId, userPk))
        .orderBy(groups.name);
      return withParents(
        db,
        rows.map((r) => r.group),
      );
    },
  };
}
