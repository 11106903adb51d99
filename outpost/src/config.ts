/**
 * Outpost configuration from the environment (names mirror authentik's outpost:
 * AUTHENTIK_HOST → THRESHOLD_HOST, AUTHENTIK_TOKEN → THRESHOLD_TOKEN, AUTHENTIK_INSECURE →
 * THRESHOLD_INSECURE). Invalid values fail at start-up, naming the variable.
 */
import type { Level } from "./log.js";

export interface OutpostConfig {
  /** The edge issuer's URL, e.g. https://auth.example.com */
  host: string;
  /** The outpost's API token. */
  token: string;
  /** Skip TLS verification towards `host` (self-signed test setups only). */
  insecure: boolean;
  /** Plain LDAP port (default 3389). */
  ldapPort: number;
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

export function loadOutpostConfig(env: Record<string, string | undefined>): OutpostConfig {
  const host = env.THRESHOLD_HOST?.replace(/\/+$/, "");
  if (!host || !/^https?:\/\//.test(host)) throw new Error("THRESHOLD_HOST: required, the edge issuer URL (https://…)");
  const token = env.THRESHOLD_TOKEN;
  if (!token) throw new Error("THRESHOLD_TOKEN: required, the outpost's API token");
  const level = (env.THRESHOLD_LOG_LEVEL ?? "info") as Level;
  if (!["debug", "info", "warn", "error"].includes(level)) throw new Error(`THRESHOLD_LOG_LEVEL: one of debug, info, warn, error`);
  return {
    host,
    token,
    insecure: ["1", "true", "yes"].includes((env.THRESHOLD_INSECURE ?? "").toLowerCase()),
    ldapPort: int(env, "THRESHOLD_LDAP_PORT", 3389),
    healthPort: int(env, "THRESHOLD_HEALTH_PORT", 9300),
    listen: env.THRESHOLD_LISTEN ?? "0.0.0.0",
    refreshIntervalMs: int(env, "THRESHOLD_REFRESH_INTERVAL_MS", 30_000),
    logLevel: level,
  };
}
