import type { Mailer, MailMessage } from "../../ports/mailer.js";
import { assertRecipient } from "./smtp-options.js";

/** Records mail instead of sending it (embedded default until SMTP is configured, and tests). */
export function createMemoryMailer(): Mailer & { sent: MailMessage[] } {
  const sent: MailMessage[] = [];
  return {
    sent,
    async send(message) {
      assertRecipient(message.to);
      sent.push({ ...message });
    },
  };
}
