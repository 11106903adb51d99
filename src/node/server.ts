import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { createApp } from "../app.js";
import type { Config } from "../core/config.js";
import type { Deps } from "../deps.js";
import { runCleanup } from "../jobs/cleanup.js";
import { runKeyRotation } from "../jobs/rotate-keys.js";
import { bootstrap, type BootstrapResult } from "../services/bootstrap.js";
import { bootstrapInput } from "./bootstrap-env.js";
import { createClientResolver } from "./client-info.js";
import { buildNodeDeps, type NodeDeps } from "./deps.js";

const CLEANUP_INTERVAL_MS = 5 * 60_000;

export interface NodeServer {
  deps: NodeDeps;
  /** `http://localhost:<port>` */
  url: string;
  port: number;
  setup: BootstrapResult;
  /** Stops accepting requests, drains the queue and background work, closes connections. */
  close(): Promise<void>;
}

/**
 * Starts the Node host: adapters from `config`, default blueprints, bootstrap, the HTTP server
 * and the cleanup timer. `main.ts` runs it as a process; e2e suites run it in-process (port 0)
 * so they can reach the same deps as the server.
 */
export async function startNodeServer(config: Config, opts: { hostname?: string } = {}): Promise<NodeServer> {
  const deps = await buildNodeDeps(config);
  const defaults = await deps.applyDefaults();
  deps.logger.info("default blueprints applied", defaults);
  const setup = await bootstrap(deps, bootstrapInput(config));

  const app = createApp();
  const resolveClient = createClientResolver(config.THRESHOLD_LISTEN__TRUSTED_PROXY_CIDRS);
  const server = serve({
    // Per request: the same deps plus who is calling (the socket peer, or a trusted proxy's headers)
    // and the outgoing response's own header setter (no Headers object for the common headers).
    fetch: (request, env: { incoming?: { socket?: { remoteAddress?: string } }; outgoing?: { setHeader(name: string, value: string): unknown } }) => {
      const outgoing = env.outgoing;
      const bindings: Deps = { ...deps, client: resolveClient(request, env.incoming?.socket?.remoteAddress) };
      if (outgoing) bindings.setResponseHeader = (name, value) => void outgoing.setHeader(name, value);
      return app.fetch(request, bindings);
    },
    port: config.PORT,
    hostname: opts.hostname ?? "0.0.0.0",
  });
  await new Promise<void>((resolve, reject) => {
    if (server.listening) resolve();
    server.once("listening", () => resolve());
    server.once("error", reject);
  });
  const port = (server.address() as AddressInfo).port;

  // The crons of wrangler.toml (every 5 minutes): cleanup, then signing-key rotation.
  const timer = setInterval(() => deps.waitUntil(runCleanup(deps).then(() => runKeyRotation(deps))), CLEANUP_INTERVAL_MS);
  timer.unref();

  const url = `http://localhost:${port}`;
  deps.logger.info("threshold started", { url, database: deps.describe.database, cache: deps.describe.cache, environment: config.THRESHOLD_ENVIRONMENT });
  let closing: Promise<void> | undefined;
  return {
    deps,
    url,
    port,
    setup,
    close() {
      closing ??= (async () => {
        clearInterval(timer);
        await new Promise<void>((r) => server.close(() => r()));
        await deps.shutdown();
      })();
      return closing;
    },
  };
}
