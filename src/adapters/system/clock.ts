import type { Clock } from "../../ports/clock.js";

/** The real clock. */
export const systemClock: Clock = { now: () => new Date() };

/** A clock tests move by hand. */
export function fixedClock(start: Date | string | number = "2026-01-01T00:00:00Z"): Clock & {
  advance(ms: number): void;
  set(at: Date | string | number): void;
} {
  let t = new Date(start).getTime();
  return {
    now: () => new Date(t),
    advance: (ms) => {
      t += ms;
    },
    set: (at) => {
      t = new Date(at).getTime();
    },
  };
}
