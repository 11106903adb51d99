import { createTransport } from "nodemailer";
import type { Mailer } from "../../ports/mailer.js";
import { assertRecipient, type SmtpOptions } from "./smtp-options.js";

/**
 * SMTP {@link Mailer} for the Node host (nodemailer). One pooled transport per process; each
 * `send` resolves once the server accepted the message and rejects on any SMTP error, so the
 * queue consumer can retry.
 */
export function createNodeSmtpMailer(opts: SmtpOptions): Mailer & { close(): void } {
  const timeout = opts.timeoutSeconds * 1000;
  const transport = createTransport({
    host: opts.host,
    port: opts.port,
    secure: opts.useSsl,
    // use_tls: insist on STARTTLS; otherwise plain unless the server offers it (nodemailer default).
    requireTLS: opts.useTls,
    ignoreTLS: !opts.useTls && !opts.useSsl,
    auth: opts.username ? { user: opts.username, pass: opts.password ?? "" } : undefined,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    pool: true,
    maxConnections: 2,
  });
  return {
    async send(message) {
      assertRecipient(message.to);
      await transport.sendMail({
        from: message.from ?? opts.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
      });
    },
    close() {
      transport.close();
    },
  };
}
