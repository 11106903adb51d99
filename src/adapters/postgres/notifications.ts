import { and, asc, desc, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type {
  NotificationDelivery,
  NotificationRepository,
  NotificationRule,
  NotificationTransport,
} from "../../ports/notifications.js";
import {
  notificationDeliveries,
  notificationRules,
  notificationRuleTransports,
  notificationTransports,
  notifications,
  policyBindingModels,
  users,
} from "../../db/schema/index.js";
import { isUuid, type Db } from "./db.js";
import { guard } from "./errors.js";
import { toUser } from "./users.js";

type TransportRow = typeof notificationTransports.$inferSelect;
type DeliveryRow = typeof notificationDeliveries.$inferSelect;

function toTransport(row: TransportRow): NotificationTransport {
  return {
    pk: row.transportUuid,
    name: row.name,
    mode: row.mode,
    webhookUrl: row.webhookUrl,
    webhookHeaders: row.webhookHeaders,
    webhookSecretWrapped: row.webhookSecret,
    sendOnce: row.sendOnce,
  };
}

function toDelivery(row: DeliveryRow): NotificationDelivery {
  return {
    pk: row.uuid,
    eventPk: row.eventId,
    transportPk: row.transportId,
    userPk: row.userId,
    rulePk: row.ruleId,
    severity: row.severity,
    status: row.status,
    attempts: row.attempts,
    lastError: row.lastError,
    deliveredAt: row.deliveredAt,
  };
}

const open = inArray(notificationDeliveries.status, ["pending", "failed"]);

export function notificationRepository(db: Db): NotificationRepository {
  return {
    async createRule(rule) {
      const transportPks = [...new Set(rule.transportPks ?? [])];
      const row = await guard(
        db.transaction(async (tx) => {
          const [target] = await tx.insert(policyBindingModels).values({}).returning();
          const [created] = await tx
            .insert(notificationRules)
            .values({
              pbmUuid: target!.pbmUuid,
              name: rule.name,
              severity: rule.severity ?? "notice",
              destinationGroupId: rule.destinationGroupPk ?? null,
              destinationEventUser: rule.destinationEventUser ?? false,
            })
            .returning();
          if (transportPks.length > 0) {
            await tx.insert(notificationRuleTransports).values(transportPks.map((transportId) => ({ ruleId: created!.pbmUuid, transportId })));
          }
          return created!;
        }),
      );
      return {
        pk: row.pbmUuid,
        name: row.name,
        severity: row.severity,
        destinationGroupPk: row.destinationGroupId,
        destinationEventUser: row.destinationEventUser,
        transportPks,
      };
    },

    async listRules() {
      const rows = await db.select().from(notificationRules).orderBy(asc(notificationRules.name));
      if (rows.length === 0) return [];
      const links = await db.select().from(notificationRuleTransports);
      return rows.map(
        (r): NotificationRule => ({
          pk: r.pbmUuid,
          name: r.name,
          severity: r.severity,
          destinationGroupPk: r.destinationGroupId,
          destinationEventUser: r.destinationEventUser,
          transportPks: links.filter((l) => l.ruleId === r.pbmUuid).map((l) => l.transportId),
        }),
      );
    },

    async createTransport(t) {
      const [row] = await guard(
        db
          .insert(notificationTransports)
          .values({
            name: t.name,
            mode: t.mode,
            webhookUrl: t.webhookUrl ?? "",
            webhookHeaders: t.webhookHeaders ?? {},
            webhookSecret: t.webhookSecretWrapped ?? null,
            sendOnce: t.sendOnce ?? false,
          })
          .returning(),
      );
      return toTransport(row!);
    },

    async transportByPk(pk) {
      if (!isUuid(pk)) return null;
      const [row] = await db.select().from(notificationTransports).where(eq(notificationTransports.transportUuid, pk)).limit(1);
      return row ? toTransport(row) : null;
    },

    async groupMembers(groupPk) {
      if (!isUuid(groupPk)) return [];
      // The group and every group nested below it (children inherit into parents); UNION stops on cycles.
      const rows = await db
        .select()
        .from(users)
        .where(
          and(
            eq(users.isActive, true),
            sql`${users.id} in (
              with recursive below(group_id) as (
                select ${groupPk}::uuid
                union
                select gp.child_id from group_parents gp join below b on gp.parent_id = b.group_id
              )
              select gm.user_id from group_memberships gm join below b on gm.group_id = b.group_id
            )`,
          ),
        )
        .orderBy(asc(users.id));
      return rows.map(toUser);
    },

    async upsertDeliveries(list) {
      if (list.length === 0) return [];
      await db
        .insert(notificationDeliveries)
        .values(
          list.map((d) => ({
            eventId: d.eventPk,
            transportId: d.transportPk,
            userId: d.userPk,
            ruleId: d.rulePk,
            severity: d.severity,
          })),
        )
        .onConflictDoNothing();
      const eventPks = [...new Set(list.map((d) => d.eventPk))];
      const rows = await db
        .select()
        .from(notificationDeliveries)
        .where(and(inArray(notificationDeliveries.eventId, eventPks), open))
        .orderBy(asc(notificationDeliveries.created), asc(notificationDeliveries.uuid));
      const keys = new Set(list.map((d) => `${d.eventPk}|${d.transportPk}|${d.userPk ?? 0}`));
      return rows.filter((r) => keys.has(`${r.eventId}|${r.transportId}|${r.userId ?? 0}`)).map(toDelivery);
    },

    async deliveryByPk(pk) {
      if (!isUuid(pk)) return null;
      const [row] = await db.select().from(notificationDeliveries).where(eq(notificationDeliveries.uuid, pk)).limit(1);
      return row ? toDelivery(row) : null;
    },

    async deliveriesOf(eventPk) {
      if (!isUuid(eventPk)) return [];
      const rows = await db
        .select()
        .from(notificationDeliveries)
        .where(eq(notificationDeliveries.eventId, eventPk))
        .orderBy(asc(notificationDeliveries.created), asc(notificationDeliveries.uuid));
      return rows.map(toDelivery);
    },

    async claimDelivery(pk, now, lockUntil) {
      if (!isUuid(pk)) return null;
      const [row] = await db
        .update(notificationDeliveries)
        .set({ attempts: sql`${notificationDeliveries.attempts} + 1`, lockedUntil: lockUntil })
        .where(
          and(
            eq(notificationDeliveries.uuid, pk),
            open,
            or(isNull(notificationDeliveries.lockedUntil), lt(notificationDeliveries.lockedUntil, now)),
          ),
        )
        .returning();
      return row ? toDelivery(row) : null;
    },

    async markDelivered(pk, at) {
      await db
        .update(notificationDeliveries)
        .set({ status: "delivered", deliveredAt: at, lockedUntil: null, lastError: null })
        .where(eq(notificationDeliveries.uuid, pk));
    },

    async markFailed(pk, error, dead) {
      await db
        .update(notificationDeliveries)
        .set({ status: dead ? "dead" : "failed", lastError: error.slice(0, 2000), lockedUntil: null })
        .where(and(eq(notificationDeliveries.uuid, pk), open));
    },

    async createNotification(n) {
      await db
        .insert(notifications)
        .values({ userId: n.userPk, severity: n.severity, body: n.body, eventId: n.eventPk })
        .onConflictDoNothing();
    },

    async notificationsOf(userPk, opts = {}) {
      const rows = await db
        .select()
        .from(notifications)
        .where(and(eq(notifications.userId, userPk), opts.unseenOnly ? eq(notifications.seen, false) : undefined))
        .orderBy(desc(notifications.created), desc(notifications.uuid))
        .limit(Math.max(0, Math.floor(opts.limit ?? 100)));
      return rows.map((r) => ({
        pk: r.uuid,
        userPk: r.userId,
        severity: r.severity,
        body: r.body,
        eventPk: r.eventId,
        seen: r.seen,
        created: r.created,
      }));
    },

    async markSeen(userPk, pks) {
      const ids = pks.filter(isUuid);
      if (ids.length === 0) return 0;
      const rows = await db
        .update(notifications)
        .set({ seen: true })
        .where(and(eq(notifications.userId, userPk), inArray(notifications.uuid, ids)))
        .returning({ pk: notifications.uuid });
      return rows.length;
    },

    async deleteOlderThan(before) {
      const d = await db.delete(notificationDeliveries).where(lt(notificationDeliveries.created, before)).returning({ pk: notificationDeliveries.uuid });
      const n = await db.delete(notifications).where(lt(notifications.created, before)).returning({ pk: notifications.uuid });
      return d.length + n.length;
    },
  };
}
