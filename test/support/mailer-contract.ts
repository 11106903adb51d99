/**
 * Mailer port contract (DESIGN §7: one contract suite per port, run against every adapter):
 * the memory adapter in `test/unit/mailer-memory.test.ts` (workerd), nodemailer → a real local
 * SMTP server in `test/integration/mailer-smtp.test.ts`. Web APIs only (runs in workerd).
 */
import { describe, expect, it } from "vitest";
import type { Mailer } from "../../src/ports/mailer.js";

/** A message as the receiving side saw it. `from` is the From header (or the override recorded). */
export interface DeliveredMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  from?: string;
}

export interface MailerUnderTest {
  mailer: Mailer;
  /** Every message delivered so far (after `send` resolved). */
  delivered: () => DeliveredMail[] | Promise<DeliveredMail[]>;
  /** The From address used when a message names none (undefined: the adapter does not record it). */
  defaultFrom?: string;
}

export function describeMailerContract(name: string, make: () => MailerUnderTest | Promise<MailerUnderTest>): void {
  describe(`mailer contract [${name}]`, () => {
    it("delivers a message with recipient, subject, text and HTML", async () => {
      const { mailer, delivered } = await make();
      await mailer.send({ to: "user@example.com", subject: "Hello", text: "Body line\nsecond line", html: "<p>Body &amp; more</p>" });
      const mails = await delivered();
      expect(mails).toHaveLength(1);
      expect(mails[0]).toMatchObject({ to: "user@example.com", subject: "Hello" });
      expect(mails[0]!.text.trim()).toBe("Body line\nsecond line");
      expect(mails[0]!.html?.trim()).toBe("<p>Body &amp; more</p>");
    });

    it("uses the configured From address unless the message overrides it", async () => {
      const { mailer, delivered, defaultFrom } = await make();
      await mailer.send({ to: "a@example.com", subject: "one", text: "x" });
      await mailer.send({ to: "b@example.com", subject: "two", text: "x", from: "other@example.org" });
      const mails = await delivered();
      if (defaultFrom) expect(mails[0]!.from).toContain(defaultFrom);
      expect(mails[1]!.from).toContain("other@example.org");
    });

    it("sends text-only messages", async () => {
      const { mailer, delivered } = await make();
      await mailer.send({ to: "user@example.com", subject: "Plain", text: "only text" });
      const mails = await delivered();
      expect(mails[0]!.text.trim()).toBe("only text");
      expect(mails[0]!.html).toBeUndefined();
    });

    it("rejects a recipient that is not one address (nothing is sent)", async () => {
      const { mailer, delivered } = await make();
      await expect(mailer.send({ to: "nobody", subject: "x", text: "x" })).rejects.toThrow();
      await expect(mailer.send({ to: "a@example.com\r\nBcc: evil@example.com", subject: "x", text: "x" })).rejects.toThrow();
      await expect(mailer.send({ to: "a@example.com, b@example.com", subject: "x", text: "x" })).rejects.toThrow();
      expect(await delivered()).toEqual([]);
    });
  });
}
