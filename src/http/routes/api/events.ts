import { Hono } from "hono";
import * as z from "zod";
import { ValidationError, type FieldError } from "../../../core/errors.js";
import type { Event } from "../../../ports/store.js";
import { recordEvent } from "../../../services/events.js";
import { requirePermission } from "../../../api/auth.js";
import type { ApiEnv } from "../../../api/types.js";

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

/**
 * `POST /api/v3/events/events/`: record a custom event (authentik's EventViewSet create). Listing,
 * retrieval, filters and `volume/` are the generic resource in `src/api/resources/events.ts`.
 */
export function eventCreateRoutes(): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>({ strict: false });
  app.post("/", async (c) => {
    requirePermission(c, "authentik_events", "add", "event");
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

/** OpenAPI description of {@link eventCreateRoutes}. */
export const eventCreateBody = createBody;
