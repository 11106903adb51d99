/** One email to send. `text` is always present; `html` is optional. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Overrides the configured From address. */
  from?: string;
}

/** Outgoing mail. The SMTP adapter arrives with the email stage; the memory adapter records mail. */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}
