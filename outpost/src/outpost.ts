/**
 * The outpost process minus its environment: the API client, provider polling, the LDAP server
 * and the health endpoint. `main.ts` runs it from env; tests run it in-process (ports 0).
 */
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo, Server as NetServer, Socket } from "node:net";
import { ThresholdApi } from "./api.js";
import type { OutpostConfig } from "./config.js";
import { Binder } from "./ldap/bind.js";
import { Directory } from "./ldap/directory.js";
import { createLdapServer } from "./ldap/server.js";
import { createLogger, type Logger } from "./log.js";
import { ProviderConfig } from "./providers.js";

export interface RunningOutpost {
  ldapPort: number;
  healthPort: number;
  providers: ProviderConfig;
  binder: Binder;
  /** Stops accepting, lets in-flight requests finish for up to `graceMs`, then closes sockets. */
  close(graceMs?: number): Promise<void>;
}

function listen(server: NetServer | HttpServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

function healthServer(providers: ProviderConfig, intervalMs: number): HttpServer {
  return createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/outpost.goauthentik.io/ping") {
      res.writeHead(204).end();
    } else if (path === "/-/health/live/" || path === "/-/health/live") {
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ status: "ok" }));
    } else if (path === "/-/health/ready/" || path === "/-/health/ready") {
      // Ready once configured and the issuer answered recently (three poll intervals).
      const fresh = providers.lastSuccess !== null && Date.now() - providers.lastSuccess < intervalMs * 3 + 10_000;
      const ok = fresh && providers.current().length > 0;
      res.writeHead(ok ? 200 : 503, { "Content-Type": "application/json" }).end(
        JSON.stringify({ status: ok ? "ok" : "unavailable", providers: providers.current().length }),
      );
    } else {
      res.writeHead(404).end();
    }
  });
}

export async function startOutpost(config: OutpostConfig, opts: { fetch?: typeof fetch; log?: Logger } = {}): Promise<RunningOutpost> {
  const log = opts.log ?? createLogger({ level: config.logLevel, fields: { component: "outpost" } });
  const api = new ThresholdApi({ host: config.host, token: config.token, fetch: opts.fetch });
  const binder = new Binder(api, log.child({ component: "ldap.bind" }));
  const directory = new Directory(api, log.child({ component: "ldap.directory" }), config.refreshIntervalMs);
  const providers = new ProviderConfig(api, log.child({ component: "providers" }), {
    intervalMs: config.refreshIntervalMs,
    onChange: () => binder.clear(),
  });
  try {
    await providers.start();
  } catch (err) {
    // Keep starting: binds answer "unavailable" until the issuer is reachable (polling retries).
    log.error("initial provider fetch failed", { error: (err as Error).message });
    providers.retrySoon();
  }

  const ldapServer = createLdapServer({ log: log.child({ component: "ldap" }), providers: () => providers.current(), binder, directory });
  const net = (ldapServer as unknown as { server: NetServer }).server;
  const sockets = new Set<Socket>();
  net.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  const ldapPort = await listen(net, config.ldapPort, config.listen);
  const health = healthServer(providers, config.refreshIntervalMs);
  const healthPort = await listen(health, config.healthPort, config.listen);
  log.info("outpost started", { host: config.host, ldap_port: ldapPort, health_port: healthPort });

  let closing: Promise<void> | undefined;
  return {
    ldapPort,
    healthPort,
    providers,
    binder,
    close(graceMs = 5_000) {
      closing ??= (async () => {
        providers.stop();
        directory.stop();
        const closed = Promise.all([
          new Promise<void>((r) => net.close(() => r())),
          new Promise<void>((r) => health.close(() => r())),
        ]);
        // LDAP clients keep connections open; give in-flight operations a moment, then end them.
        const timer = setTimeout(() => {
          for (const s of sockets) s.destroy();
          health.closeAllConnections();
        }, graceMs);
        for (const s of sockets) s.end();
        await closed;
        clearTimeout(timer);
        log.info("outpost stopped");
      })();
      return closing;
    },
  };
}
