import type { Mailer, MailMessage } from "../../ports/mailer.js";

/** Records mail instead of sending it (embedded default until SMTP is configured, and tests). */
export function createMemoryMailer(): Mailer & { sent: MailMessage[] } {
  const sent: MailMessage[] = [];
  return {
    sent,
    async send(message) {
      if (!message.to.includes("@")) throw new TypeError("recipient must be an email address");
      sent.push({ ...message });
    },
  };
}
