import * as z from "zod";
import { ConfigError } from "./errors.js";

/**
 * Configuration schema (STYLE habit 3): every key with its type, default and documentation in
 * one place. `loadConfig` validates an environment (Worker bindings or `process.env`) and fails
 * fast with a `ConfigError` naming the first bad key. The README's configuration table is
 * generated from `CONFIG_KEYS` (`npm run docs:config`) and a test keeps them in sync.
 */

interface KeySpec<T> {
  schema: z.ZodType<T>;
  /** Default as written in the environment (documentation shows it verbatim). */
  default?: string;
  doc: string;
  /** Secret values are never logged or echoed in errors. */
  secret?: boolean;
  /** Where the key applies (documentation only). */
  hosts?: "both" | "node" | "worker";
}

function key<const S extends KeySpec<unknown> & { schema: z.ZodType }>(spec: S): S {
  return spec;
}

/** A URL whose scheme is one of `schemes` (and, when `withHost`, that names a host). */
function urlOf(schemes: string[], withHost: boolean, message: string) {
  return z.string().refine((v) => {
    try {
      const u = new URL(v);
      return schemes.includes(u.protocol.slice(0, -1)) && (!withHost || u.hostname !== "");
    } catch {
      return false;
    }
  }, message);
}

const postgresUrl = urlOf(["postgres", "postgresql"], true, "must be a postgres:// or postgresql:// URL with a host");
const redisUrl = urlOf(["redis", "rediss"], true, "must be a redis:// or rediss:// URL with a host");
const httpUrl = urlOf(["http", "https"], false, "must be an http(s):// URL");

const intFrom = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** `true`/`false` (also `1`/`0`, `yes`/`no`, any case), as authentik's boolean settings. */
const bool = z
  .string()
  .transform((v) => v.toLowerCase())
  .pipe(z.enum(["true", "false", "1", "0", "yes", "no"], "must be true or false"))
  .transform((v) => v === "true" || v === "1" || v === "yes");

