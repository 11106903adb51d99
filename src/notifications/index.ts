/** Notifications (authentik's rules → transports), delivered by the queue consumer. */
export { createNotificationTransport, type NotificationTransportInput } from "./admin.js";
export { deliverNotification, MAX_DELIVERY_ATTEMPTS, notifyEvent } from "./deliver.js";
export {
  notificationBody,
  PermanentDeliveryError,
  SIGNATURE_HEADER,
  slackBody,
  webhookBody,
  type NotificationDeps,
} from "./transports.js";
