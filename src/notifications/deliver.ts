/**
 * Event → notifications, in the queue consumer. `notifyEvent` (on `event.created`) evaluates
 * every rule's policy bindings against the event and records one delivery per (event,
 * transport, user) — or per (event, transport) with send_once — then enqueues each.
 * `deliverNotification` (on `notification.deliver`) claims the delivery row, sends, and marks it
 * delivered, failed (the queue retries with backoff) or dead after {@link MAX_DELIVERY_ATTEMPTS}.
 * A redelivered message finds the row delivered and sends nothing.
 */
import type { NewNotificationDelivery, NotificationRule } from "../ports/notifications.js";
import type { QueueOutcome } from "../ports/queue.js";
import type { Event, User } from "../ports/store.js";
import { notificationBody, PermanentDeliveryError, sendThrough, WEBHOOK_TIMEOUT_MS, type NotificationDeps } from "./transports.js";

/** Attempts before a delivery is dead-lettered; below the queue's own limit (wrangler `max_retries = 5`, 6 attempts). */
export const MAX_DELIVERY_ATTEMPTS = 5;
/** How long a claimed delivery is held (longer than any send may take). */
const LEASE_MS = 3 * WEBHOOK_TIMEOUT_MS;

/** The event as policies see it (`request.context.event`; the event matcher reads `client_ip`). */
function eventForPolicies(event: Event): Record<string, unknown> {
  return { ...event, client_ip: event.clientIp };
}

/**
 * As authentik: events written by the policies of notification rules (policy_exception,
 * policy_execution) never trigger notifications, or a failing policy would notify forever.
 */
function fromRulePolicy(event: Event, rulePks: Set<string>): boolean {
  const binding = event.context.binding as { target?: unknown } | undefined;
  return typeof binding?.target === "string" && rulePks.has(binding.target);
}

async function ruleMatches(deps: NotificationDeps, rule: NotificationRule, event: Event): Promise<boolean> {
  // As authentik (`empty_result = False`): a rule without policies matches nothing.
  const target = await deps.store.policies.loadTarget(rule.pk);
  if (!target || target.bindings.length === 0) return false;
  const result = await deps.policyEngine.evaluate(rule.pk, {
    user: null,
    http: { ip: event.clientIp, userAgent: null, host: "", path: "" },
    context: { event: eventForPolicies(event) },
  });
  return result.passing;
}

async function recipients(deps: NotificationDeps, rule: NotificationRule, event: Event): Promise<User[]> {
  const users = rule.destinationGroupPk ? await deps.store.notifications.groupMembers(rule.destinationGroupPk) : [];
  if (rule.destinationEventUser && typeof event.user.pk === "number") {
    const actor = await deps.store.users.byPk(event.user.pk);
    if (actor?.isActive && !users.some((u) => u.pk === actor.pk)) users.push(actor);
  }
  return users;
}

/** Fans one event out to deliveries and enqueues them. Throws when the queue refuses (the event is retried). */
export async function notifyEvent(deps: NotificationDeps, event: Event): Promise<number> {
  const rules = (await deps.store.notifications.listRules()).filter((r) => r.transportPks.length > 0);
  if (rules.length === 0 || fromRulePolicy(event, new Set(rules.map((r) => r.pk)))) return 0;
  const wanted: NewNotificationDelivery[] = [];
  for (const rule of rules) {
    if (!(await ruleMatches(deps, rule, event))) continue;
    const users = await recipients(deps, rule, event);
    for (const transportPk of rule.transportPks) {
      const transport = await deps.store.notifications.transportByPk(transportPk);
      if (!transport) continue;
      const base = { eventPk: event.pk, transportPk, rulePk: rule.pk, severity: rule.severity };
      const once = transport.sendOnce && (transport.mode === "webhook" || transport.mode === "webhook_slack");
      if (once) wanted.push({ ...base, userPk: null });
      else for (const user of users) wanted.push({ ...base, userPk: user.pk });
    }
  }
  const open = await deps.store.notifications.upsertDeliveries(wanted);
  for (const delivery of open) await deps.queue.send({ kind: "notification.deliver", deliveryId: delivery.pk });
  return open.length;
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Delivers one notification; idempotent under redelivery and concurrent copies. */
export async function deliverNotification(deps: NotificationDeps, deliveryId: string): Promise<QueueOutcome> {
  const repo = deps.store.notifications;
  const now = deps.clock.now();
  const claimed = await repo.claimDelivery(deliveryId, now, new Date(now.getTime() + LEASE_MS));
  if (!claimed) {
    const current = await repo.deliveryByPk(deliveryId);
    // Finished (or gone): a duplicate message. Otherwise another consumer holds it: check later.
    return !current || current.status === "delivered" || current.status === "dead" ? "ack" : "retry";
  }
  try {
    const [transport, event, user] = await Promise.all([
      repo.transportByPk(claimed.transportPk),
      deps.store.events.byPk(claimed.eventPk),
      claimed.userPk === null ? Promise.resolve(null) : deps.store.users.byPk(claimed.userPk),
    ]);
    if (!transport) throw new PermanentDeliveryError("transport no longer exists");
    if (!event) throw new PermanentDeliveryError("event expired before delivery");
    await sendThrough(deps, transport, { event, severity: claimed.severity, body: notificationBody(event), user });
  } catch (error) {
    const dead = error instanceof PermanentDeliveryError || claimed.attempts >= MAX_DELIVERY_ATTEMPTS;
    await repo.markFailed(deliveryId, errorText(error), dead);
    const fields = { delivery: deliveryId, transport: claimed.transportPk, attempt: claimed.attempts, error: errorText(error) };
    if (dead) deps.logger.error("notification dead-lettered", fields);
    else deps.logger.warn("notification delivery failed, will retry", fields);
    return dead ? "ack" : "retry";
  }
  await repo.markDelivered(deliveryId, deps.clock.now());
  return "ack";
}
