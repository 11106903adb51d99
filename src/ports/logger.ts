/** Structured fields attached to a log line. Values named like secrets are redacted by adapters. */
export type LogFields = Record<string, unknown>;

/** JSON-line logger. Never pass secrets; adapters redact known secret keys as a second line of defence. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (request id, component). */
  child(fields: LogFields): Logger;
}
