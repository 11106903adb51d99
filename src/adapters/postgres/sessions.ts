import { and, eq, lt, ne } from "drizzle-orm";
import type { AuthenticatedSession, SessionRepository } from "../../ports/store.js";
import { authenticatedSessions } from "../../db/schema/index.js";
import { isUuid, type Db } from "./db.js";
import { guard } from "./errors.js";

type SessionRow = typeof authenticatedSessions.$inferSelect;

function toSession(row: SessionRow): AuthenticatedSession {
  return {
    uuid: row.uuid,
    sessionKeyHash: row.sessionKeyHash,
    userPk: row.userId,
    lastIp: row.lastIp,
    lastUserAgent: row.lastUserAgent,
    lastUsed: row.lastUsed,
    expires: row.expires,
  };
}

export function sessionRepository(db: Db): SessionRepository {
  return {
    async create(session) {
      const [row] = await guard(
        db
          .insert(authenticatedSessions)
          .values({
            sessionKeyHash: session.sessionKeyHash,
            userId: session.userPk,
            lastIp: session.lastIp,
            lastUserAgent: session.lastUserAgent,
            expires: session.expires,
          })
          .returning(),
      );
      return toSession(row!);
    },

    async byKeyHash(sessionKeyHash) {
      const [row] = await db
        .select()
        .from(authenticatedSessions)
        .where(eq(authenticatedSessions.sessionKeyHash, sessionKeyHash))
        .limit(1);
      return row ? toSession(row) : null;
    },

    async touch(uuid, at, ip, userAgent) {
      if (!isUuid(uuid)) return;
      await db
        .update(authenticatedSessions)
        .set({ lastUsed: at, lastIp: ip, lastUserAgent: userAgent })
        .where(eq(authenticatedSessions.uuid, uuid));
    },

    async delete(uuid) {
      if (!isUuid(uuid)) return;
      await db.delete(authenticatedSessions).where(eq(authenticatedSessions.uuid, uuid));
    },

    async deleteOthers(userPk, keepUuid) {
      const rows = await db
        .delete(authenticatedSessions)
        .where(and(eq(authenticatedSessions.userId, userPk), ne(authenticatedSessions.uuid, keepUuid)))
        .returning({ keyHash: authenticatedSessions.sessionKeyHash });
      return rows.map((r) => r.keyHash);
    },

    async deleteExpired(now) {
      const rows = await db
        .delete(authenticatedSessions)
        .where(lt(authenticatedSessions.expires, now))
        .returning({ uuid: authenticatedSessions.uuid });
      return rows.length;
    },
  };
}
