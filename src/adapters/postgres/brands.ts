import { desc, eq, or, sql } from "drizzle-orm";
import { brands } from "../../db/schema/index.js";
import type { Brand, BrandRepository } from "../../ports/brands.js";
import type { Db } from "./db.js";

type BrandRow = typeof brands.$inferSelect;

function toBrand(r: BrandRow): Brand {
  return {
    pk: r.brandUuid,
    domain: r.domain,
    default: r.default,
    brandingTitle: r.brandingTitle,
    brandingLogo: r.brandingLogo,
    brandingFavicon: r.brandingFavicon,
    brandingCustomCss: r.brandingCustomCss,
    flowAuthentication: r.flowAuthenticationId,
    flowInvalidation: r.flowInvalidationId,
    flowRecovery: r.flowRecoveryId,
    flowUnenrollment: r.flowUnenrollmentId,
    flowUserSettings: r.flowUserSettingsId,
    flowDeviceCode: r.flowDeviceCodeId,
    attributes: r.attributes,
  };
}

export function brandRepository(db: Db): BrandRepository {
  return {
    async forHost(host) {
      const name = host.toLowerCase().replace(/:\d+$/, "").replace(/\.$/, "");
      // Exact match or suffix on a label boundary ("example.com" serves "sso.example.com");
      // the longest domain wins, then the default brand.
      const [row] = await db
        .select()
        .from(brands)
        .where(
          or(
            eq(brands.domain, name),
            sql`${name} like '%.' || replace(replace(${brands.domain}, '%', '\\%'), '_', '\\_')`,
            eq(brands.default, true),
          ),
        )
        .orderBy(sql`case when ${brands.domain} = ${name} or ${name} like '%.' || ${brands.domain} then 0 else 1 end`, desc(sql`length(${brands.domain})`))
        .limit(1);
      return row ? toBrand(row) : null;
    },
  };
}