export const CONFIG_KEYS = {
  THRESHOLD_ENVIRONMENT: key({
    schema: z.enum(["production", "development", "test"]),
    default: "production",
    doc: "`development` allows running without `THRESHOLD_SECRET_KEY` (a key is generated in the data folder) and without Redis/Upstash. `npm run dev` sets it.",
  }),
  THRESHOLD_SECRET_KEY: key({
    schema: z.string().min(32, "must be at least 32 characters"),
    doc: "Root secret: wraps private keys, client secrets and TOTP seeds (HKDF → AES-GCM). Required outside development. Keep it with your backups: losing it loses every wrapped secret.",
    secret: true,
  }),
  DATABASE_URL: key({
    schema: postgresUrl,
    doc: "PostgreSQL connection string. Workers: Neon (serverless driver). Node host: any PostgreSQL (`pg`). Unset on the Node host: embedded PGlite in `THRESHOLD_DATA_DIR`.",
    secret: true,
  }),
  THRESHOLD_DATA_DIR: key({
    schema: z.string().min(1),
    default: "./data",
    doc: "Node host: folder for the embedded PGlite database and the generated development secret key.",
    hosts: "node",
  }),
  PORT: key({
    schema: intFrom(1, 65535),
    default: "8787",
    doc: "Node host: HTTP port.",
    hosts: "node",
  }),
  REDIS_URL: key({
    schema: redisUrl,
    doc: "Node host: Redis for the cache (flow executions, rate limits). Unset: in-memory cache (single process only).",
    secret: true,
    hosts: "node",
  }),
  UPSTASH_REDIS_REST_URL: key({
    schema: httpUrl,
    doc: "Upstash Redis REST URL for the cache. Required on Workers in production (an isolate's memory is not shared).",
  }),
  UPSTASH_REDIS_REST_TOKEN: key({
    schema: z.string().min(1),
    doc: "Upstash Redis REST token (required with `UPSTASH_REDIS_REST_URL`).",
    secret: true,
  }),
  THRESHOLD_LISTEN__TRUSTED_PROXY_CIDRS: key({
    schema: z.string().refine((v) => v.split(",").every((p) => /^[0-9a-fA-F:.]+\/\d{1,3}$/.test(p.trim())), "must be a comma-separated list of CIDRs"),
    default: "127.0.0.0/8,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fe80::/10,::1/128",
    doc: "Node host: proxies whose `X-Forwarded-For`, `CF-Connecting-IP` and `CF-IPCountry` headers are believed (authentik's `AUTHENTIK_LISTEN__TRUSTED_PROXY_CIDRS`). From anyone else the socket address is the client.",
    hosts: "node",
  }),
  THRESHOLD_LOG_LEVEL: key({
    schema: z.enum(["debug", "info", "warn", "error"]),
    default: "info",
    doc: "Lowest level written to the JSON-line log.",
  }),
  THRESHOLD_BOOTSTRAP_PASSWORD: key({
    schema: z.string().min(8, "must be at least 8 characters"),
    doc: "First start only: password for the `akadmin` user (authentik's `AUTHENTIK_BOOTSTRAP_PASSWORD`).",
    secret: true,
  }),
  THRESHOLD_BOOTSTRAP_TOKEN: key({
    schema: z.string().min(32, "must be at least 32 characters"),
    doc: "First start only: API token for `akadmin` (authentik's `AUTHENTIK_BOOTSTRAP_TOKEN`).",
    secret: true,
  }),
  THRESHOLD_BOOTSTRAP_EMAIL: key({
    schema: z.email("must be an email address"),
    doc: "First start only: email of the `akadmin` user.",
  }),
  THRESHOLD_EVENTS_RETENTION_DAYS: key({
    schema: intFrom(1, 36500),
    default: "365",
    doc: "How long events are kept before the cleanup cron deletes them (authentik: `days=365`).",
  }),
  THRESHOLD_EMAIL__HOST: key({
    schema: z.string().min(1),
    doc: "SMTP server for outgoing mail (email stage, recovery links), as authentik's `AUTHENTIK_EMAIL__HOST`. Unset: mail is kept in memory and never delivered (development).",
  }),
  THRESHOLD_EMAIL__PORT: key({
    schema: intFrom(1, 65535),
    default: "25",
    doc: "SMTP port (587 with `USE_TLS`, 465 with `USE_SSL`).",
  }),
  THRESHOLD_EMAIL__USERNAME: key({
    schema: z.string().min(1),
    doc: "SMTP user name; unset = no authentication.",
  }),
  THRESHOLD_EMAIL__PASSWORD: key({
    schema: z.string().min(1),
    doc: "SMTP password (with `THRESHOLD_EMAIL__USERNAME`).",
    secret: true,
  }),
  THRESHOLD_EMAIL__USE_TLS: key({
    schema: bool,
    default: "false",
    doc: "Require STARTTLS after connecting (authentik `use_tls`).",
  }),
  THRESHOLD_EMAIL__USE_SSL: key({
    schema: bool,
    default: "false",
    doc: "Implicit TLS from the first byte, usually port 465 (authentik `use_ssl`). Not together with `USE_TLS`.",
  }),
  THRESHOLD_EMAIL__TIMEOUT: key({
    schema: intFrom(1, 600),
    default: "10",
    doc: "SMTP connection and response timeout in seconds.",
  }),
  THRESHOLD_EMAIL__FROM: key({
    schema: z.string().min(3).refine((v) => !/[\r\n]/.test(v), "must be one line"),
    default: "threshold@localhost",
    doc: "From address of outgoing mail, e.g. `Threshold <auth@example.com>`.",
  }),
  THRESHOLD_OAUTH2__DYNAMIC_CLIENT_REGISTRATION: key({
    schema: bool,
    default: "false",
    doc: "OAuth2 Dynamic Client Registration (RFC 7591/7592) at `/application/o/register/`: anyone who can reach it (or holds `THRESHOLD_OAUTH2__REGISTRATION_TOKEN`) can create OAuth2 clients. Off by default.",
  }),
  THRESHOLD_OAUTH2__REGISTRATION_TOKEN: key({
    schema: z.string().min(16, "must be at least 16 characters"),
    doc: "Initial access token (RFC 7591 §3) that dynamic registrations must present as `Authorization: Bearer`; unset = open registration.",
    secret: true,
  }),
  THRESHOLD_OAUTH2__REGISTRATION_FLOW: key({
    schema: z.string().regex(/^[-a-zA-Z0-9_]{1,255}$/, "must be a flow slug"),
    default: "default-provider-authorization-explicit-consent",
    doc: "Slug of the authorization flow that dynamically registered clients use.",
  }),
  THRESHOLD_NEON_WS_PROXY: key({
    schema: z.string().min(1),
    doc: "Development/CI only: `host:port` of a local WebSocket→TCP proxy (`test/support/neon-ws-proxy.ts`) so the Neon driver reaches a plain PostgreSQL.",
    hosts: "worker",
  }),
} as const;

