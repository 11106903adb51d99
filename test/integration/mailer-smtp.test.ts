/**
 * The SMTP mailer (nodemailer, Node host) against a real SMTP server started here (smtp-server
 * on 127.0.0.1, plain TCP): the shared Mailer contract, then headers, authentication and the
 * queue consumer's retries.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryQueue } from "../../src/adapters/memory/queue.js";
import { createNodeSmtpMailer } from "../../src/adapters/mail/smtp-node.js";
import { smtpOptionsFrom, type SmtpOptions } from "../../src/adapters/mail/smtp-options.js";
import { loadConfig } from "../../src/core/config.js";
import { ConfigError } from "../../src/core/errors.js";
import type { Deps } from "../../src/deps.js";
import { consumeMessage } from "../../src/jobs/consume.js";
import { describeMailerContract } from "../support/mailer-contract.js";
import { startSmtpSink, type SmtpSink } from "../support/smtp-sink.js";

const FROM = "Threshold <auth@threshold.test>";

function options(port: number, extra: Partial<SmtpOptions> = {}): SmtpOptions {
  return { host: "127.0.0.1", port, useTls: false, useSsl: false, timeoutSeconds: 5, from: FROM, ...extra };
}

let sink: SmtpSink;
let authSink: SmtpSink;
const mailers: { close(): void }[] = [];
const track = <M extends { close(): void }>(m: M): M => (mailers.push(m), m);

beforeAll(async () => {
  sink = await startSmtpSink();
  authSink = await startSmtpSink({ auth: { user: "mailer", pass: "s3cret-pass" } });
});
afterAll(async () => {
  for (const m of mailers) m.close();
  await sink.close();
  await authSink.close();
});

describeMailerContract("smtp (nodemailer → smtp-server)", () => {
  const start = sink.received.length;
  return {
    mailer: track(createNodeSmtpMailer(options(sink.port))),
    delivered: () => sink.received.slice(start),
    defaultFrom: "auth@threshold.test",
  };
});

describe("SMTP mailer details", () => {
  it("writes the envelope and headers, and encodes non-ASCII text", async () => {
    const start = sink.received.length;
    const mailer = track(createNodeSmtpMailer(options(sink.port)));
    await mailer.send({ to: "jürgen@example.com".replace("ü", "u"), subject: "Grüße — reset", text: "Hallo Jürgen ✓", html: "<p>Hallo Jürgen ✓</p>" });
    const [mail] = sink.received.slice(start);
    expect(mail!.envelope).toEqual({ from: "auth@threshold.test", to: ["jurgen@example.com"] });
    expect(mail!.from).toBe(FROM);
    expect(mail!.subject).toBe("Grüße — reset");
    expect(mail!.text.trim()).toBe("Hallo Jürgen ✓");
    expect(mail!.html?.trim()).toBe("<p>Hallo Jürgen ✓</p>");
    expect(mail!.headers.get("message-id")).toMatch(/^<.+@.+>$/);
    expect(mail!.headers.get("date")).toBeTruthy();
  });

  it("authenticates with the configured credentials", async () => {
    const start = authSink.received.length;
    const mailer = track(createNodeSmtpMailer(options(authSink.port, { username: "mailer", password: "s3cret-pass" })));
    await mailer.send({ to: "user@example.com", subject: "auth", text: "x" });
    expect(authSink.received.slice(start)).toEqual([expect.objectContaining({ authUser: "mailer", subject: "auth" })]);
  });

  it("fails the send when authentication is refused (and when it is missing)", async () => {
    const before = authSink.received.length;
    const wrong = track(createNodeSmtpMailer(options(authSink.port, { username: "mailer", password: "wrong" })));
    await expect(wrong.send({ to: "user@example.com", subject: "x", text: "x" })).rejects.toThrow();
    expect(authSink.authFailures).toBeGreaterThan(0);
    const none = track(createNodeSmtpMailer(options(authSink.port)));
    await expect(none.send({ to: "user@example.com", subject: "x", text: "x" })).rejects.toThrow();
    expect(authSink.received.length).toBe(before);
  });

  it("fails (so the queue retries) when the server is unreachable", async () => {
    const closed = await startSmtpSink();
    const port = closed.port;
    await closed.close();
    const mailer = track(createNodeSmtpMailer(options(port, { timeoutSeconds: 2 })));
    await expect(mailer.send({ to: "user@example.com", subject: "x", text: "x" })).rejects.toThrow();
  });
});

describe("email.send queue messages", () => {
  function consumerDeps(mailer: Deps["mailer"]): Deps {
    const logger = { debug() {}, info() {}, warn() {}, error() {} };
    return { mailer, logger } as unknown as Deps;
  }

  it("are delivered by the consumer and retried after an SMTP failure", async () => {
    const start = sink.received.length;
    const real = track(createNodeSmtpMailer(options(sink.port)));
    let calls = 0;
    const flaky: Deps["mailer"] = {
      async send(m) {
        if (++calls === 1) throw new Error("421 try again later");
        return real.send(m);
      },
    };
    const deps = consumerDeps(flaky);
    const queue = createMemoryQueue({ consumer: (m) => consumeMessage(deps, m), backoffMs: () => 5 });
    await queue.send({ kind: "email.send", message: { to: "queued@example.com", subject: "queued", text: "from the queue" } });
    await queue.drain();
    expect(calls).toBe(2);
    expect(sink.received.slice(start)).toEqual([expect.objectContaining({ to: "queued@example.com", subject: "queued" })]);
  });

  it("drop a message the mailer refuses outright (bad recipient) instead of retrying", async () => {
    const deps = consumerDeps(track(createNodeSmtpMailer(options(sink.port))));
    expect(await consumeMessage(deps, { kind: "email.send", message: { to: "not-an-address", subject: "x", text: "x" } })).toBe("ack");
  });
});

describe("THRESHOLD_EMAIL__* configuration", () => {
  const base = { THRESHOLD_ENVIRONMENT: "test" };

  it("has authentik's defaults and leaves SMTP off without a host", () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({
      THRESHOLD_EMAIL__PORT: 25,
      THRESHOLD_EMAIL__USE_TLS: false,
      THRESHOLD_EMAIL__USE_SSL: false,
      THRESHOLD_EMAIL__TIMEOUT: 10,
      THRESHOLD_EMAIL__FROM: "threshold@localhost",
    });
    expect(smtpOptionsFrom(config)).toBeNull();
  });

  it("reads every key", () => {
    const config = loadConfig({
      ...base,
      THRESHOLD_EMAIL__HOST: "smtp.example.com",
      THRESHOLD_EMAIL__PORT: "587",
      THRESHOLD_EMAIL__USERNAME: "u",
      THRESHOLD_EMAIL__PASSWORD: "p",
      THRESHOLD_EMAIL__USE_TLS: "true",
      THRESHOLD_EMAIL__TIMEOUT: "30",
      THRESHOLD_EMAIL__FROM: "Auth <auth@example.com>",
    });
    expect(smtpOptionsFrom(config)).toEqual({
      host: "smtp.example.com",
      port: 587,
      username: "u",
      password: "p",
      useTls: true,
      useSsl: false,
      timeoutSeconds: 30,
      from: "Auth <auth@example.com>",
    });
  });

  it("rejects bad values and combinations, naming the key", () => {
    const fails = (env: Record<string, string>, key: string) => {
      try {
        loadConfig({ ...base, ...env });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).key).toBe(key);
        return;
      }
      throw new Error(`expected ${key} to be rejected`);
    };
    fails({ THRESHOLD_EMAIL__PORT: "0" }, "THRESHOLD_EMAIL__PORT");
    fails({ THRESHOLD_EMAIL__USE_TLS: "maybe" }, "THRESHOLD_EMAIL__USE_TLS");
    fails({ THRESHOLD_EMAIL__USE_TLS: "true", THRESHOLD_EMAIL__USE_SSL: "true" }, "THRESHOLD_EMAIL__USE_SSL");
    fails({ THRESHOLD_EMAIL__PASSWORD: "p" }, "THRESHOLD_EMAIL__USERNAME");
  });
});
