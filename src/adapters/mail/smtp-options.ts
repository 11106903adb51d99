import type { Config } from "../../core/config.js";

/**
 * SMTP connection settings shared by both SMTP adapters, read from the `THRESHOLD_EMAIL__*` keys
 * (authentik's `AUTHENTIK_EMAIL__*`). Web APIs only, so both hosts can import it.
 */
export interface SmtpOptions {
  host: string;
  port: number;
  username?: string;
  password?: string;
  /** STARTTLS after connecting (authentik `use_tls`). */
  useTls: boolean;
  /** Implicit TLS from the first byte, usually port 465 (authentik `use_ssl`). */
  useSsl: boolean;
  /** Connection and response timeout in seconds. */
  timeoutSeconds: number;
  /** Default From address. */
  from: string;
}

/** The SMTP settings, or null when `THRESHOLD_EMAIL__HOST` is unset (mail stays in memory). */
export function smtpOptionsFrom(config: Config): SmtpOptions | null {
  if (!config.THRESHOLD_EMAIL__HOST) return null;
  return {
    host: config.THRESHOLD_EMAIL__HOST,
    port: config.THRESHOLD_EMAIL__PORT,
    username: config.THRESHOLD_EMAIL__USERNAME,
    password: config.THRESHOLD_EMAIL__PASSWORD,
    useTls: config.THRESHOLD_EMAIL__USE_TLS,
    useSsl: config.THRESHOLD_EMAIL__USE_SSL,
    timeoutSeconds: config.THRESHOLD_EMAIL__TIMEOUT,
    from: config.THRESHOLD_EMAIL__FROM,
  };
}

/** Both adapters refuse the same bad recipients, like the memory mailer (contract). */
export function assertRecipient(to: string): void {
  // One address, no header injection: a CR/LF or a comma would add headers or recipients.
  if (!/^[^\s@,;<>"]+@[^\s@,;<>"]+$/.test(to)) throw new TypeError("recipient must be an email address");
}
