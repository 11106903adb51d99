/**
 * Notifications end to end, in process on PGlite with the memory queue drained: an event is
 * recorded, the consumer evaluates rules (event-matcher policies bound to the rule), fans out
 * deliveries, and delivers them to a real local HTTP receiver / SMTP server.
 */
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeSmtpMailer } from "../../src/adapters/mail/smtp-node.js";
import { consumeMessage } from "../../src/jobs/consume.js";
import { runCleanup } from "../../src/jobs/cleanup.js";
import {
  createNotificationTransport,
  MAX_DELIVERY_ATTEMPTS,
  notifyEvent,
  SIGNATURE_HEADER,
  type NotificationTransportInput,
} from "../../src/notifications/index.js";
import type { NotificationSeverity } from "../../src/ports/notifications.js";
import type { Event, Group, User } from "../../src/ports/store.js";
import { recordEvent } from "../../src/services/events.js";
import { makeTestDeps, type TestDeps } from "../support/app-deps.js";
import { startSmtpSink } from "../support/smtp-sink.js";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.js";

let deps: TestDeps;
let receiver: WebhookReceiver;
let admins: Group;
let alice: User;
let bob: User;
let carol: User;

/** A rule notifying `admins` (and its nested groups) of events with `action`, through one new transport. */
async function ruleFor(action: string, transport: NotificationTransportInput, severity: NotificationSeverity = "warning") {
  const t = await createNotificationTransport(deps, transport);
  const rule = await deps.store.notifications.createRule({
    name: `rule-${action}`,
    severity,
    destinationGroupPk: admins.pk,
    transportPks: [t.pk],
  });
  const policy = await deps.store.policies.create({ name: `match-${action}`, type: "event_matcher", config: { action } });
  await deps.store.policies.bind({ targetPk: rule.pk, policyPk: policy.pk, order: 0 });
  return { transport: t, rule };
}

/** Records an event by carol and waits until the consumer has finished everything it caused. */
async function happen(action: string): Promise<Event> {
  const event = await recordEvent(deps, { action, user: carol, clientIp: "192.0.2.7", context: { message: `Something: ${action}` } });
  await deps.queue.drain();
  return event;
}

beforeAll(async () => {
  deps = await makeTestDeps();
  receiver = await startWebhookReceiver();
  admins = await deps.store.groups.create({ name: "admins" });
  const oncall = await deps.store.groups.create({ name: "oncall", parentPks: [admins.pk] });
  alice = await deps.store.users.create({ username: "alice", email: "alice@example.test" });
  bob = await deps.store.users.create({ username: "bob", email: "bob@example.test" });
  carol = await deps.store.users.create({ username: "carol", email: "carol@example.test" });
  await deps.store.groups.addMember(admins.pk, alice.pk);
  await deps.store.groups.addMember(oncall.pk, bob.pk); // nested: oncall ⊂ admins
});

afterAll(async () => {
  await receiver.close();
  await deps.store.close();
});

