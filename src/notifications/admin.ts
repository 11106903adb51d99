/**
 * Creating notification configuration from plain values (API, blueprints, tests): the webhook
 * secret is wrapped with the key store before it reaches the database.
 */
import type { Deps } from "../deps.js";
import type { NewNotificationTransport, NotificationTransport } from "../ports/notifications.js";
import { WEBHOOK_SECRET_CONTEXT } from "./transports.js";

export interface NotificationTransportInput extends Omit<NewNotificationTransport, "webhookSecretWrapped"> {
  /** Plain HMAC secret; stored wrapped, never logged. */
  webhookSecret?: string | null;
}

export async function createNotificationTransport(
  deps: Pick<Deps, "store" | "keys">,
  input: NotificationTransportInput,
): Promise<NotificationTransport> {
  const { webhookSecret, ...rest } = input;
  const wrapped = webhookSecret ? await deps.keys.wrap(webhookSecret, WEBHOOK_SECRET_CONTEXT) : null;
  return deps.store.notifications.createTransport({ ...rest, webhookSecretWrapped: wrapped });
}
