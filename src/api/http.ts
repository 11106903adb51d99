/** Request parsing shared by the API's routes: JSON bodies through zod, list parameters. */
import type { Context } from "hono";
import * as z from "zod";
import { type FieldError, ValidationError } from "../core/errors.js";
import { paginate } from "../protocols/ldap/serialize.js";

export { paginate };

/** Largest `page_size` (outposts read the directory 1,000 at a time). */
export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 100;
/** Bodies larger than this are refused before parsing. */
const MAX_BODY_BYTES = 1_000_000;

/** zod issues → authentik's field errors (`groups.0` style paths become `groups`). */
export function fieldErrors(error: z.ZodError): Record<string, FieldError[]> {
  const fields: Record<string, FieldError[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? String(issue.path[0]) : "non_field_errors";
    let message = issue.message;
    if (issue.code === "invalid_type" && issue.input === undefined) message = "This field is required.";
    else if (issue.path.length > 1) message = `${issue.path.slice(1).join(".")}: ${message}`;
    (fields[key] ??= []).push({ string: message, code: issue.code });
  }
  return fields;
}

/** The request's JSON body (400 for malformed JSON, a non-object, or an oversized body). */
export async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text.length > MAX_BODY_BYTES) throw new ValidationError("Request body too large", { non_field_errors: [{ string: "Request body too large.", code: "too_large" }] });
  let raw: unknown;
  try {
    raw = text.trim() === "" ? {} : JSON.parse(text);
  } catch (e) {
    throw new ValidationError("JSON parse error", { non_field_errors: [{ string: `JSON parse error - ${(e as Error).message}`, code: "parse_error" }] });
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ValidationError("Invalid data", { non_field_errors: [{ string: "Invalid data. Expected a dictionary.", code: "invalid" }] });
  }
  // PostgreSQL text cannot hold NUL; DRF refuses it the same way.
  const nul = Object.entries(raw).find(([, v]) => hasNul(v, 0));
  if (nul) throw new ValidationError("Null characters are not allowed", { [nul[0]]: [{ string: "Null characters are not allowed.", code: "null_characters_not_allowed" }] });
  return raw as Record<string, unknown>;
}

function hasNul(value: unknown, depth: number): boolean {
  if (typeof value === "string") return value.includes("\u0000");
  if (depth > 32 || value === null || typeof value !== "object") return false;
  return Object.entries(value).some(([k, v]) => k.includes("\u0000") || hasNul(v, depth + 1));
}

/** Parses the JSON body with `schema`; field errors become a 400. */
export async function parseBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const parsed = schema.safeParse(await jsonBody(c));
  if (!parsed.success) throw new ValidationError("Invalid input", fieldErrors(parsed.error));
  return parsed.data;
}

/** One field's error as a 400. */
export function fieldError(field: string, message: string, code = "invalid"): ValidationError {
  return new ValidationError(message, { [field]: [{ string: message, code }] });
}

function intParam(value: string | undefined, fallback: number, min: number, max: number): number {
  const n = Number.parseInt(value ?? "", 10);
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : fallback;
}

export interface ListParams {
  page: number;
  pageSize: number;
  search: string;
  /** `ordering` split on commas; `-` prefix = descending. */
  ordering: { field: string; desc: boolean }[];
}

/** authentik's `page`, `page_size`, `search` and `ordering` query parameters. */
export function listParams(c: Context): ListParams {
  const ordering = (c.req.query("ordering") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => (s.startsWith("-") ? { field: s.slice(1), desc: true } : { field: s, desc: false }));
  return {
    page: intParam(c.req.query("page"), 1, 1, 1_000_000),
    pageSize: intParam(c.req.query("page_size"), DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE),
    search: (c.req.query("search") ?? "").replace(/\u0000/g, "").trim().slice(0, 200),
    ordering,
  };
}

/** `true`/`false` query values as authentik's filters read them; undefined when absent or other. */
export function boolQuery(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.toLowerCase();
  if (v === "true" || v === "1") return true;
  if (v === "false" || v === "0") return false;
  return undefined;
}

/** The response shape of every list (OpenAPI). */
export function paginated<T extends z.ZodType>(item: T) {
  return z.object({
    pagination: z.object({
      next: z.number().int(),
      previous: z.number().int(),
      count: z.number().int(),
      current: z.number().int(),
      total_pages: z.number().int(),
      start_index: z.number().int(),
      end_index: z.number().int(),
    }),
    results: z.array(item),
  });
}
