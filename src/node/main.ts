import { serve } from "@hono/node-server";
import { createApp } from "../app.js";
import { loadConfig } from "../core/config.js";
import { runCleanup } from "../jobs/cleanup.js";
import { bootstrap } from "../services/bootstrap.js";
import { bootstrapInput } from "./bootstrap-env.js";
import { buildNodeDeps } from "./deps.js";
import { exitWithStartupError } from "./fatal.js";

const CLEANUP_INTERVAL_MS = 5 * 60_000;

/**
 * The Node host: the embedded default (`npm run dev`: PGlite + in-memory cache + in-process
 * queue) and the plain-VPS option (DATABASE_URL, REDIS_URL). Same app as the Worker.
 */
async function main(): Promise<void> {
  const env = { ...process.env };
  if (process.argv.includes("--dev") && !env.THRESHOLD_ENVIRONMENT) env.THRESHOLD_ENVIRONMENT = "development";
  const config = loadConfig(env, "node");
  const deps = await buildNodeDeps(config);
  const defaults = await deps.applyDefaults();
  deps.logger.info("default blueprints applied", defaults);
  const setup = await bootstrap(deps, bootstrapInput(config));

  const app = createApp();
  const server = serve({
    fetch: (request) => app.fetch(request, deps),
    port: config.PORT,
    hostname: process.env.HOST ?? "0.0.0.0",
  });

  const cleanup = () => deps.waitUntil(runCleanup(deps));
  const timer = setInterval(cleanup, CLEANUP_INTERVAL_MS);
  timer.unref();

  const base = `http://localhost:${config.PORT}`;
  deps.logger.info("threshold started", { url: base, database: deps.describe.database, cache: deps.describe.cache, environment: config.THRESHOLD_ENVIRONMENT });
  const lines = [
    "",
    `  Threshold is running on ${base}`,
    `  database: ${deps.describe.database}`,
    `  cache:    ${deps.describe.cache}`,
    setup.needsSetup
      ? `  Initial setup: ${base}/if/flow/initial-setup/`
      : `  Log in as akadmin: ${base}/if/flow/default-authentication-flow/`,
    "",
  ];
  process.stderr.write(lines.join("\n") + "\n");

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    deps.logger.info("shutting down", { signal });
    clearInterval(timer);
    await new Promise<void>((r) => server.close(() => r()));
    await deps.shutdown();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((error: unknown) => exitWithStartupError(error, "failed to start: "));
