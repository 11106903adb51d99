/**
 * authentik's duration strings (`authentik/lib/utils/time.py`): `;`-separated `unit=value`
 * pairs with Python `timedelta` keyword names, e.g. "seconds=0", "hours=1;minutes=30",
 * "days=0.5". Returns milliseconds.
 */
const UNIT_MS: Record<string, number> = {
  microseconds: 0.001,
  milliseconds: 1,
  seconds: 1_000,
  minutes: 60_000,
  hours: 3_600_000,
  days: 86_400_000,
  weeks: 604_800_000,
};

export class TimedeltaError extends Error {
  override name = "TimedeltaError";
}

/** Parses a timedelta string into milliseconds; throws {@link TimedeltaError} on bad input. */
export function parseTimedelta(text: string): number {
  let total = 0;
  const parts = text.split(";").map((p) => p.trim()).filter((p) => p.length > 0);
  if (parts.length === 0) throw new TimedeltaError(`empty duration: '${text}'`);
  for (const part of parts) {
    const match = /^([a-z]+)\s*=\s*(-?\d+(?:\.\d+)?)$/.exec(part);
    const unit = match ? UNIT_MS[match[1]!] : undefined;
    if (!match || unit === undefined) throw new TimedeltaError(`invalid duration part '${part}' in '${text}'`);
    total += Number(match[2]) * unit;
  }
  return Math.round(total);
}

/** True when `text` parses (for config schemas). */
export function isTimedelta(text: string): boolean {
  try {
    parseTimedelta(text);
    return true;
  } catch {
    return false;
  }
}
