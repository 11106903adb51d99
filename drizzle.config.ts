import { defineConfig } from "drizzle-kit";

// `npm run db:generate -- --name <change>` writes the next SQL migration into ./migrations.
// A merged migration is never edited (DESIGN §2).
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/db/schema/index.ts",
  out: "./migrations",
  strict: true,
  verbose: true,
});
