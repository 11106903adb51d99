import { and, eq, gt, isNull, lt, or } from "drizzle-orm";
import { sha256Hex, timingSafeEqual } from "../../core/encoding.js";
import type { Token, TokenRepository } from "../../ports/store.js";
import { tokens } from "../../db/schema/index.js";
import type { Db } from "./db.js";
import { guard } from "./errors.js";

type TokenRow = typeof tokens.$inferSelect;

function toToken(row: TokenRow): Token {
  return {
    pk: row.tokenUuid,
    identifier: row.identifier,
    intent: row.intent,
    userPk: row.userId,
    description: row.description,
    expiring: row.expiring,
    expires: row.expires,
    keyHash: row.keyHash,
  };
}

export function tokenRepository(db: Db): TokenRepository {
  return {
    async create(token) {
      const [row] = await guard(
        db
          .insert(tokens)
          .values({
            identifier: token.identifier,
            intent: token.intent,
            userId: token.userPk,
            keyHash: await sha256Hex(token.key),
            description: token.description,
            expiring: token.expiring,
            expires: token.expires ?? null,
          })
          .returning(),
      );
      return toToken(row!);
    },

    async byKey(key, intent) {
      // Only the hash reaches the database; expiry is the caller's call (it owns the Clock).
      const keyHash = await sha256Hex(key);
      const where = intent
        ? and(eq(tokens.keyHash, keyHash), eq(tokens.intent, intent))
        : eq(tokens.keyHash, keyHash);
      const [row] = await db.select().from(tokens).where(where).limit(1);
      // The index lookup already matched; compare again in constant time so no code path
      // ever decides on a secret-derived value with an early-exit comparison.
      if (!row || !timingSafeEqual(row.keyHash, keyHash)) return null;
      return toToken(row);
    },

    async byIdentifier(identifier) {
      const [row] = await db.select().from(tokens).where(eq(tokens.identifier, identifier)).limit(1);
      return row ? toToken(row) : null;
    },

    async consume(key, intent, now) {
      const keyHash = await sha256Hex(key);
      const [row] = await db
        .delete(tokens)
        .where(
          and(
            eq(tokens.keyHash, keyHash),
            eq(tokens.intent, intent),
            or(eq(tokens.expiring, false), isNull(tokens.expires), gt(tokens.expires, now)),
          ),
        )
        .returning();
      if (!row || !timingSafeEqual(row.keyHash, keyHash)) return null;
      return toToken(row);
    },

    async deleteExpired(now) {
      const rows = await db
        .delete(tokens)
        .where(and(eq(tokens.expiring, true), lt(tokens.expires, now)))
        .returning({ pk: tokens.tokenUuid });
      return rows.length;
    },
  };
}
