import { createMemoryMailer } from "../../src/adapters/mail/memory.js";
import { describeMailerContract } from "../support/mailer-contract.js";

describeMailerContract("memory", () => {
  const mailer = createMemoryMailer();
  return { mailer, delivered: () => mailer.sent };
});
