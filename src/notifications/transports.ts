/**
 * The four transports (authentik's `TransportMode`): local (in-app row), webhook (JSON body,
 * custom headers, HMAC signature), webhook_slack (Slack / Discord `/slack` format), email (the
 * Mailer port). Each sends one notification; a thrown error means "try again", a
 * {@link PermanentDeliveryError} means "never succeeds, dead-letter now".
 */
import type { Deps } from "../deps.js";
import type { NotificationSeverity, NotificationTransport } from "../ports/notifications.js";
import type { Event, User } from "../ports/store.js";

/** Deps plus an injectable outbound `fetch` (tests, Workers service bindings). */
export type NotificationDeps = Deps & { fetch?: typeof fetch };

/** Key-store context of wrapped webhook secrets. */
export const WEBHOOK_SECRET_CONTEXT = "notification.webhook_secret";
/** The header carrying `sha256=<hex HMAC-SHA256 of the raw body>` when the transport has a secret. */
export const SIGNATURE_HEADER = "X-Threshold-Signature";
/** A webhook that has not answered within this is a failed attempt. */
export const WEBHOOK_TIMEOUT_MS = 10_000;

/** A failure retrying cannot fix (no email address, 4xx from the receiver, deleted transport). */
export class PermanentDeliveryError extends Error {
  override name = "PermanentDeliveryError";
}

/** What one delivery sends: the event, the rule's severity, and the recipient (null with send_once). */
export interface OutgoingNotification {
  event: Event;
  severity: NotificationSeverity;
  body: string;
  user: User | null;
}

/** authentik's `Event.summary`: the event's message when it has one, else its action. */
export function notificationBody(event: Event): string {
  const message = event.context.message;
  const who = typeof event.user.username === "string" ? ` (${event.user.username})` : "";
  return typeof message === "string" && message !== "" ? message : `${event.action}${who}`;
}

function eventUser(event: Event): { email: string; username: string } {
  const s = (v: unknown) => (typeof v === "string" ? v : "");
  return { email: s(event.user.email), username: s(event.user.username) };
}

/** The generic webhook body (authentik's documented fields). */
export function webhookBody(n: OutgoingNotification): Record<string, unknown> {
  const actor = eventUser(n.event);
  return {
    body: n.body,
    severity: n.severity,
    user_email: n.user?.email ?? "",
    user_username: n.user?.username ?? "",
    event_user_email: actor.email,
    event_user_username: actor.username,
    event: { pk: n.event.pk, action: n.event.action, app: n.event.app, client_ip: n.event.clientIp, created: n.event.created.toISOString() },
  };
}

const SLACK_COLORS: Record<NotificationSeverity, string> = { notice: "#2f89d6", warning: "#f0ab00", alert: "#c9190b" };

/** Slack incoming-webhook format; Discord accepts it on its `/slack` webhook URL. */
export function slackBody(n: OutgoingNotification): Record<string, unknown> {
  const actor = eventUser(n.event);
  const fields = [
    { title: "Severity", value: n.severity, short: true },
    { title: "Action", value: n.event.action, short: true },
    ...(actor.username ? [{ title: "User", value: actor.username, short: true }] : []),
    ...(n.event.clientIp ? [{ title: "Client IP", value: n.event.clientIp, short: true }] : []),
  ];
  return {
    username: "Threshold",
    text: n.body,
    attachments: [{ color: SLACK_COLORS[n.severity], title: n.event.action, fields, footer: `threshold · ${n.event.app}`, ts: Math.floor(n.event.created.getTime() / 1000) }],
  };
}

async function hmacHex(secret: string, body: string): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(body)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function postJson(deps: NotificationDeps, transport: NotificationTransport, payload: Record<string, unknown>): Promise<void> {
  if (!transport.webhookUrl) throw new PermanentDeliveryError(`transport ${transport.name} has no webhook URL`);
  const body = JSON.stringify(payload);
  const headers = new Headers(transport.webhookHeaders);
  headers.set("content-type", "application/json");
  if (transport.webhookSecretWrapped) {
    const secret = await deps.keys.unwrapText(transport.webhookSecretWrapped, WEBHOOK_SECRET_CONTEXT);
    headers.set(SIGNATURE_HEADER, `sha256=${await hmacHex(secret, body)}`);
  }
  const doFetch = deps.fetch ?? fetch;
  const response = await doFetch(transport.webhookUrl, {
    method: "POST",
    headers,
    body,
    redirect: "manual",
    signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
  });
  await response.body?.cancel().catch(() => {});
  if (response.ok) return;
  const reason = `webhook answered HTTP ${response.status}`;
  // Client errors other than timeout / rate limit will not change on retry.
  if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
    throw new PermanentDeliveryError(reason);
  }
  throw new Error(reason);
}

async function sendEmail(deps: NotificationDeps, n: OutgoingNotification): Promise<void> {
  if (!n.user?.email) throw new PermanentDeliveryError("recipient has no email address");
  const text = [
    n.body,
    "",
    `Severity: ${n.severity}`,
    `Action: ${n.event.action}`,
    `When: ${n.event.created.toISOString()}`,
    ...(n.event.clientIp ? [`Client IP: ${n.event.clientIp}`] : []),
  ].join("\n");
  try {
    await deps.mailer.send({ to: n.user.email, subject: `[Threshold] ${n.severity}: ${n.event.action}`, text });
  } catch (error) {
    // The mailer throws TypeError for an address it refuses outright.
    if (error instanceof TypeError) throw new PermanentDeliveryError(error.message);
    throw error;
  }
}

/** Sends one notification through `transport`. */
export async function sendThrough(deps: NotificationDeps, transport: NotificationTransport, n: OutgoingNotification): Promise<void> {
  switch (transport.mode) {
    case "local":
      if (!n.user) throw new PermanentDeliveryError("local notifications need a recipient");
      return deps.store.notifications.createNotification({ userPk: n.user.pk, severity: n.severity, body: n.body, eventPk: n.event.pk });
    case "webhook":
      return postJson(deps, transport, webhookBody(n));
    case "webhook_slack":
      return postJson(deps, transport, slackBody(n));
    case "email":
      return sendEmail(deps, n);
    default: {
      const unknown: never = transport.mode;
      throw new PermanentDeliveryError(`unknown transport mode ${String(unknown)}`);
    }
  }
}
