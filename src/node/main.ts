import { loadConfig } from "../core/config.js";
import { exitWithStartupError } from "./fatal.js";
import { startNodeServer } from "./server.js";

/**
 * The Node host: the embedded default (`npm run dev`: PGlite + in-memory cache + in-process
 * queue) and the plain-VPS option (DATABASE_URL, REDIS_URL). Same app as the Worker.
 */
async function main(): Promise<void> {
  const env = { ...process.env };
  if (process.argv.includes("--dev") && !env.THRESHOLD_ENVIRONMENT) env.THRESHOLD_ENVIRONMENT = "development";
  const config = loadConfig(env, "node");
  const server = await startNodeServer(config, { hostname: process.env.HOST });
  const { deps, url, setup } = server;
  const lines = [
    "",
    `  Threshold is running on ${url}`,
    `  database: ${deps.describe.database}`,
    `  cache:    ${deps.describe.cache}`,
    setup.needsSetup ? `  Initial setup: ${url}/if/flow/initial-setup/` : `  Log in as akadmin: ${url}/if/flow/default-authentication-flow/`,
    "",
  ];
  process.stderr.write(lines.join("\n") + "\n");

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    deps.logger.info("shutting down", { signal });
    await server.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((error: unknown) => exitWithStartupError(error, "failed to start: "));
