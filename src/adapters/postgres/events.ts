import { and, asc, desc, eq, isNull, lt } from "drizzle-orm";
import type { Event, EventRepository } from "../../ports/store.js";
import { events } from "../../db/schema/index.js";
import { isUuid, type Db } from "./db.js";

type EventRow = typeof events.$inferSelect;

function toEvent(row: EventRow): Event {
  return {
    pk: row.eventUuid,
    action: row.action,
    user: row.user,
    app: row.app,
    context: row.context,
    clientIp: row.clientIp,
    brand: row.brand,
    created: row.created,
    expires: row.expires,
    processedAt: row.processedAt,
  };
}

export function eventRepository(db: Db): EventRepository {
  return {
    async create(event) {
      const [row] = await db
        .insert(events)
        .values({
          action: event.action,
          user: event.user,
          app: event.app,
          context: event.context,
          clientIp: event.clientIp ?? null,
          brand: event.brand,
          expires: event.expires,
        })
        .returning();
      return toEvent(row!);
    },

    async byPk(pk) {
      if (!isUuid(pk)) return null;
      const [row] = await db.select().from(events).where(eq(events.eventUuid, pk)).limit(1);
      return row ? toEvent(row) : null;
    },

    async markProcessed(pk, at) {
      if (!isUuid(pk)) return false;
      // Conditional UPDATE: of two concurrent consumers exactly one sees a returned row.
      const rows = await db
        .update(events)
        .set({ processedAt: at })
        .where(and(eq(events.eventUuid, pk), isNull(events.processedAt)))
        .returning({ pk: events.eventUuid });
      return rows.length === 1;
    },

    async deleteExpired(now) {
      const rows = await db
        .delete(events)
        .where(lt(events.expires, now))
        .returning({ pk: events.eventUuid });
      return rows.length;
    },

    async listUnprocessed(createdBefore, limit) {
      const rows = await db
        .select()
        .from(events)
        .where(and(isNull(events.processedAt), lt(events.created, createdBefore)))
        .orderBy(asc(events.created))
        .limit(Math.max(0, Math.floor(limit)));
      return rows.map(toEvent);
    },

    async list({ limit, action }) {
      const rows = await db
        .select()
        .from(events)
        .where(action === undefined ? undefined : eq(events.action, action))
        .orderBy(desc(events.created), desc(events.eventUuid))
        .limit(Math.max(0, Math.floor(limit)));
      return rows.map(toEvent);
    },
  };
}
