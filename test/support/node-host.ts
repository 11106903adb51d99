/**
 * The Node host on its embedded default (PGlite in a fresh data directory), listening on
 * 127.0.0.1 and a free port, for suites that drive it over real HTTP; akadmin gets `adminPassword`
 * when given. `close()` stops it and removes the data directory.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/core/config.js";
import { startNodeServer, type NodeServer } from "../../src/node/server.js";

export interface TestNodeHost {
  server: NodeServer;
  close(): Promise<void>;
}

export async function startTestNodeHost(name: string, opts: { adminPassword?: string; env?: Record<string, string> } = {}): Promise<TestNodeHost> {
  const dataDir = mkdtempSync(join(tmpdir(), `threshold-${name}-`));
  const cfg = { ...loadConfig({ THRESHOLD_ENVIRONMENT: "test", THRESHOLD_DATA_DIR: dataDir, THRESHOLD_SECRET_KEY: "s".repeat(40), ...opts.env }), PORT: 0 };
  const server = await startNodeServer(cfg, { hostname: "127.0.0.1" });
  if (opts.adminPassword) {
    const { deps } = server;
    const admin = await deps.store.users.byUsername("akadmin");
    await deps.store.users.setPassword(admin!.pk, await deps.passwords.hash(opts.adminPassword), deps.clock.now());
  }
  return {
    server,
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
