import { and, eq, sql } from "drizzle-orm";
import type { NewUser, User, UserRepository } from "../../ports/store.js";
import { users } from "../../db/schema/index.js";
import type { Db } from "./db.js";
import { guard } from "./errors.js";

type UserRow = typeof users.$inferSelect;

export function toUser(row: UserRow): User {
  return {
    pk: row.id,
    uuid: row.uuid,
    username: row.username,
    name: row.name,
    email: row.email,
    emailVerified: row.emailVerified,
    type: row.type,
    isActive: row.isActive,
    path: row.path,
    attributes: row.attributes,
    passwordHash: row.password,
    passwordChangeDate: row.passwordChangeDate,
    lastLogin: row.lastLogin,
    dateJoined: row.dateJoined,
  };
}

function toRow(u: NewUser): typeof users.$inferInsert {
  return {
    username: u.username,
    name: u.name,
    email: u.email,
    emailVerified: u.emailVerified,
    type: u.type,
    isActive: u.isActive,
    path: u.path,
    attributes: u.attributes,
    password: u.passwordHash ?? null,
  };
}

export function userRepository(db: Db): UserRepository {
  return {
    async create(user) {
      const [row] = await guard(db.insert(users).values(toRow(user)).returning());
      return toUser(row!);
    },

    async createMany(list) {
      if (list.length === 0) return [];
      // One INSERT statement: Postgres applies it atomically, so a duplicate anywhere inserts none.
      const rows = await guard(db.insert(users).values(list.map(toRow)).returning());
      return rows.map(toUser);
    },

    async byPk(pk) {
      if (!Number.isSafeInteger(pk)) return null;
      const [row] = await db.select().from(users).where(eq(users.id, pk)).limit(1);
      return row ? toUser(row) : null;
    },

    async byUsername(username) {
      // Served by the unique index on lower(username).
      const [row] = await db
        .select()
        .from(users)
        .where(sql`lower(${users.username}) = lower(${username})`)
        .limit(1);
      return row ? toUser(row) : null;
    },

    async setPassword(pk, passwordHash, changedAt) {
      await db
        .update(users)
        .set({ password: passwordHash, passwordChangeDate: changedAt })
        .where(eq(users.id, pk));
    },

    async upgradePasswordHash(pk, expected, next) {
      // Compare-and-set: a concurrent password change (or another re-hash) wins over this one.
      const rows = await db
        .update(users)
        .set({ password: next })
        .where(and(eq(users.id, pk), eq(users.password, expected)))
        .returning({ id: users.id });
      return rows.length === 1;
    },

    count() {
      return db.$count(users);
    },

    async markEmailVerified(pk, opts) {
      await db
        .update(users)
        .set(opts?.activate ? { emailVerified: true, isActive: true } : { emailVerified: true })
        .where(eq(users.id, pk));
    },
  };
}
