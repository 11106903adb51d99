/**
 * `admin/system/`: what the admin dashboard shows at a glance — object counts, outpost health
 * (last API call per outpost), server time. Needs `authentik_admin.view_system`.
 */
import { Hono } from "hono";
import * as z from "zod";
import { requirePermission } from "../auth.js";
import type { OpenApiRegistry } from "../openapi.js";
import type { ApiEnv } from "../types.js";
import { outpostSeenKey } from "./outposts.js";

const HEALTHY_MS = 5 * 60_000;

export const systemOutput = z.object({
  server_time: z.string(),
  http_host: z.string(),
  http_is_secure: z.boolean(),
  counts: z.object({ users: z.number().int(), groups: z.number().int(), applications: z.number().int(), providers: z.number().int(), outposts: z.number().int(), flows: z.number().int() }),
  outposts: z.array(z.object({ pk: z.uuid(), name: z.string(), type: z.string(), last_seen: z.string().nullable(), healthy: z.boolean() })),
});

export function systemRoutes(registry: OpenApiRegistry): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>({ strict: false });
  app.get("/system", async (c) => {
    requirePermission(c, "authentik_admin", "view", "system");
    const a = c.env.store.admin;
    const [users, groups, applications, providers, flows, outposts] = await Promise.all([
      a.count("users", [{ column: "type", op: "ne", value: "internal_service_account" }]),
      a.count("groups"),
      a.count("applications"),
      a.count("providers"),
      a.count("flows"),
      a.all("outposts", [], 1000),
    ]);
    const now = c.env.clock.now();
    const health = await Promise.all(
      outposts.map(async (o) => {
        const seen = await c.env.cache.get<string>(outpostSeenKey(o.uuid as string));
        return { pk: o.uuid as string, name: o.name as string, type: o.type as string, last_seen: seen, healthy: seen !== null && now.getTime() - new Date(seen).getTime() < HEALTHY_MS };
      }),
    );
    const url = new URL(c.req.url);
    return c.json({
      server_time: now.toISOString(),
      http_host: url.host,
      http_is_secure: url.protocol === "https:",
      counts: { users, groups, applications, providers, outposts: outposts.length, flows },
      outposts: health,
    });
  });
  registry.add({ method: "get", path: "/admin/system/", operationId: "admin_system_retrieve", tag: "admin", summary: "Dashboard summary: counts and outpost health", status: 200, response: systemOutput, responseName: "SystemInfo" });
  return app;
}
