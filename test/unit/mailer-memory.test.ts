import { describe, expect, it } from "vitest";
import { createMemoryMailer } from "../../src/adapters/mail/memory.js";
import type { Mailer } from "../../src/ports/mailer.js";

/** Mailer port contract; the SMTP adapter (email stage) will run the same checks. */
function describeMailerContract(name: string, make: () => { mailer: Mailer; delivered: () => { to: string; subject: string; text: string }[] }) {
  describe(`mailer contract [${name}]`, () => {
    it("delivers a message with recipient, subject and text", async () => {
      const { mailer, delivered } = make();
      await mailer.send({ to: "user@example.com", subject: "Hello", text: "Body", html: "<p>Body</p>" });
      expect(delivered()).toEqual([expect.objectContaining({ to: "user@example.com", subject: "Hello", text: "Body" })]);
    });
    it("rejects a recipient that is not an address", async () => {
      const { mailer, delivered } = make();
      await expect(mailer.send({ to: "nobody", subject: "x", text: "x" })).rejects.toThrow();
      expect(delivered()).toEqual([]);
    });
  });
}

describeMailerContract("memory", () => {
  const mailer = createMemoryMailer();
  return { mailer, delivered: () => mailer.sent };
});
