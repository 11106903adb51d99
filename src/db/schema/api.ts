import { pgTable, text, uuid } from "drizzle-orm/pg-core";
import { tokens } from "./tokens.js";

/**
 * The secret of tokens created through the admin API, wrapped by the KeyStore (context
 * `core.token_key`), so `core/tokens/{identifier}/view_key/` can show it again as authentik does.
 * `tokens` keeps only the SHA-256 for lookups; tokens made elsewhere (bootstrap, outposts created
 * before this table) have no row here and their key cannot be viewed.
 */
export const tokenKeys = pgTable("token_keys", {
  tokenId: uuid("token_id")
    .primaryKey()
    .references(() => tokens.tokenUuid, { onDelete: "cascade" }),
  keyWrapped: text("key_wrapped").notNull(),
});
