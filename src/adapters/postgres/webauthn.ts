import { and, asc, eq, gt, or, sql } from "drizzle-orm";
import { webauthnDevices } from "../../db/schema/index.js";
import type { WebAuthnDevice, WebAuthnRepository, WebAuthnTransport } from "../../ports/webauthn.js";
import type { Db } from "./db.js";
import { guard } from "./errors.js";

type Row = typeof webauthnDevices.$inferSelect;

function toDevice(row: Row): WebAuthnDevice {
  return {
    pk: row.id,
    userPk: row.userId,
    name: row.name,
    credentialId: row.credentialId,
    publicKey: row.publicKey,
    signCount: row.signCount,
    aaguid: row.aaguid,
    transports: row.transports as WebAuthnTransport[],
    rpId: row.rpId,
    deviceType: row.deviceType === "multiDevice" ? "multiDevice" : "singleDevice",
    backedUp: row.backedUp,
    created: row.created,
    lastUsed: row.lastUsed,
  };
}

export function webauthnRepository(db: Db): WebAuthnRepository {
  return {
    async create(device) {
      const [row] = await guard(
        db
          .insert(webauthnDevices)
          .values({
            userId: device.userPk,
            name: device.name,
            credentialId: device.credentialId,
            publicKey: device.publicKey,
            signCount: device.signCount,
            aaguid: device.aaguid,
            transports: device.transports,
            rpId: device.rpId,
            deviceType: device.deviceType,
            backedUp: device.backedUp,
          })
          .returning(),
      );
      return toDevice(row!);
    },

    async listByUser(userPk) {
      const rows = await db
        .select()
        .from(webauthnDevices)
        .where(eq(webauthnDevices.userId, userPk))
        .orderBy(asc(webauthnDevices.created), asc(webauthnDevices.id));
      return rows.map(toDevice);
    },

    async byCredentialId(credentialId) {
      const [row] = await db.select().from(webauthnDevices).where(eq(webauthnDevices.credentialId, credentialId)).limit(1);
      return row ? toDevice(row) : null;
    },

    async recordUse(pk, signCount, at) {
      // One conditional UPDATE: two concurrent assertions with the same counter cannot both win.
      const monotonic = or(
        gt(sql`${signCount}::bigint`, webauthnDevices.signCount),
        and(eq(webauthnDevices.signCount, 0), sql`${signCount}::bigint = 0`),
      );
      const rows = await db
        .update(webauthnDevices)
        .set({ signCount, lastUsed: at })
        .where(and(eq(webauthnDevices.id, pk), monotonic))
        .returning({ id: webauthnDevices.id });
      return rows.length === 1;
    },

    async delete(pk, userPk) {
      const rows = await db
        .delete(webauthnDevices)
        .where(and(eq(webauthnDevices.id, pk), eq(webauthnDevices.userId, userPk)))
        .returning({ id: webauthnDevices.id });
      return rows.length === 1;
    },
  };
}
