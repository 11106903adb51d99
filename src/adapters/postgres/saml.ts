import { and, eq } from "drizzle-orm";
import { applications, providers } from "../../db/schema/index.js";
import type { SamlRepository } from "../../ports/saml.js";
import type { Db } from "./db.js";
import { insertProvider, providerWhere } from "./provider-rows.js";

export function samlRepository(db: Db): SamlRepository {
  return {
    createProvider: (p) => insertProvider(db, "saml", p),
    providerByApplicationSlug: (slug) => providerWhere(db, ["saml"], eq(applications.slug, slug)),
    providerByPk: (pk) => (Number.isSafeInteger(pk) ? providerWhere(db, ["saml"], eq(providers.id, pk)) : Promise.resolve(null)),
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
