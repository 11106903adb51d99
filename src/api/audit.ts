/**
 * `model_created` / `model_updated` / `model_deleted` events for every change made through the
 * API, with authentik's context shape (`model: {app, model_name, pk, name}`, `http_request`).
 */
import type { Context } from "hono";
import { clientIp } from "../http/middleware/session.js";
import { recordEvent } from "../services/events.js";
import type { ApiEnv } from "./types.js";

export interface ModelRef {
  app: string;
  modelName: string;
  pk: string | number;
  name: string;
}

export type ModelAction = "model_created" | "model_updated" | "model_deleted";

export async function auditModel(c: Context<ApiEnv>, action: ModelAction | "secret_view" | "password_set" | "secret_rotate", model: ModelRef, extra: Record<string, unknown> = {}): Promise<void> {
  const url = new URL(c.req.url);
  await recordEvent(c.env, {
    action,
    user: c.get("user") ?? null,
    app: "authentik.events.signals",
    clientIp: clientIp(c),
    context: {
      model: { app: model.app, model_name: model.modelName, pk: model.pk, name: model.name },
      http_request: { path: url.pathname, method: c.req.method, request_id: c.get("requestId") ?? "" },
      ...extra,
    },
  });
}
