/**
 * `rbac/roles/`: the built-in roles groups can grant (`attributes["threshold.roles"]`), with the
 * permission patterns each holds — what the admin UI offers in the group form.
 */
import { Hono } from "hono";
import * as z from "zod";
import { principalOf } from "../auth.js";
import { LIST_PARAMS, type OpenApiRegistry } from "../openapi.js";
import { listParams, paginate, paginated } from "../http.js";
import { BUILTIN_ROLES } from "../rbac.js";
import type { ApiEnv } from "../types.js";

const roleOutput = z.object({ pk: z.string(), name: z.string(), permissions: z.array(z.string()) });

export function roleRoutes(registry: OpenApiRegistry): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>({ strict: false });
  app.get("/roles", (c) => {
    principalOf(c);
    const q = listParams(c);
    const all = Object.entries(BUILTIN_ROLES)
      .map(([name, permissions]) => ({ pk: name, name, permissions: [...permissions] }))
      .filter((r) => !q.search || r.name.includes(q.search))
      .sort((a, b) => (q.ordering[0]?.desc ? b.name.localeCompare(a.name) : a.name.localeCompare(b.name)));
    return c.json(paginate(all.slice((q.page - 1) * q.pageSize, q.page * q.pageSize), q.page, q.pageSize, all.length));
  });
  registry.add({ method: "get", path: "/rbac/roles/", operationId: "rbac_roles_list", tag: "rbac", summary: "Built-in roles a group can grant", params: LIST_PARAMS, status: 200, response: paginated(roleOutput), responseName: "PaginatedRoleList" });
  return app;
}
