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

interface Sink {
  min: number;
  write: (line: string) => void;
  now: () => Date;
}

/** Methods on the prototype: a request's `child` (one per request) is one small object. */
class JsonLogger implements Logger {
  constructor(
    private readonly sink: Sink,
    private readonly base: LogFields,
  ) {}

  private emit(level: LogLevel, msg: string, fields?: LogFields): void {
    if (ORDER[level] < this.sink.min) return;
    const record = { ts: this.sink.now().toISOString(), level, msg, ...(redact({ ...this.base, ...fields }) as object) };
    let line: string;
    try {
      line = JSON.stringify(record);
    } catch {
      line = JSON.stringify({ ts: record.ts, level, msg, note: "unserialisable fields" });
    }
    this.sink.write(line);
  }

  debug(msg: string, fields?: LogFields): void {
    this.emit("debug", msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.emit("info", msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.emit("warn", msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.emit("error", msg, fields);
  }
  child(fields: LogFields): Logger {
    return new JsonLogger(this.sink, { ...this.base, ...fields });
  }
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
  const sink: Sink = {
    min: ORDER[opts.level ?? "info"],
    write: opts.write ?? ((line: string) => console.log(line)),
    now: opts.now ?? (() => new Date()),
  };
  return new JsonLogger(sink, opts.fields ?? {});
}
