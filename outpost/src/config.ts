/**
 * Outpost configuration from the environment (names mirror authentik's outpost:
 * AUTHENTIK_HOST → THRESHOLD_HOST, AUTHENTIK_TOKEN → THRESHOLD_TOKEN, AUTHENTIK_INSECURE →
 * THRESHOLD_INSECURE, AUTHENTIK_HOST_BROWSER → THRESHOLD_HOST_BROWSER). Invalid values fail at
 * start-up, naming the variable.
 */
import { readFileSync } from "node:fs";
import type { Level } from "./log.js";

export interface OutpostConfig {
  /** The edge issuer's URL, e.g. https://auth.example.com */
  host: string;
  /** The outpost's API token. */
  token: string;
  /** Skip TLS verification towards `host` (self-signed test setups only). */
  insecure: boolean;
  /** The issuer's URL as browsers reach it, when it differs from `host` (proxy logins). */
  hostBrowser?: string;
  /** Plain LDAP port (default 3389). */
  ldapPort: number;
  /** LDAPS port (default 6636); served only when `tls` is set. */
  ldapsPort?: number;
  /** PEM certificate chain and key for LDAPS (THRESHOLD_TLS_CERT / THRESHOLD_TLS_KEY: file paths). */
  tls?: { cert: string; key: string };
  /** Where to keep the last configuration and signed-out sessions across restarts (THRESHOLD_STATE_DIR; optional). */
  stateDir?: string;
  /** Proxy / forward-auth HTTP port (default 9000, as authentik's outpost); no proxy server when unset. */
  httpPort?: number;
  /** Health endpoint port (default 9300; `/outpost.goauthentik.io/ping`, `/-/health/live/`). */
  healthPort: number;
  /** Address to listen on (default 0.0.0.0). */
  listen: string;
  /** How often to re-check the provider configuration (ETag; default 30 s). */
  refreshIntervalMs: number;
  logLevel: Level;
}

function int(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535 * 1000) throw new Error(`${name}: expected a whole number, got "${raw}"`);
  return n;
}

function tlsFiles(env: Record<string, string | undefined>): { cert: string; key: string } | undefined {
  const certPath = env.THRESHOLD_TLS_CERT;
  const keyPath = env.THRESHOLD_TLS_KEY;
  if (!certPath && !keyPath) return undefined;
  if (!certPath || !keyPath) throw new Error("THRESHOLD_TLS_CERT and THRESHOLD_TLS_KEY: set both (PEM files) to serve LDAPS");
  const read = (name: string, path: string) => {
    try {
      return readFileSync(path, "utf8");
    } catch (err) {
      throw new Error(`${name}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  };
  const cert = read("THRESHOLD_TLS_CERT", certPath);
  const key = read("THRESHOLD_TLS_KEY", keyPath);
  if (!cert.includes("-----BEGIN CERTIFICATE-----")) throw new Error("THRESHOLD_TLS_CERT: expected a PEM certificate");
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) throw new Error("THRESHOLD_TLS_KEY: expected a PEM private key");
  return { cert, key };
}

export function loadOutpostConfig(env: Record<string, string | undefined>): OutpostConfig {
  const host = env.THRESHOLD_HOST?.replace(/\/+$/, "");
  if (!host || !/^https?:\/\//.test(host)) throw new Error("THRESHOLD_HOST: required, the edge issuer URL (https://…)");
  const token = env.THRESHOLD_TOKEN;
  if (!token) throw new Error("THRESHOLD_TOKEN: required, the outpost's API token");
  const level = (env.THRESHOLD_LOG_LEVEL ?? "info") as Level;
  if (!["debug", "info", "warn", "error"].includes(level)) throw new Error(`THRESHOLD_LOG_LEVEL: one of debug, info, warn, error`);
  const hostBrowser = env.THRESHOLD_HOST_BROWSER?.replace(/\/+$/, "") || undefined;
  if (hostBrowser && !/^https?:\/\//.test(hostBrowser)) throw new Error("THRESHOLD_HOST_BROWSER: expected the issuer URL browsers use (https://…)");
  return {
    host,
    hostBrowser,
    ldapsPort: int(env, "THRESHOLD_LDAPS_PORT", 6636),
    tls: tlsFiles(env),
    httpPort: int(env, "THRESHOLD_HTTP_PORT", 9000),
    stateDir: env.THRESHOLD_STATE_DIR || undefined,
    token,
    insecure: ["1", "true", "yes"].includes((env.THRESHOLD_INSECURE ?? "").toLowerCase()),
    ldapPort: int(env, "THRESHOLD_LDAP_PORT", 3389),
    healthPort: int(env, "THRESHOLD_HEALTH_PORT", 9300),
    listen: env.THRESHOLD_LISTEN ?? "0.0.0.0",
    refreshIntervalMs: int(env, "THRESHOLD_REFRESH_INTERVAL_MS", 30_000),
    logLevel: level,
  };
}