describe("notifications", () => {
  it("webhook: one signed POST per destination user (nested groups), with custom headers", async () => {
    receiver.received.length = 0;
    await ruleFor("login_failed", {
      name: "hook",
      mode: "webhook",
      webhookUrl: receiver.url,
      webhookHeaders: { "X-Custom": "yes" },
      webhookSecret: "s3cret-hmac",
    });
    const event = await happen("login_failed");

    expect(receiver.received).toHaveLength(2);
    const bodies = receiver.received.map((r) => JSON.parse(r.body) as Record<string, unknown>);
    expect(bodies.map((b) => b.user_username).sort()).toEqual(["alice", "bob"]);
    expect(bodies[0]).toMatchObject({
      body: "Something: login_failed",
      severity: "warning",
      event_user_username: "carol",
      event_user_email: "carol@example.test",
    });
    for (const r of receiver.received) {
      const expected = `sha256=${createHmac("sha256", "s3cret-hmac").update(r.body).digest("hex")}`;
      expect(r.headers[SIGNATURE_HEADER.toLowerCase()]).toBe(expected);
      expect(r.headers["x-custom"]).toBe("yes");
      expect(r.headers["content-type"]).toContain("application/json");
    }
    const deliveries = await deps.store.notifications.deliveriesOf(event.pk);
    expect(deliveries.map((d) => d.status)).toEqual(["delivered", "delivered"]);
    // The secret is stored wrapped, never in clear.
    const t = await deps.store.notifications.transportByPk(deliveries[0]!.transportPk);
    expect(t?.webhookSecretWrapped).toBeTruthy();
    expect(t?.webhookSecretWrapped).not.toContain("s3cret-hmac");
  });

  it("a receiver failing twice then succeeding gets exactly one accepted delivery; redelivery sends nothing", async () => {
    receiver.received.length = 0;
    await ruleFor("flaky", { name: "flaky-hook", mode: "webhook", webhookUrl: receiver.url, sendOnce: true });
    receiver.respondWith([500, 503]);
    const event = await happen("flaky");

    expect(receiver.received.map((r) => r.status)).toEqual([500, 503, 200]);
    expect(receiver.accepted()).toHaveLength(1);
    const [delivery] = await deps.store.notifications.deliveriesOf(event.pk);
    expect(delivery).toMatchObject({ status: "delivered", attempts: 3, userPk: null });

    // At-least-once: the same messages again (delivery and event) change nothing.
    expect(await consumeMessage(deps, { kind: "notification.deliver", deliveryId: delivery!.pk })).toBe("ack");
    expect(await consumeMessage(deps, { kind: "event.created", eventId: event.pk })).toBe("ack");
    expect(await notifyEvent(deps, (await deps.store.events.byPk(event.pk))!)).toBe(0);
    await deps.queue.drain();
    expect(receiver.received).toHaveLength(3);
    expect(await deps.store.notifications.deliveriesOf(event.pk)).toHaveLength(1);
  });

  it("dead-letters a delivery after the maximum number of attempts", async () => {
    receiver.received.length = 0;
    await ruleFor("always_down", { name: "down-hook", mode: "webhook", webhookUrl: receiver.url, sendOnce: true });
    receiver.respondWith([], 502);
    const event = await happen("always_down");
    receiver.respondWith([]);

    expect(receiver.received).toHaveLength(MAX_DELIVERY_ATTEMPTS);
    const [delivery] = await deps.store.notifications.deliveriesOf(event.pk);
    expect(delivery).toMatchObject({ status: "dead", attempts: MAX_DELIVERY_ATTEMPTS });
    expect(delivery!.lastError).toContain("502");
    expect(deps.logLines.some((l) => l.includes("notification dead-lettered"))).toBe(true);
  });

  it("a client error (4xx) is dead-lettered at once", async () => {
    receiver.received.length = 0;
    await ruleFor("gone", { name: "gone-hook", mode: "webhook", webhookUrl: receiver.url, sendOnce: true });
    receiver.respondWith([410]);
    const event = await happen("gone");
    expect(receiver.received).toHaveLength(1);
    expect((await deps.store.notifications.deliveriesOf(event.pk))[0]).toMatchObject({ status: "dead", attempts: 1 });
  });

  it("webhook_slack: Slack/Discord-compatible {text, attachments}", async () => {
    receiver.received.length = 0;
    await ruleFor("secret_rotate", { name: "slack", mode: "webhook_slack", webhookUrl: receiver.url, sendOnce: true }, "alert");
    await happen("secret_rotate");
    expect(receiver.received).toHaveLength(1);
    const body = JSON.parse(receiver.received[0]!.body) as { text: string; attachments: { title: string; color: string; fields: { title: string; value: string }[] }[] };
    expect(body.text).toBe("Something: secret_rotate");
    expect(body.attachments[0]!.title).toBe("secret_rotate");
    expect(body.attachments[0]!.fields).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ title: "Severity", value: "alert" }),
        expect.objectContaining({ title: "User", value: "carol" }),
      ]),
    );
  });

  it("email: delivers to a local SMTP server through the Mailer port", async () => {
    const sink = await startSmtpSink();
    const mailer = createNodeSmtpMailer({ host: "127.0.0.1", port: sink.port, useTls: false, useSsl: false, timeoutSeconds: 5, from: deps.config.THRESHOLD_EMAIL__FROM });
    const previous = deps.mailer;
    deps.mailer = mailer;
    try {
      await ruleFor("password_set", { name: "mail", mode: "email" });
      await happen("password_set");
      const mails = await sink.waitFor(2);
      expect(mails.map((m) => m.envelope.to[0]).sort()).toEqual(["alice@example.test", "bob@example.test"]);
      expect(mails[0]!.subject).toBe("[Threshold] warning: password_set");
      expect(mails[0]!.text).toContain("Something: password_set");
    } finally {
      deps.mailer = previous;
      mailer.close();
      await sink.close();
    }
  });

  it("local: an in-app notification per destination user, once", async () => {
    await ruleFor("model_deleted", { name: "bell", mode: "local" }, "notice");
    const event = await happen("model_deleted");
    const mine = await deps.store.notifications.notificationsOf(alice.pk);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ body: "Something: model_deleted", severity: "notice", eventPk: event.pk, seen: false });
    expect(await deps.store.notifications.notificationsOf(bob.pk)).toHaveLength(1);
    expect(await deps.store.notifications.notificationsOf(carol.pk)).toHaveLength(0);
    for (const d of await deps.store.notifications.deliveriesOf(event.pk)) {
      expect(await consumeMessage(deps, { kind: "notification.deliver", deliveryId: d.pk })).toBe("ack");
    }
    expect(await deps.store.notifications.notificationsOf(alice.pk)).toHaveLength(1);
    expect(await deps.store.notifications.markSeen(alice.pk, [mine[0]!.pk])).toBe(1);
    expect(await deps.store.notifications.notificationsOf(alice.pk, { unseenOnly: true })).toHaveLength(0);
  });

  it("an event no rule matches sends nothing", async () => {
    receiver.received.length = 0;
    await ruleFor("only_this", { name: "picky-hook", mode: "webhook", webhookUrl: receiver.url, sendOnce: true });
    const event = await happen("something_else");
    expect(receiver.received).toHaveLength(0);
    expect(await deps.store.notifications.deliveriesOf(event.pk)).toHaveLength(0);
    expect((await deps.store.events.byPk(event.pk))?.processedAt).toBeInstanceOf(Date);
  });

  it("a rule without policies matches nothing (as authentik's empty_result = False)", async () => {
    receiver.received.length = 0;
    const t = await createNotificationTransport(deps, { name: "unbound-hook", mode: "webhook", webhookUrl: receiver.url, sendOnce: true });
    await deps.store.notifications.createRule({ name: "unbound", destinationGroupPk: admins.pk, transportPks: [t.pk] });
    await happen("anything_at_all");
    expect(receiver.received).toHaveLength(0);
  });

  it("the cleanup cron removes deliveries and notifications past event retention", async () => {
    const before = await deps.store.notifications.notificationsOf(alice.pk);
    expect(before.length).toBeGreaterThan(0);
    deps.clock.advance((deps.config.THRESHOLD_EVENTS_RETENTION_DAYS + 1) * 86_400_000);
    const result = await runCleanup(deps);
    expect(result.notifications).toBeGreaterThan(0);
    expect(await deps.store.notifications.notificationsOf(alice.pk)).toHaveLength(0);
  });
});
