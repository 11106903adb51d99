import { and, eq, gt, isNull, lt, or, sql } from "drizzle-orm";
import { NotFoundError } from "../../core/errors.js";
import { invitations, policyBindingModels, policyBindings, userConsents, users } from "../../db/schema/index.js";
import type { EnrollmentRepository, Invitation, UserConsent } from "../../ports/enrollment.js";
import { isUuid, type Db } from "./db.js";
import { guard } from "./errors.js";
import { toUser } from "./users.js";

type InvitationRow = typeof invitations.$inferSelect;
type ConsentRow = typeof userConsents.$inferSelect;

function toInvitation(row: InvitationRow): Invitation {
  return {
    pk: row.inviteUuid,
    name: row.name,
    flowPk: row.flowId,
    expiring: row.expiring,
    expires: row.expires,
    fixedData: row.fixedData,
    singleUse: row.singleUse,
    createdByPk: row.createdById,
    created: row.created,
  };
}

function toConsent(row: ConsentRow): UserConsent {
  return {
    pk: row.consentUuid,
    userPk: row.userId,
    applicationPk: row.applicationId,
    permissions: row.permissions.split(" ").filter(Boolean),
    expiring: row.expiring,
    expires: row.expires,
  };
}

/** authentik's `ExpiringModel.filter_not_expired`: not expiring, or expiring later than `now`. */
const invitationValid = (now: Date) =>
  or(eq(invitations.expiring, false), isNull(invitations.expires), gt(invitations.expires, now));

const consentValid = (now: Date) =>
  or(eq(userConsents.expiring, false), isNull(userConsents.expires), gt(userConsents.expires, now));

export function enrollmentRepository(db: Db): EnrollmentRepository {
  return {
    async createInvitation(inv) {
      const [row] = await guard(
        db
          .insert(invitations)
          .values({
            name: inv.name,
            flowId: inv.flowPk ?? null,
            expiring: inv.expiring ?? inv.expires != null,
            expires: inv.expires ?? null,
            fixedData: inv.fixedData ?? {},
            singleUse: inv.singleUse ?? false,
            createdById: inv.createdByPk ?? null,
          })
          .returning(),
      );
      return toInvitation(row!);
    },

    async validInvitation(pk, now) {
      if (!isUuid(pk)) return null;
      const [row] = await db
        .select()
        .from(invitations)
        .where(and(eq(invitations.inviteUuid, pk), invitationValid(now)))
        .limit(1);
      return row ? toInvitation(row) : null;
    },

    async consumeInvitation(pk, now) {
      if (!isUuid(pk)) return null;
      // One statement: of two concurrent uses only one DELETE finds the row.
      const [row] = await db
        .delete(invitations)
        .where(and(eq(invitations.inviteUuid, pk), eq(invitations.singleUse, true), invitationValid(now)))
        .returning();
      return row ? toInvitation(row) : null;
    },

    async deleteExpiredInvitations(now) {
      const rows = await db
        .delete(invitations)
        .where(and(eq(invitations.expiring, true), lt(invitations.expires, now)))
        .returning({ pk: invitations.inviteUuid });
      return rows.length;
    },

    async deleteExpiredConsents(now) {
      const rows = await db
        .delete(userConsents)
        .where(and(eq(userConsents.expiring, true), lt(userConsents.expires, now)))
        .returning({ pk: userConsents.consentUuid });
      return rows.length;
    },

    async consentOf(userPk, applicationPk, now) {
      if (!isUuid(applicationPk)) return null;
      const [row] = await db
        .select()
        .from(userConsents)
        .where(and(eq(userConsents.userId, userPk), eq(userConsents.applicationId, applicationPk), consentValid(now)))
        .limit(1);
      return row ? toConsent(row) : null;
    },

    async saveConsent(c) {
      const values = {
        userId: c.userPk,
        applicationId: c.applicationPk,
        permissions: [...new Set(c.permissions)].join(" "),
        expiring: c.expires !== null,
        expires: c.expires,
      };
      const [row] = await guard(
        db
          .insert(userConsents)
          .values(values)
          .onConflictDoUpdate({
            target: [userConsents.userId, userConsents.applicationId],
            set: { permissions: values.permissions, expiring: values.expiring, expires: values.expires },
          })
          .returning(),
      );
      return toConsent(row!);
    },

    async userByEmail(email) {
      const [row] = await db
        .select()
        .from(users)
        .where(sql`lower(${users.email}) = lower(${email})`)
        .orderBy(users.id)
        .limit(1);
      return row ? toUser(row) : null;
    },

    async updateUser(pk, patch) {
      const set: Partial<typeof users.$inferInsert> = {};
      if (patch.username !== undefined) set.username = patch.username;
      if (patch.name !== undefined) set.name = patch.name;
      if (patch.email !== undefined) set.email = patch.email;
      if (patch.emailVerified !== undefined) set.emailVerified = patch.emailVerified;
      if (patch.isActive !== undefined) set.isActive = patch.isActive;
      if (patch.type !== undefined) set.type = patch.type;
      if (patch.path !== undefined) set.path = patch.path;
      if (patch.attributes !== undefined) set.attributes = patch.attributes;
      if (patch.passwordHash !== undefined) {
        set.password = patch.passwordHash;
        set.passwordChangeDate = patch.passwordChangedAt ?? new Date();
      }
      const query =
        Object.keys(set).length === 0
          ? db.select().from(users).where(eq(users.id, pk))
          : db.update(users).set(set).where(eq(users.id, pk)).returning();
      const [row] = await guard(query);
      if (!row) throw new NotFoundError(`user ${pk} does not exist`);
      return toUser(row);
    },

    async deleteUser(pk) {
      const rows = await db.delete(users).where(eq(users.id, pk)).returning({ id: users.id });
      return rows.length === 1;
    },

    async syncValidationTarget(targetPk, policyPks) {
      const current = await db
        .select({ policyId: policyBindings.policyId })
        .from(policyBindings)
        .where(eq(policyBindings.targetId, targetPk))
        .orderBy(policyBindings.order);
      const [target] = await db
        .select({ mode: policyBindingModels.policyEngineMode })
        .from(policyBindingModels)
        .where(eq(policyBindingModels.pbmUuid, targetPk));
      const same =
        target?.mode === "all" &&
        current.length === policyPks.length &&
        current.every((b, i) => b.policyId === policyPks[i]);
      if (same) return;
      await db.transaction(async (tx) => {
        await tx
          .insert(policyBindingModels)
          .values({ pbmUuid: targetPk, policyEngineMode: "all" })
          .onConflictDoUpdate({ target: policyBindingModels.pbmUuid, set: { policyEngineMode: "all" } });
        await tx.delete(policyBindings).where(eq(policyBindings.targetId, targetPk));
        if (policyPks.length > 0) {
          await guard(
            tx.insert(policyBindings).values(policyPks.map((policyId, order) => ({ targetId: targetPk, policyId, order }))),
          );
        }
      });
    },
  };
}
