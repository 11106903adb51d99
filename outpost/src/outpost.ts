/**
 * The outpost process minus its environment: the API client, provider polling (LDAP and proxy),
 * the LDAP server (plain, and LDAPS with TLS settings), the proxy / forward-auth HTTP server and
 * the health endpoint. `main.ts` runs it from env; tests run it in-process (ports 0).
 */
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo, Server as NetServer, Socket } from "node:net";
import { ThresholdApi, type LdapProviderConfig, type ProxyProviderConfig } from "./api.js";
import type { OutpostConfig } from "./config.js";
import { Binder } from "./ldap/bind.js";
import { Directory } from "./ldap/directory.js";
import { createLdapServer } from "./ldap/server.js";
import { createLogger, type Logger } from "./log.js";
import { ProviderConfig } from "./providers.js";
import { ProxyApplication } from "./proxy/application.js";
import { createProxyHttpServer } from "./proxy/server.js";
import { SignedOut } from "./proxy/session.js";
import { StateStore } from "./state.js";

export interface RunningOutpost {
  ldapPort: number;
  /** LDAPS port, when TLS is configured. */
  ldapsPort: number | null;
  /** Proxy / forward-auth HTTP port, when `httpPort` is configured. */
  httpPort: number | null;
  healthPort: number;
  providers: ProviderConfig<LdapProviderConfig>;
  proxyProviders: ProviderConfig<ProxyProviderConfig>;
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

/** What the health check reads of a provider poller. */
interface AnyConfig {
  lastSuccess: number | null;
  current(): unknown[];
}

function healthServer(configs: AnyConfig[], intervalMs: number): HttpServer {
  return createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/outpost.goauthentik.io/ping") {
      res.writeHead(204).end();
    } else if (path === "/-/health/live/" || path === "/-/health/live") {
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ status: "ok" }));
    } else if (path === "/-/health/ready/" || path === "/-/health/ready") {
      // Ready once configured and the issuer answered recently (three poll intervals).
      const fresh = configs.every((p) => p.lastSuccess !== null && Date.now() - p.lastSuccess < intervalMs * 3 + 10_000);
      const count = configs.reduce((n, p) => n + p.current().length, 0);
      const ok = fresh && count > 0;
      res.writeHead(ok ? 200 : 503, { "Content-Type": "application/json" }).end(JSON.stringify({ status: ok ? "ok" : "unavailable", providers: count }));
    } else {
      res.writeHead(404).end();
    }
  });
}

/** Sockets of a server, so a graceful close can end idle keep-alive and LDAP connections. */
function track(server: NetServer | HttpServer, sockets: Set<Socket>): void {
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
}

/**
 * LDAP answers are several small writes (entries, then the result): without TCP_NODELAY, Nagle's
 * algorithm holds the last one until the client's delayed ACK (~40 ms on Linux).
 */
function noDelay(server: NetServer, event: "connection" | "secureConnection" = "connection"): void {
  server.on(event, (s: Socket) => s.setNoDelay(true));
}

export async function startOutpost(config: OutpostConfig, opts: { fetch?: typeof fetch; log?: Logger } = {}): Promise<RunningOutpost> {
  const log = opts.log ?? createLogger({ level: config.logLevel, fields: { component: "outpost" } });
  const api = new ThresholdApi({ host: config.host, token: config.token, fetch: opts.fetch, insecure: config.insecure });
  const state = new StateStore(config.stateDir, log.child({ component: "state" }));
  const binder = new Binder(api, log.child({ component: "ldap.bind" }));
  const directory = new Directory(api, log.child({ component: "ldap.directory" }), config.refreshIntervalMs);
  const providers = new ProviderConfig<LdapProviderConfig>((etag) => api.ldapProviders(etag), log.child({ component: "providers" }), {
    intervalMs: config.refreshIntervalMs,
    onChange: () => binder.clear(),
    persist: { load: () => state.read<LdapProviderConfig[]>("ldap-providers"), save: (p) => state.write("ldap-providers", p) },
  });
  let applications: ProxyApplication[] = [];
  const proxyProviders = new ProviderConfig<ProxyProviderConfig>((etag) => api.proxyProviders(etag), log.child({ component: "providers.proxy" }), {
    intervalMs: config.refreshIntervalMs,
    persist: { load: () => state.read<ProxyProviderConfig[]>("proxy-providers"), save: (p) => state.write("proxy-providers", p) },
    onChange: (list) => {
      applications = list.flatMap((p) => {
        try {
          return [new ProxyApplication(p, { browserHost: config.hostBrowser, fetch: opts.fetch })];
        } catch (err) {
          log.error("proxy provider unusable", { provider: p.name, error: (err as Error).message });
          return [];
        }
      });
    },
  });
  let outpostName = "threshold-outpost";
  await Promise.all(
    [providers, proxyProviders].map((p) =>
      p.start().catch((err: Error) => {
        // Keep starting: clients get "unavailable" until the issuer is reachable (polling retries).
        log.error("initial provider fetch failed", { error: err.message });
        p.retrySoon();
      }),
    ),
  );
  await api.outpost().then(
    (o) => void (outpostName = o.name),
    () => undefined,
  );

  const sockets = new Set<Socket>();
  const ldapDeps = { log: log.child({ component: "ldap" }), providers: () => providers.current(), binder, directory };
  const ldapNet = (createLdapServer(ldapDeps) as unknown as { server: NetServer }).server;
  track(ldapNet, sockets);
  noDelay(ldapNet);
  const ldapPort = await listen(ldapNet, config.ldapPort, config.listen);
  let ldapsNet: NetServer | null = null;
  let ldapsPort: number | null = null;
  if (config.tls) {
    const tlsServer = createLdapServer(ldapDeps, { certificate: config.tls.cert, key: config.tls.key });
    ldapsNet = (tlsServer as unknown as { server: NetServer }).server;
    // TLS handshakes that fail (plain text, wrong CA) end that connection only.
    ldapsNet.on("tlsClientError", (err: Error) => log.debug("ldaps handshake failed", { error: err.message }));
    track(ldapsNet, sockets);
    noDelay(ldapsNet, "secureConnection");
    ldapsPort = await listen(ldapsNet, config.ldapsPort ?? 6636, config.listen);
  }
  let http: HttpServer | null = null;
  let httpPort: number | null = null;
  if (config.httpPort !== undefined) {
    const signedOut = new SignedOut(state.read<Record<string, number>>("signed-out"), (ids) => state.write("signed-out", ids));
    http = createProxyHttpServer({ api, log: log.child({ component: "proxy" }), applications: () => applications, outpostName: () => outpostName, signedOut });
    track(http, sockets);
    httpPort = await listen(http, config.httpPort, config.listen);
  }
  const health = healthServer([providers, proxyProviders], config.refreshIntervalMs);
  const healthPort = await listen(health, config.healthPort, config.listen);
  log.info("outpost started", { host: config.host, ldap_port: ldapPort, ldaps_port: ldapsPort, http_port: httpPort, health_port: healthPort });

  let closing: Promise<void> | undefined;
  return {
    ldapPort,
    ldapsPort,
    httpPort,
    healthPort,
    providers,
    proxyProviders,
    binder,
    close(graceMs = 5_000) {
      closing ??= (async () => {
        providers.stop();
        proxyProviders.stop();
        directory.stop();
        const servers: (NetServer | HttpServer)[] = [ldapNet, health, ...(ldapsNet ? [ldapsNet] : []), ...(http ? [http] : [])];
        const closed = Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
        http?.closeIdleConnections();
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
