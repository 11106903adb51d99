import { and, eq } from "drizzle-orm";
import { applications, providers } from "../../db/schema/index.js";
import type { SamlProviderRecord, SamlRepository } from "../../ports/saml.js";
import type { Db } from "./db.js";
import { guard } from "./errors.js";

type ProviderRow = typeof providers.$inferSelect;
type AppRow = typeof applications.$inferSelect;

function toProvider(p: ProviderRow, a: AppRow | null): SamlProviderRecord {
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

export function samlRepository(db: Db): SamlRepository {
  async function providerWhere(where: ReturnType<typeof eq>): Promise<SamlProviderRecord | null> {
    const [row] = await db
      .select({ p: providers, a: applications })
      .from(providers)
      .leftJoin(applications, eq(applications.providerId, providers.id))
      .where(and(eq(providers.type, "saml"), where))
      .limit(1);
    return row ? toProvider(row.p, row.a) : null;
  }
  return {
    async createProvider(p) {
      const [row] = await guard(
        db
          .insert(providers)
          .values({
            name: p.name,
            type: "saml",
            authenticationFlowId: p.authenticationFlowPk ?? null,
            authorizationFlowId: p.authorizationFlowPk,
            invalidationFlowId: p.invalidationFlowPk ?? null,
            settings: p.settings,
          })
          .returning(),
      );
      return toProvider(row!, null);
    },
    providerByApplicationSlug: (slug) => providerWhere(eq(applications.slug, slug)),
    providerByPk: (pk) => (Number.isSafeInteger(pk) ? providerWhere(eq(providers.id, pk)) : Promise.resolve(null)),
    async updateSettings(pk, settings) {
      if (!Number.isSafeInteger(pk)) return false;
      const rows = await db
        .update(providers)
        .set({ settings })
        .where(and(eq(providers.id, pk), eq(providers.type, "saml")))
        .returning({ id: providers.id });
      return rows.length > 0;
    },
  };
}
