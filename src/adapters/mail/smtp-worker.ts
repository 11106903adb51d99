import { WorkerMailer } from "worker-mailer";
import type { Mailer } from "../../ports/mailer.js";
import { assertRecipient, type SmtpOptions } from "./smtp-options.js";

/**
 * SMTP {@link Mailer} for Workers (worker-mailer over `cloudflare:sockets`). Workers only: Node
 * code must never import this file, and `workers/index.ts` loads it lazily (`import()`) on the
 * first mail so start-up does not pay for it. One connection per message: queue batches are
 * small and a socket may not outlive the invocation.
 */
export function createWorkerSmtpMailer(opts: SmtpOptions): Mailer {
  const timeout = opts.timeoutSeconds * 1000;
  return {
    async send(message) {
      assertRecipient(message.to);
      await WorkerMailer.send(
        {
          host: opts.host,
          port: opts.port,
          secure: opts.useSsl,
          startTls: opts.useTls,
          credentials: opts.username ? { username: opts.username, password: opts.password ?? "" } : undefined,
          socketTimeoutMs: timeout,
          responseTimeoutMs: timeout,
        },
        {
          from: message.from ?? opts.from,
          to: message.to,
          subject: message.subject,
          text: message.text,
          html: message.html,
        },
      );
    },
  };
}
