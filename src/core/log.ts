import type { LogFields, Logger } from "../ports/logger.js";

export type LogLevel = "debug" | "info" | "warn" | "error";
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Field names whose values are replaced by "[redacted]" wherever they appear (any depth). */
const SECRET_FIELD = /pass(word)?|secret|token|authorization|cookie|api[-_]?key|private|credential|^key$|_key$|database_url|redis_url/i;

/** Replaces secret-looking fields (recursively) and serialises errors without stack traces on the wire. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return "[depth]";
  if (value instanceof Error) {
    return { name: value.name, message: value.message, stack: value.stack?.split("\n").slice(0, 6).join("\n") };
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_FIELD.test(k) ? "[redacted]" : redact(v, depth + 1);
    }
    return out;
  }
  return value;
}

/**
 * JSON-line logger: one JSON object per line with `ts`, `level`, `msg` and the fields.
 * `write` defaults to `console.log` (Workers Logs and Node stdout both collect it).
 */
export function createJsonLogger(opts: {
  level?: LogLevel;
  fields?: LogFields;
  write?: (line: string) => void;
  now?: () => Date;
} = {}): Logger {
  const min = ORDER[opts.level ?? "info"];
  const write = opts.write ?? ((line: string) => console.log(line));
  const now = opts.now ?? (() => new Date());
  const base = opts.fields ?? {};
  const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (ORDER[level] < min) return;
    const record = { ts: now().toISOString(), level, msg, ...(redact({ ...base, ...fields }) as object) };
    let line: string;
    try {
      line = JSON.stringify(record);
    } catch {
      line = JSON.stringify({ ts: record.ts, level, msg, note: "unserialisable fields" });
    }
    write(line);
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createJsonLogger({ ...opts, fields: { ...base, ...fields } }),
  };
}
