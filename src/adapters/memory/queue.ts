import type { Queue, QueueMessage, QueueOutcome } from "../../ports/queue.js";

/** Options for {@link createMemoryQueue}. */
export interface MemoryQueueOptions {
  /** Processes one message; `attempt` starts at 1. Returning "retry" or throwing retries it. */
  consumer: (msg: QueueMessage, attempt: number) => Promise<QueueOutcome>;
  /**
   * Retries after the first attempt before a message is dead-lettered (default 5, as
   * `max_retries` in wrangler.toml): a message is delivered at most `maxRetries + 1` times.
   */
  maxRetries?: number;
  /** Delay before the next attempt, given the attempt that just failed (default 0.5 s doubling, capped at 30 s). */
  backoffMs?: (attempt: number) => number;
  /** Called once a message has used up its retries, with the last error (Cloudflare's DLQ). */
  onDeadLetter?: (msg: QueueMessage, error: unknown) => void;
  /** Consumer failures and dead letters are reported here. */
  logger?: { error(msg: string, fields?: object): void };
}

/** The in-process {@link Queue}, plus a way to wait for it to be idle. */
export interface MemoryQueue extends Queue {
  /**
   * Resolves once every accepted message is finished (acknowledged or dead-lettered), including
   * retries still waiting for their backoff. For tests and graceful shutdown.
   */
  drain(): Promise<void>;
}

const defaultBackoffMs = (attempt: number): number => Math.min(30_000, 500 * 2 ** (attempt - 1));

/**
 * In-process {@link Queue} for the Node host (Cloudflare Queues on Workers, DESIGN §7). Web APIs
 * only. `send` accepts a copy of the message and returns; delivery happens on a later task, with
 * at-least-once semantics like the real queue: "retry" or a thrown error schedules another attempt
 * after a backoff, and after `maxRetries` retries the message goes to `onDeadLetter`.
 */
export function createMemoryQueue(opts: MemoryQueueOptions): MemoryQueue {
  const maxRetries = opts.maxRetries ?? 5;
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new RangeError(`maxRetries must be a non-negative integer, got ${maxRetries}`);
  }
  const backoffMs = opts.backoffMs ?? defaultBackoffMs;
  /** Accepted messages not yet acknowledged or dead-lettered (running or waiting to retry). */
  let unfinished = 0;
  let idle: Array<() => void> = [];

  function finish(): void {
    unfinished--;
    if (unfinished > 0) return;
    const waiters = idle;
    idle = [];
    for (const resolve of waiters) resolve();
  }

  async function deliver(msg: QueueMessage, attempt: number): Promise<void> {
    let error: unknown;
    try {
      if ((await opts.consumer(msg, attempt)) === "ack") return finish();
      error = new Error(`consumer asked to retry ${msg.kind} (attempt ${attempt})`);
    } catch (thrown) {
      error = thrown;
      opts.logger?.error("queue consumer failed", { kind: msg.kind, attempt, error: errorMessage(thrown) });
    }
    if (attempt <= maxRetries) {
      setTimeout(() => void deliver(msg, attempt + 1), Math.max(0, backoffMs(attempt)));
      return;
    }
    deadLetter(msg, attempt, error);
    finish();
  }

  function deadLetter(msg: QueueMessage, attempts: number, error: unknown): void {
    opts.logger?.error("queue message dead-lettered", { kind: msg.kind, attempts, error: errorMessage(error) });
    try {
      opts.onDeadLetter?.(msg, error);
    } catch (thrown) {
      opts.logger?.error("queue dead-letter handler failed", { kind: msg.kind, error: errorMessage(thrown) });
    }
  }

  return {
    async send(message) {
      // A copy, as a real queue serialises: later mutation by the sender cannot leak in.
      const copy = structuredClone(message);
      unfinished++;
      setTimeout(() => void deliver(copy, 1), 0);
    },
    drain() {
      if (unfinished === 0) return Promise.resolve();
      return new Promise((resolve) => idle.push(resolve));
    },
  };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
