import { asc, eq, like } from "drizzle-orm";
import { certificateKeyPairs } from "../../db/schema/index.js";
import type { CertificateKeyPair, CryptoRepository, NewCertificateKeyPair } from "../../ports/crypto.js";
import { isUuid, type Db } from "./db.js";
import { guard } from "./errors.js";

type Row = typeof certificateKeyPairs.$inferSelect;

function toPair(row: Row): CertificateKeyPair {
  return {
    pk: row.kpUuid,
    name: row.name,
    keyType: row.keyType,
    publicJwk: row.publicJwk ?? null,
    kid: row.kid,
    keyDataWrapped: row.keyDataWrapped,
    certificateData: row.certificateData,
    expires: row.expires,
    managed: row.managed,
    created: row.created,
  };
}

function values(kp: NewCertificateKeyPair) {
  return {
    name: kp.name,
    keyType: kp.keyType,
    publicJwk: kp.publicJwk,
    kid: kp.kid,
    keyDataWrapped: kp.keyDataWrapped,
    certificateData: kp.certificateData ?? "",
    fingerprintSha256: kp.kid,
    expires: kp.expires,
    managed: kp.managed ?? null,
    ...(kp.created ? { created: kp.created } : {}),
  };
}

export function cryptoRepository(db: Db): CryptoRepository {
  const one = async (rows: Row[]) => (rows[0] ? toPair(rows[0]) : null);
  return {
    async create(kp) {
      const [row] = await guard(db.insert(certificateKeyPairs).values(values(kp)).returning());
      return toPair(row!);
    },
    async ensureManaged(kp) {
      await db.insert(certificateKeyPairs).values(values(kp)).onConflictDoNothing().returning();
      const stored = await one(await db.select().from(certificateKeyPairs).where(eq(certificateKeyPairs.managed, kp.managed)).limit(1));
      if (!stored) throw new Error(`managed key pair '${kp.managed}' could not be created`);
      return stored;
    },
    async byPk(pk) {
      if (!isUuid(pk)) return null;
      return one(await db.select().from(certificateKeyPairs).where(eq(certificateKeyPairs.kpUuid, pk)).limit(1));
    },
    async byManaged(managed) {
      return one(await db.select().from(certificateKeyPairs).where(eq(certificateKeyPairs.managed, managed)).limit(1));
    },
    async byKid(kid) {
      return one(await db.select().from(certificateKeyPairs).where(eq(certificateKeyPairs.kid, kid)).limit(1));
    },
    async listManaged(prefix) {
      const pattern = `${prefix.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
      const rows = await db.select().from(certificateKeyPairs).where(like(certificateKeyPairs.managed, pattern)).orderBy(asc(certificateKeyPairs.created));
      return rows.map(toPair);
    },
    async promote(names, retiredExpires) {
      const t = certificateKeyPairs;
      return db.transaction(async (tx) => {
        const [current] = await tx.select({ kid: t.kid }).from(t).where(eq(t.managed, names.current)).limit(1).for("update");
        if (current?.kid !== names.currentKid) return false;
        const [next] = await tx.select({ pk: t.kpUuid }).from(t).where(eq(t.managed, names.next)).limit(1).for("update");
        if (!next) return false;
        const now = new Date();
        await tx.update(t).set({ managed: names.retired, expires: retiredExpires, lastUpdated: now }).where(eq(t.managed, names.current));
        await tx.update(t).set({ managed: names.current, lastUpdated: now }).where(eq(t.kpUuid, next.pk));
        return true;
      });
    },
    async delete(pk) {
      if (!isUuid(pk)) return false;
      const rows = await db.delete(certificateKeyPairs).where(eq(certificateKeyPairs.kpUuid, pk)).returning({ pk: certificateKeyPairs.kpUuid });
      return rows.length > 0;
    },
  };
}
