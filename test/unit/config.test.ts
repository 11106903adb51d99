import { describe, expect, it } from "vitest";
import { CONFIG_KEYS, configMarkdownTable, loadConfig, SECRET_CONFIG_KEYS } from "../../src/core/config.js";
import { ConfigError } from "../../src/core/errors.js";

const SECRET = "x".repeat(40);

function configError(env: Record<string, string>, host: "node" | "worker" = "node"): ConfigError {
  try {
    loadConfig(env, host);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

describe("config", () => {
  it("applies documented defaults", () => {
    const c = loadConfig({ THRESHOLD_ENVIRONMENT: "development" });
    expect(c.PORT).toBe(8787);
    expect(c.THRESHOLD_DATA_DIR).toBe("./data");
    expect(c.THRESHOLD_EVENTS_RETENTION_DAYS).toBe(365);
    expect(c.THRESHOLD_LOG_LEVEL).toBe("info");
    expect(c.DATABASE_URL).toBeUndefined();
  });

  it("defaults to production, which requires the secret key", () => {
    const e = configError({});
    expect(e.key).toBe("THRESHOLD_SECRET_KEY");
    expect(e.message).toMatch(/^THRESHOLD_SECRET_KEY: required/);
    expect(loadConfig({ THRESHOLD_SECRET_KEY: SECRET }).THRESHOLD_ENVIRONMENT).toBe("production");
  });

  it("names the key of a malformed DATABASE_URL without echoing it", () => {
    const e = configError({ THRESHOLD_SECRET_KEY: SECRET, DATABASE_URL: "mysql://user:hunter2@db/x" });
    expect(e.key).toBe("DATABASE_URL");
    expect(e.message).not.toContain("hunter2");
    expect(configError({ THRESHOLD_SECRET_KEY: SECRET, DATABASE_URL: "not a url" }).key).toBe("DATABASE_URL");
  });

  it("rejects bad numbers, enums, short secrets and half-configured Upstash", () => {
    expect(configError({ THRESHOLD_ENVIRONMENT: "development", PORT: "80a" }).key).toBe("PORT");
    expect(configError({ THRESHOLD_ENVIRONMENT: "development", PORT: "70000" }).key).toBe("PORT");
    expect(configError({ THRESHOLD_ENVIRONMENT: "staging" }).key).toBe("THRESHOLD_ENVIRONMENT");
    expect(configError({ THRESHOLD_SECRET_KEY: "short" }).key).toBe("THRESHOLD_SECRET_KEY");
    expect(
      configError({ THRESHOLD_ENVIRONMENT: "development", UPSTASH_REDIS_REST_URL: "https://x.upstash.io" }).key,
    ).toBe("UPSTASH_REDIS_REST_TOKEN");
    expect(configError({ THRESHOLD_ENVIRONMENT: "development", REDIS_URL: "http://x" }).key).toBe("REDIS_URL");
  });

  it("requires a database and, in production, Upstash on Workers", () => {
    expect(configError({ THRESHOLD_ENVIRONMENT: "development" }, "worker").key).toBe("DATABASE_URL");
    const e = configError({ THRESHOLD_SECRET_KEY: SECRET, DATABASE_URL: "postgres://u@h/db" }, "worker");
    expect(e.key).toBe("UPSTASH_REDIS_REST_URL");
  });

  it("documents every key, marks secrets, and renders the README table", () => {
    for (const [name, spec] of Object.entries(CONFIG_KEYS)) {
      expect(spec.doc.length, name).toBeGreaterThan(10);
    }
    expect(SECRET_CONFIG_KEYS.has("THRESHOLD_SECRET_KEY")).toBe(true);
    expect(SECRET_CONFIG_KEYS.has("DATABASE_URL")).toBe(true);
    const table = configMarkdownTable();
    expect(table.split("\n")).toHaveLength(Object.keys(CONFIG_KEYS).length + 2);
    expect(table).toContain("| `PORT` | `8787` | Node host |");
  });
});
