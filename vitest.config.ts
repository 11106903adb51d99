import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// Three tiers (DESIGN §7):
//  - unit: inside workerd on memory adapters (the real Workers runtime)
//  - integration: Node; PGlite/memory by default, real PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set
//  - e2e: Node driving real processes (`wrangler dev`, the Node host) and real clients
export default defineConfig({
  test: {
    // CI prints every test name, so the log shows which backends (PGlite, pg, Neon, Redis…) ran.
    reporters: process.env.CI ? ["verbose"] : ["default"],
    // Builds web/dist when stale: wrangler.toml's [assets] needs it, e2e suites serve the SPA.
    globalSetup: ["test/support/spa-build.ts"],
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: { bindings: { THRESHOLD_ENVIRONMENT: "test" } },
          }),
        ],
        test: { name: "unit", include: ["test/unit/**/*.test.ts"] },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          environment: "node",
          testTimeout: 30_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
