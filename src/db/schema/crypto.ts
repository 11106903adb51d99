import { jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

/** authentik_crypto.certificatekeypair. */
export const certificateKeyPairs = pgTable("certificate_key_pairs", {
  kpUuid: uuid("kp_uuid").primaryKey().defaultRandom(),
  name: text("name").notNull().unique(),
  /** PEM certificate. */
  certificateData: text("certificate_data").notNull(),
  /** PKCS#8 private key wrapped by the KeyStore; null for certificate-only pairs. */
  keyDataWrapped: text("key_data_wrapped"),
  /** "rsa" | "ec" | "ed25519" … */
  keyType: text("key_type"),
  fingerprintSha256: text("fingerprint_sha256").notNull(),
  expires: timestamp("expires", { withTimezone: true }).notNull(),
  managed: text("managed").unique(),
  /** Public JWK (JWKS publication) and its RFC 7638 thumbprint, used as `kid`. */
  publicJwk: jsonb("public_jwk").$type<Record<string, unknown>>(),
  kid: text("kid").unique(),
  created: timestamp("created", { withTimezone: true }).notNull().defaultNow(),
  lastUpdated: timestamp("last_updated", { withTimezone: true }).notNull().defaultNow(),
});
