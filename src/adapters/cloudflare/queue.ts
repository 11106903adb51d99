import type { Queue, QueueMessage } from "../../ports/queue.js";

/** The shape of a Cloudflare Queues producer binding that we use. */
export interface QueueProducerBinding {
  send(body: unknown, options?: { contentType?: "json" | "text" | "bytes" | "v8"; delaySeconds?: number }): Promise<void>;
}

/** Queue port over a Cloudflare Queues producer binding (messages are JSON). */
export function createCloudflareQueue(binding: QueueProducerBinding): Queue {
  return {
    async send(message: QueueMessage) {
      await binding.send(message, { contentType: "json" });
    },
  };
}
