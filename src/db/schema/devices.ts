import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
} from "drizzle-orm/pg-core";
import { users } from "./users.js";

/** Columns every MFA device has (authentik's `Device`). */
const deviceColumns = () => ({
  id: integer("id").primaryKey().generatedByDefaultAsIdentity(),
  userId: integer("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  name: text("name").notNull(),
  confirmed: boolean("confirmed").notNull().default(true),
  created: timestamp("created", { withTimezone: true }).notNull().defaultNow(),
  lastUsed: timestamp("last_used", { withTimezone: true }),
});

/** RFC 6238 authenticator. */
export const totpDevices = pgTable(
  "totp_devices",
  {
    ...deviceColumns(),
    /** The seed, wrapped by the KeyStore (context "totp.key"). */
    keyWrapped: text("key_wrapped").notNull(),
    digits: integer("digits").notNull().default(6),
    period: integer("period").notNull().default(30),
    algorithm: text("algorithm").notNull().default("SHA1"),
    /** Last accepted time step: a code is never accepted twice (RFC 6238 §5.2). */
    lastT: bigint("last_t", { mode: "number" }),
  },
  (t) => [index("totp_devices_user_idx").on(t.userId)],
);

/** A WebAuthn credential (passkey or security key). */
export const webauthnDevices = pgTable(
  "webauthn_devices",
  {
    ...deviceColumns(),
    /** base64url credential id. */
    credentialId: text("credential_id").notNull().unique(),
    /** base64url COSE public key. */
    publicKey: text("public_key").notNull(),
    signCount: bigint("sign_count", { mode: "number" }).notNull().default(0),
    aaguid: text("aaguid").notNull().default("00000000-0000-0000-0000-000000000000"),
    transports: jsonb("transports").$type<string[]>().notNull().default([]),
    rpId: text("rp_id").notNull(),
    /** "singleDevice" | "multiDevice". */
    deviceType: text("device_type").notNull().default("singleDevice"),
    backedUp: boolean("backed_up").notNull().default(false),
  },
  (t) => [index("webauthn_devices_user_idx").on(t.userId)],
);

/** Recovery codes device. */
export const staticDevices = pgTable(
  "static_devices",
  { ...deviceColumns() },
  (t) => [index("static_devices_user_idx").on(t.userId)],
);

/** One recovery code; consumed with DELETE … RETURNING. Stored hashed (authentik stores plain). */
export const staticTokens = pgTable(
  "static_tokens",
  {
    id: integer("id").primaryKey().generatedByDefaultAsIdentity(),
    deviceId: integer("device_id")
      .notNull()
      .references(() => staticDevices.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull(),
  },
  (t) => [index("static_tokens_device_idx").on(t.deviceId, t.tokenHash)],
);

/** One-time codes sent by email. */
export const emailDevices = pgTable(
  "email_devices",
  {
    ...deviceColumns(),
    email: text("email").notNull(),
    /** Hash of the pending code, null when none is outstanding. */
    tokenHash: text("token_hash"),
    validUntil: timestamp("valid_until", { withTimezone: true }),
  },
  (t) => [index("email_devices_user_idx").on(t.userId)],
);
