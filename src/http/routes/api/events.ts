import { Hono } from "hono";
import * as z from "zod";
import { ValidationError, type FieldError } from "../../../core/errors.js";
import type { Event } from "../../../ports/store.js";
import { recordEvent } from "../../../services/events.js";
import type { AppEnv } from "../../env.js";

/** authentik's Event serializer shape. */
export function serializeEvent(e: Event) {
  return {
    pk: e.pk,
    user: e.user,
    action: e.action,
    app: e.app,
    context: e.context,
    client_ip: e.clientIp,
    created: e.created.toISOString(),
    expires: e.expires.toISOString(),
    brand: e.brand,
  };
}

const createBody = z.object({
  action: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, "must be an event action such as model_created"),
  app: z.string().min(1).max(255),
  context: z.record(z.string(), z.unknown()).optional(),
  client_ip: z.union([z.ipv4(), z.ipv6()]).nullable().optional(),
});

export function zodFieldErrors(error: z.ZodError): Record<string, FieldError[]> {
  const fields: Record<string, FieldError[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.join(".") || "non_field_errors";
    (fields[key] ??= []).push({ string: issue.message, code: issue.code });
  }
  return fields;
}

/** `/api/v3/events/events/`: list (newest first) and create, as authentik's EventViewSet. */
export function eventRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  app.get("/", async (c) => {
    const size = Math.min(Math.max(Number(c.req.query("page_size") ?? 20) || 20, 1), 100);
    const action = c.req.query("action") || undefined;
    const events = await c.env.store.events.list({ limit: size, action });
    return c.json({
      pagination: { next: 0, previous: 0, count: events.length, current: 1, total_pages: 1, start_index: events.length ? 1 : 0, end_index: events.length },
      results: events.map(serializeEvent),
    });
  });
  app.post("/", async (c) => {
    let raw: unknown;
    try {
      raw = await c.req.json();
    } catch {
      throw new ValidationError("Request body is not valid JSON", { non_field_errors: [{ string: "JSON parse error", code: "parse_error" }] });
    }
    const parsed = createBody.safeParse(raw);
    if (!parsed.success) throw new ValidationError("Invalid event", zodFieldErrors(parsed.error));
    const event = await recordEvent(c.env, {
      action: parsed.data.action,
      app: parsed.data.app,
      context: parsed.data.context ?? {},
      clientIp: parsed.data.client_ip ?? null,
      user: c.get("user"),
    });
    return c.json(serializeEvent(event), 201);
  });
  return app;
}
