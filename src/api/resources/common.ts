/** Small helpers the resource definitions share. */
import * as z from "zod";
import type { AdminRow } from "../../ports/admin.js";

/** ISO 8601 or null. */
export function iso(value: unknown): string | null {
  return value instanceof Date ? value.toISOString() : typeof value === "string" ? new Date(value).toISOString() : null;
}

/** Column values for the body fields that are present (`undefined` = not sent on PATCH). */
export function pick(data: Record<string, unknown>, map: Record<string, string>): AdminRow {
  const out: AdminRow = {};
  for (const [field, columnName] of Object.entries(map)) {
    if (data[field] !== undefined) out[columnName] = data[field];
  }
  return out;
}

export const attributes = z.record(z.string(), z.unknown());
export const slug = z
  .string()
  .min(1)
  .max(50)
  .regex(/^[-a-zA-Z0-9_]+$/, "Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.");
export const name = z.string().trim().min(1, "This field may not be blank.").max(255);
export const dateTime = z.iso.datetime({ offset: true });

/** A nullable datetime in the output. */
export const nullableDate = dateTime.nullable();

/** Distinct values of `key` in `rows`. */
export function distinct<T>(rows: AdminRow[], key: string): T[] {
  return [...new Set(rows.map((r) => r[key]).filter((v) => v !== null && v !== undefined))] as T[];
}
