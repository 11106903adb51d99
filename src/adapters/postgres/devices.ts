import { and, asc, eq, gt, inArray, isNull, lt, or, sql } from "drizzle-orm";
import { sha256Hex } from "../../core/encoding.js";
import { emailDevices, staticDevices, staticTokens, totpDevices, webauthnDevices } from "../../db/schema/index.js";
import type {
  DeviceRepository,
  DeviceSummary,
  EmailDevice,
  StaticDevice,
  TotpDevice,
} from "../../ports/devices.js";
import type { Db } from "./db.js";
import { guard } from "./errors.js";

type TotpRow = typeof totpDevices.$inferSelect;
type StaticRow = typeof staticDevices.$inferSelect;
type EmailRow = typeof emailDevices.$inferSelect;

const ALGORITHMS = ["SHA1", "SHA256", "SHA512"] as const;

function toTotp(row: TotpRow): TotpDevice {
  return {
    pk: row.id,
    userPk: row.userId,
    name: row.name,
    confirmed: row.confirmed,
    keyWrapped: row.keyWrapped,
    digits: row.digits === 8 ? 8 : 6,
    period: row.period,
    algorithm: ALGORITHMS.find((a) => a === row.algorithm) ?? "SHA1",
    lastT: row.lastT,
    created: row.created,
    lastUsed: row.lastUsed,
  };
}

function toStatic(row: StaticRow): StaticDevice {
  return { pk: row.id, userPk: row.userId, name: row.name, confirmed: row.confirmed, created: row.created, lastUsed: row.lastUsed };
}

function toEmail(row: EmailRow): EmailDevice {
  return {
    pk: row.id,
    userPk: row.userId,
    name: row.name,
    confirmed: row.confirmed,
    email: row.email,
    validUntil: row.validUntil,
    created: row.created,
    lastUsed: row.lastUsed,
  };
}

/** Columns every device table shares, for the class listing. */
function summaryColumns(t: typeof totpDevices | typeof staticDevices | typeof emailDevices | typeof webauthnDevices) {
  return { pk: t.id, userPk: t.userId, name: t.name, created: t.created, lastUsed: t.lastUsed };
}

