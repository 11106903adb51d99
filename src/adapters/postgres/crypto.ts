import { eq } from "drizzle-orm";
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
  };
}
