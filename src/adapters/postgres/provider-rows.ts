/**
 * Rows of `providers` (with the application that links them) as the typed provider repositories
 * (OAuth2, SAML) return them: one lookup and one insert, parameterised by provider type.
 */
import { and, eq, inArray, type SQL } from "drizzle-orm";
import { applications, providers } from "../../db/schema/index.js";
import type { NewOAuth2Provider, OAuth2ProviderRecord } from "../../ports/oauth2.js";
import type { Db } from "./db.js";
import { guard } from "./errors.js";

type ProviderRow = typeof providers.$inferSelect;
type AppRow = typeof applications.$inferSelect;

export function toProviderRecord(p: ProviderRow, a: AppRow | null): OAuth2ProviderRecord {
  return {
    pk: p.id,
    name: p.name,
    authenticationFlowPk: p.authenticationFlowId,
    authorizationFlowPk: p.authorizationFlowId,
    invalidationFlowPk: p.invalidationFlowId,
    settings: p.settings,
    application: a ? { pk: a.pbmUuid, name: a.name, slug: a.slug } : null,
  };
}

/** The first provider of one of `types` matching `where`, with its application. */
export async function providerWhere(db: Db, types: string[], where: SQL): Promise<OAuth2ProviderRecord | null> {
  const [row] = await db
    .select({ p: providers, a: applications })
    .from(providers)
    .leftJoin(applications, eq(applications.providerId, providers.id))
    .where(and(inArray(providers.type, types), where))
    .limit(1);
  return row ? toProviderRecord(row.p, row.a) : null;
}

/** Inserts a provider of `type` (duplicate names surface as the repository's conflict error). */
export async function insertProvider(db: Db, type: string, p: NewOAuth2Provider): Promise<OAuth2ProviderRecord> {
  const [row] = await guard(
    db
      .insert(providers)
      .values({
        name: p.name,
        type,
        authenticationFlowId: p.authenticationFlowPk ?? null,
        authorizationFlowId: p.authorizationFlowPk,
        invalidationFlowId: p.invalidationFlowPk ?? null,
        settings: p.settings,
      })
      .returning(),
  );
  return toProviderRecord(row!, null);
}
