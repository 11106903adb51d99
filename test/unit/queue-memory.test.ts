/** The in-process queue (Node host): delivery, retries with backoff, dead letters, drain. */
import { describe, expect, it } from "vitest";
import { createMemoryQueue } from "../../src/adapters/memory/queue.js";
import type { QueueMessage, QueueOutcome } from "../../src/ports/queue.js";

type EventMessage = Extract<QueueMessage, { kind: "event.created" }>;
const msg = (eventId: string): EventMessage => ({ kind: "event.created", eventId });
const eventIdOf = (m: QueueMessage): string => (m as EventMessage).eventId;

/** A logger that keeps its lines, so tests can assert on failures without printing them. */
function memoryLogger(): { lines: string[]; error(msg: string): void } {
  const lines: string[] = [];
  return { lines, error: (line) => void lines.push(line) };
}

describe("memory queue", () => {
  it("delivers after send resolves, and drain waits for the consumer", async () => {
    const seen: string[] = [];
    const queue = createMemoryQueue({
      consumer: async (m) => {
        await new Promise((r) => setTimeout(r, 5));
        seen.push(eventIdOf(m));
        return "ack";
      },
    });
    await queue.send(msg("e1"));
    await queue.send(msg("e2"));
    expect(seen).toEqual([]); // accepted, not yet processed
    await queue.drain();
    expect(seen.sort()).toEqual(["e1", "e2"]);
    await queue.drain(); // idle: resolves at once
  });

  it("delivers a copy, so the sender's later mutation does not leak in", async () => {
    const seen: string[] = [];
    const queue = createMemoryQueue({ consumer: async (m) => (seen.push(eventIdOf(m)), "ack") });
    const message = msg("original");
    await queue.send(message);
    message.eventId = "mutated";
    await queue.drain();
    expect(seen).toEqual(["original"]);
  });

  it("retries on 'retry' and on a thrown error, with backoff, then succeeds", async () => {
    const attempts: number[] = [];
    const backoffs: number[] = [];
    const logger = memoryLogger();
    const outcomes: Array<QueueOutcome | Error> = ["retry", new Error("db down"), "ack"];
    const queue = createMemoryQueue({
      consumer: async (_m, attempt) => {
        attempts.push(attempt);
        const next = outcomes.shift()!;
        if (next instanceof Error) throw next;
        return next;
      },
      backoffMs: (attempt) => (backoffs.push(attempt), 1),
      logger,
      onDeadLetter: () => expect.unreachable("must not dead-letter"),
    });
    await queue.send(msg("e1"));
    await queue.drain();
    expect(attempts).toEqual([1, 2, 3]);
    expect(backoffs).toEqual([1, 2]);
    expect(logger.lines).toEqual(["queue consumer failed"]);
  });

  it("dead-letters after maxRetries retries with the last error", async () => {
    let attempts = 0;
    const dead: Array<[QueueMessage, unknown]> = [];
    const logger = memoryLogger();
    const queue = createMemoryQueue({
      consumer: async () => {
        attempts++;
        throw new Error(`boom ${attempts}`);
      },
      maxRetries: 2,
      backoffMs: () => 0,
      onDeadLetter: (m, error) => void dead.push([m, error]),
      logger,
    });
    await queue.send(msg("e1"));
    await queue.drain();
    expect(attempts).toBe(3); // first attempt + 2 retries
    expect(dead).toHaveLength(1);
    expect(dead[0]![0]).toEqual(msg("e1"));
    expect((dead[0]![1] as Error).message).toBe("boom 3");
    expect(logger.lines.at(-1)).toBe("queue message dead-lettered");
  });

  it("dead-letters a message the consumer keeps asking to retry", async () => {
    const dead: unknown[] = [];
    const queue = createMemoryQueue({
      consumer: async () => "retry",
      maxRetries: 0,
      onDeadLetter: (_m, error) => void dead.push(error),
      logger: memoryLogger(),
    });
    await queue.send(msg("e1"));
    await queue.drain();
    expect(dead).toHaveLength(1);
    expect(String(dead[0])).toMatch(/asked to retry/);
  });

  it("drain waits for retries still in backoff and for every message", async () => {
    const acked: string[] = [];
    const queue = createMemoryQueue({
      consumer: async (m, attempt) => {
        if (eventIdOf(m) === "slow" && attempt < 2) return "retry";
        acked.push(eventIdOf(m));
        return "ack";
      },
      backoffMs: () => 30,
    });
    await Promise.all(["a", "slow", "b"].map((id) => queue.send(msg(id))));
    await queue.drain();
    expect(acked.sort()).toEqual(["a", "b", "slow"]);
  });
});