export function deviceRepository(db: Db): DeviceRepository {
  const confirmedOnly = (t: typeof totpDevices | typeof emailDevices, all?: boolean) =>
    all ? undefined : eq(t.confirmed, true);

  return {
    async devicesOf(userPk) {
      const tables = [
        ["totp", totpDevices],
        ["static", staticDevices],
        ["email", emailDevices],
        ["webauthn", webauthnDevices],
      ] as const;
      const out: DeviceSummary[] = [];
      for (const [deviceClass, t] of tables) {
        const rows = await db
          .select(summaryColumns(t))
          .from(t)
          .where(and(eq(t.userId, userPk), eq(t.confirmed, true)))
          .orderBy(asc(t.created), asc(t.id));
        for (const r of rows) out.push({ deviceClass, ...r });
      }
      return out.sort((a, b) => a.created.getTime() - b.created.getTime());
    },

    async createTotp(d) {
      const [row] = await guard(
        db
          .insert(totpDevices)
          .values({
            userId: d.userPk,
            name: d.name,
            keyWrapped: d.keyWrapped,
            digits: d.digits ?? 6,
            period: d.period ?? 30,
            confirmed: d.confirmed ?? false,
          })
          .returning(),
      );
      return toTotp(row!);
    },

    async totpByPk(pk) {
      const [row] = await db.select().from(totpDevices).where(eq(totpDevices.id, pk)).limit(1);
      return row ? toTotp(row) : null;
    },

    async totpOf(userPk, opts = {}) {
      const rows = await db
        .select()
        .from(totpDevices)
        .where(and(eq(totpDevices.userId, userPk), confirmedOnly(totpDevices, opts.includeUnconfirmed)))
        .orderBy(asc(totpDevices.id));
      return rows.map(toTotp);
    },

    async acceptTotpStep(pk, step, at) {
      const rows = await db
        .update(totpDevices)
        .set({ lastT: step, lastUsed: at })
        .where(and(eq(totpDevices.id, pk), or(isNull(totpDevices.lastT), lt(totpDevices.lastT, step))))
        .returning({ id: totpDevices.id });
      return rows.length === 1;
    },

    async confirmTotp(pk, userPk) {
      const rows = await db
        .update(totpDevices)
        .set({ confirmed: true })
        .where(and(eq(totpDevices.id, pk), eq(totpDevices.userId, userPk)))
        .returning({ id: totpDevices.id });
      return rows.length === 1;
    },

    async createStatic(d) {
      const hashes = await Promise.all(d.tokens.map((t) => sha256Hex(t)));
      return db.transaction(async (tx) => {
        const [row] = await guard(
          tx.insert(staticDevices).values({ userId: d.userPk, name: d.name, confirmed: d.confirmed ?? false }).returning(),
        );
        if (hashes.length > 0) {
          await tx.insert(staticTokens).values(hashes.map((tokenHash) => ({ deviceId: row!.id, tokenHash })));
        }
        return toStatic(row!);
      });
    },

    async staticByPk(pk) {
      const [row] = await db.select().from(staticDevices).where(eq(staticDevices.id, pk)).limit(1);
      return row ? toStatic(row) : null;
    },

    async confirmStatic(pk, userPk) {
      const rows = await db
        .update(staticDevices)
        .set({ confirmed: true })
        .where(and(eq(staticDevices.id, pk), eq(staticDevices.userId, userPk)))
        .returning({ id: staticDevices.id });
      return rows.length === 1;
    },

    async consumeStaticToken(userPk, token, at) {
      const tokenHash = await sha256Hex(token);
      // One token row per code: the DELETE removes at most one row (ctid picks it), and only the
      // transaction whose DELETE returned it wins; a concurrent one finds nothing to delete.
      const owned = db
        .select({ id: staticDevices.id })
        .from(staticDevices)
        .where(and(eq(staticDevices.userId, userPk), eq(staticDevices.confirmed, true)));
      const first = db
        .select({ id: staticTokens.id })
        .from(staticTokens)
        .where(and(eq(staticTokens.tokenHash, tokenHash), inArray(staticTokens.deviceId, owned)))
        .limit(1);
      const [spent] = await db
        .delete(staticTokens)
        .where(inArray(staticTokens.id, first))
        .returning({ deviceId: staticTokens.deviceId });
      if (!spent) return null;
      const [row] = await db
        .update(staticDevices)
        .set({ lastUsed: at })
        .where(eq(staticDevices.id, spent.deviceId))
        .returning();
      return row ? toStatic(row) : null;
    },

    async staticTokenCount(pk) {
      const [row] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(staticTokens)
        .where(eq(staticTokens.deviceId, pk));
      return Number(row?.n ?? 0);
    },

    async createEmail(d) {
      const [row] = await guard(
        db
          .insert(emailDevices)
          .values({ userId: d.userPk, name: d.name, email: d.email, confirmed: d.confirmed ?? false })
          .returning(),
      );
      return toEmail(row!);
    },

    async emailByPk(pk) {
      const [row] = await db.select().from(emailDevices).where(eq(emailDevices.id, pk)).limit(1);
      return row ? toEmail(row) : null;
    },

    async emailOf(userPk, opts = {}) {
      const rows = await db
        .select()
        .from(emailDevices)
        .where(and(eq(emailDevices.userId, userPk), confirmedOnly(emailDevices, opts.includeUnconfirmed)))
        .orderBy(asc(emailDevices.id));
      return rows.map(toEmail);
    },

    async setEmailToken(pk, token, validUntil, email) {
      await db
        .update(emailDevices)
        .set({ tokenHash: await sha256Hex(token), validUntil, ...(email !== undefined ? { email } : {}) })
        .where(eq(emailDevices.id, pk));
    },

    async consumeEmailToken(pk, token, now) {
      const rows = await db
        .update(emailDevices)
        .set({ tokenHash: null, validUntil: null, lastUsed: now })
        .where(and(eq(emailDevices.id, pk), eq(emailDevices.tokenHash, await sha256Hex(token)), gt(emailDevices.validUntil, now)))
        .returning({ id: emailDevices.id });
      return rows.length === 1;
    },

    async confirmEmail(pk, userPk) {
      const rows = await db
        .update(emailDevices)
        .set({ confirmed: true })
        .where(and(eq(emailDevices.id, pk), eq(emailDevices.userId, userPk)))
        .returning({ id: emailDevices.id });
      return rows.length === 1;
    },

    async deleteDevice(deviceClass, pk, userPk) {
      const t = deviceClass === "totp" ? totpDevices : deviceClass === "static" ? staticDevices : emailDevices;
      const rows = await db
        .delete(t)
        .where(and(eq(t.id, pk), eq(t.userId, userPk)))
        .returning({ id: t.id });
      return rows.length === 1;
    },
  };
}
