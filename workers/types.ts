/**
 * The few Workers runtime types the composition root needs, declared locally so the core's
 * TypeScript stays free of `@cloudflare/workers-types` globals (which clash with Node's).
 */
import type { QueueProducerBinding } from "../src/adapters/cloudflare/queue.js";

export interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
  passThroughOnException(): void;
  /** Props passed by a service binding caller (unused). */
  props: unknown;
}

export interface ScheduledController {
  readonly scheduledTime: number;
  readonly cron: string;
  noRetry(): void;
}

export interface QueueMessageEnvelope<Body = unknown> {
  readonly id: string;
  readonly timestamp: Date;
  readonly body: Body;
  readonly attempts: number;
  ack(): void;
  retry(options?: { delaySeconds?: number }): void;
}

export interface MessageBatch<Body = unknown> {
  readonly queue: string;
  readonly messages: readonly QueueMessageEnvelope<Body>[];
}

/** Bindings and vars from wrangler.toml and secrets. */
export interface WorkerEnv {
  EVENTS_QUEUE: QueueProducerBinding;
  /** Static assets (`[assets]` in wrangler.toml: the built web UIs). */
  ASSETS?: { fetch(request: Request): Promise<Response> };
  [key: string]: unknown;
}