type Keys = typeof CONFIG_KEYS;
type Value<K extends keyof Keys> = z.output<Keys[K]["schema"]>;
type HasDefault<K extends keyof Keys> = Keys[K] extends { default: string } ? K : never;

/** The validated configuration: keys with defaults are always present, the rest optional. */
export type Config = { [K in keyof Keys as HasDefault<K>]: Value<K> } & {
  [K in keyof Keys as Exclude<K, HasDefault<K>>]?: Value<K>;
};

export type ConfigEnv = Record<string, unknown>;

/**
 * Validates `env` and returns the typed configuration. Throws `ConfigError(key, reason)` for the
 * first invalid key; secret values are never included in the message.
 */
export function loadConfig(env: ConfigEnv, host: "node" | "worker" = "node"): Config {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(CONFIG_KEYS) as [string, KeySpec<unknown>][]) {
    let raw = env[name];
    if (typeof raw === "string") raw = raw.trim();
    if (raw === undefined || raw === "") raw = spec.default;
    if (raw === undefined) continue;
    if (typeof raw !== "string") throw new ConfigError(name, "must be a string");
    const parsed = spec.schema.safeParse(raw);
    if (!parsed.success) {
      throw new ConfigError(name, parsed.error.issues[0]?.message ?? "invalid value");
    }
    out[name] = parsed.data;
  }
  const config = out as Config;
  checkCombinations(config, host);
  return config;
}

function checkCombinations(config: Config, host: "node" | "worker"): void {
  const relaxed = config.THRESHOLD_ENVIRONMENT !== "production";
  if (!relaxed && !config.THRESHOLD_SECRET_KEY) {
    throw new ConfigError("THRESHOLD_SECRET_KEY", "required when THRESHOLD_ENVIRONMENT=production");
  }
  if (config.UPSTASH_REDIS_REST_URL && !config.UPSTASH_REDIS_REST_TOKEN) {
    throw new ConfigError("UPSTASH_REDIS_REST_TOKEN", "required with UPSTASH_REDIS_REST_URL");
  }
  if (config.THRESHOLD_EMAIL__USE_TLS && config.THRESHOLD_EMAIL__USE_SSL) {
    throw new ConfigError("THRESHOLD_EMAIL__USE_SSL", "cannot be used together with THRESHOLD_EMAIL__USE_TLS");
  }
  if (config.THRESHOLD_EMAIL__PASSWORD && !config.THRESHOLD_EMAIL__USERNAME) {
    throw new ConfigError("THRESHOLD_EMAIL__USERNAME", "required with THRESHOLD_EMAIL__PASSWORD");
  }
  if (host === "worker") {
    if (!config.DATABASE_URL) throw new ConfigError("DATABASE_URL", "required on Workers");
    if (!relaxed && !config.UPSTASH_REDIS_REST_URL) {
      throw new ConfigError("UPSTASH_REDIS_REST_URL", "required on Workers in production");
    }
  }
}

/** Markdown table of every key (README "Configuration"). */
export function configMarkdownTable(): string {
  const rows = ["| Variable | Default | Where | Description |", "|---|---|---|---|"];
  for (const [name, spec] of Object.entries(CONFIG_KEYS) as [string, KeySpec<unknown>][]) {
    const def = spec.default !== undefined ? `\`${spec.default}\`` : "—";
    const where = spec.hosts === "node" ? "Node host" : spec.hosts === "worker" ? "Worker" : "both";
    const secret = spec.secret ? " *(secret)*" : "";
    rows.push(`| \`${name}\` | ${def} | ${where} | ${spec.doc.replace(/\|/g, "\\|")}${secret} |`);
  }
  return rows.join("\n");
}

/** Names of keys whose values must never be logged. */
export const SECRET_CONFIG_KEYS: ReadonlySet<string> = new Set(
  Object.entries(CONFIG_KEYS)
    .filter(([, s]) => (s as KeySpec<unknown>).secret)
    .map(([k]) => k),
);
