import { Client, Pool, type NeonConfig } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-serverless";
import { schema } from "./db.js";
import { createDrizzleStore, type DrizzleStore } from "./store.js";

export interface NeonStoreOptions {
  /** WebSocket implementation where there is no global one (Node 20: the `ws` package). */
  webSocketConstructor?: NeonConfig["webSocketConstructor"];
  /** Route through your own WebSocket proxy, e.g. `(host) => \`127.0.0.1:4444/v1?address=${host}\``. */
  wsProxy?: (host: string, port: number | string) => string;
  /** `wss:` (default true); false for a local plain-`ws:` proxy. */
  useSecureWebSocket?: boolean;
  /**
   * Send the startup and password messages without waiting (Neon's default, "password").
   * Defaults to false when `wsProxy` is set: an ordinary PostgreSQL behind a proxy negotiates
   * SCRAM, which fails when pipelined (DESIGN §8).
   */
  pipelineConnect?: NeonConfig["pipelineConnect"];
  /** Pipeline the TLS ClientHello; only Neon hosts support it. Defaults to false with `wsProxy`. */
  pipelineTLS?: boolean;
  /** Pool size (default 10). A Worker creates one store per request. */
  max?: number;
}

// One read-cache scope per database URL for the isolate's lifetime: stores are made per request,
// and caches keyed by the request's store (the OAuth2 client cache) would never be hit.
const cacheScopes = new Map<string, object>();

/**
 * A `Store` on Neon's serverless driver (WebSocket `Pool`, so transactions work). Runs in workerd:
 * create it per request and `close()` it in `waitUntil`. Options apply to this pool's connections
 * only (the global `neonConfig` is left alone).
 */
export function createNeonStore(url: string, opts: NeonStoreOptions = {}): DrizzleStore {
  const viaProxy = opts.wsProxy !== undefined;
  const settings: Partial<NeonConfig> = {};
  if (opts.webSocketConstructor) settings.webSocketConstructor = opts.webSocketConstructor;
  if (opts.wsProxy) settings.wsProxy = opts.wsProxy;
  if (opts.useSecureWebSocket !== undefined) settings.useSecureWebSocket = opts.useSecureWebSocket;
  const pipelineConnect = opts.pipelineConnect ?? (viaProxy ? false : undefined);
  if (pipelineConnect !== undefined) settings.pipelineConnect = pipelineConnect;
  const pipelineTLS = opts.pipelineTLS ?? (viaProxy ? false : undefined);
  if (pipelineTLS !== undefined) settings.pipelineTLS = pipelineTLS;

  const pool = new Pool({ connectionString: url, max: opts.max ?? 10 });
  if (Object.keys(settings).length > 0) {
    // Per-connection configuration: the pool instantiates `pool.Client` for each connection.
    class ConfiguredClient extends Client {
      constructor(config?: ConstructorParameters<typeof Client>[0]) {
        super(config);
        Object.assign(this.neonConfig, settings);
      }
    }
    pool.Client = ConfiguredClient;
  }
  pool.on("error", () => {
    // An idle connection dropped; the pool replaces it on the next query.
  });
  const db = drizzle({ client: pool, schema });
  let scope = cacheScopes.get(url);
  if (!scope) cacheScopes.set(url, (scope = {}));
  return createDrizzleStore(db, "neon", () => pool.end(), scope);
}
