import {
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  uuid,
} from "drizzle-orm/pg-core";
import { providers } from "./providers.js";
import { tokens } from "./tokens.js";

export const outpostType = pgEnum("outpost_type", ["ldap", "proxy"]);

/** authentik_outposts.outpost. It authenticates to the API with `token`. */
export const outposts = pgTable("outposts", {
  uuid: uuid("uuid").primaryKey().defaultRandom(),
  name: text("name").notNull().unique(),
  type: outpostType("type").notNull(),
  config: jsonb("config").$type<Record<string, unknown>>().notNull().default({}),
  tokenId: uuid("token_id").references(() => tokens.tokenUuid, { onDelete: "set null" }),
  managed: text("managed").unique(),
});

/** Providers an outpost serves. */
export const outpostProviders = pgTable(
  "outpost_providers",
  {
    outpostId: uuid("outpost_id")
      .notNull()
      .references(() => outposts.uuid, { onDelete: "cascade" }),
    providerId: integer("provider_id")
      .notNull()
      .references(() => providers.id, { onDelete: "cascade" }),
  },
  (t) => [
    primaryKey({ columns: [t.outpostId, t.providerId] }),
    index("outpost_providers_provider_idx").on(t.providerId),
  ],
);
