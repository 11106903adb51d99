/**
 * `npm run outpost`: the outpost from environment variables (see config.ts). Logs JSON lines;
 * SIGTERM/SIGINT stop it gracefully.
 */
import { loadOutpostConfig } from "./config.js";
import { createLogger } from "./log.js";
import { startOutpost } from "./outpost.js";

const log = createLogger({ fields: { component: "outpost" } });

async function main(): Promise<void> {
  let config;
  try {
    config = loadOutpostConfig(process.env);
  } catch (err) {
    log.error("invalid configuration", { error: (err as Error).message });
    process.exit(2);
  }
  // Node's fetch honours this for self-signed issuers in test setups (THRESHOLD_INSECURE=true).
  if (config.insecure) process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
  const outpost = await startOutpost(config);
  const stop = (signal: string) => {
    log.info("shutting down", { signal });
    outpost.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
}

main().catch((err: Error) => {
  log.error("outpost failed", { error: err.message });
  process.exit(1);
});
