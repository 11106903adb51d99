/**
 * `/api/v3`: the admin and user API (authentik's resource names and JSON), its OpenAPI 3.1
 * document at `schema/` and a browsable reference at `/api/v3/`. The document is generated from
 * the same definitions that build the routes (`src/api/resource.ts`).
 */
import { Hono } from "hono";
import { NotFoundError } from "../../../core/errors.js";
import { apiAuth } from "../../../api/auth.js";
import { renderApiV3Error } from "../../../api/errors.js";
import { OpenApiRegistry } from "../../../api/openapi.js";
import { referencePage } from "../../../api/reference.js";
import { mountResource, type ResourceDef } from "../../../api/resource.js";
import { applicationsResource } from "../../../api/resources/applications.js";
import { groupsResource } from "../../../api/resources/groups.js";
import { allProvidersResource, providerResources } from "../../../api/resources/providers.js";
import { allDevicesRoutes, deviceResources } from "../../../api/resources/authenticators.js";
import { brandsResource } from "../../../api/resources/brands.js";
import { eventsResource, notificationsResource, rulesResource, transportsResource } from "../../../api/resources/events.js";
import { keyPairsResource } from "../../../api/resources/crypto.js";
import { outpostsResource } from "../../../api/resources/outposts.js";
import { roleRoutes } from "../../../api/resources/roles.js";
import { systemRoutes } from "../../../api/resources/system.js";
import { flowBindingsResource, flowsResource, policyBindingsResource } from "../../../api/resources/flows.js";
import { policyResources } from "../../../api/resources/policies.js";
import { sessionsResource } from "../../../api/resources/sessions.js";
import { stageResources } from "../../../api/resources/stages.js";
import { tokensResource } from "../../../api/resources/tokens.js";
import { usersResource } from "../../../api/resources/users.js";
import type { ApiEnv } from "../../../api/types.js";
import type { AppEnv } from "../../env.js";
import { outpostRoutes } from "../../../protocols/ldap/routes.js";
import { eventCreateBody, eventCreateRoutes } from "./events.js";

/** Every generic resource, in mount order (more specific paths first). */
export const RESOURCES: readonly ResourceDef<unknown>[] = [
  usersResource,
  groupsResource,
  applicationsResource,
  tokensResource,
  sessionsResource,
  brandsResource,
  ...deviceResources,
  allProvidersResource,
  ...providerResources,
  flowsResource,
  flowBindingsResource,
  ...stageResources,
  policyBindingsResource,
  ...policyResources,
  eventsResource,
  notificationsResource,
  rulesResource,
  transportsResource,
  outpostsResource,
  keyPairsResource,
] as ResourceDef<unknown>[];

export function apiV3Routes(): Hono<AppEnv> {
  const registry = new OpenApiRegistry();
  const api = new Hono<ApiEnv>({ strict: false });
  api.onError(renderApiV3Error);

  // Public, as authentik's schema view: the document describes the API, it holds no data.
  api.get("/schema", async (c) => {
    const doc = registry.document();
    if (c.req.query("format") === "yaml") {
      const { stringify } = await import("yaml");
      return c.body(stringify(doc), 200, { "Content-Type": "application/yaml; charset=utf-8" });
    }
    return c.json(doc);
  });
  api.get("/", (c) => c.html(referencePage(registry)));

  api.use("*", apiAuth());
  api.route("/events/events", eventCreateRoutes());
  registry.add({ method: "post", path: "/events/events/", operationId: "events_events_create", tag: "events", summary: "Record a custom event", body: eventCreateBody, bodyName: "EventRequest", status: 201, response: eventsResource.output, responseName: "Event" });
  api.route("/authenticators", allDevicesRoutes(registry));
  api.route("/admin", systemRoutes(registry));
  api.route("/rbac", roleRoutes(registry));
  // Generic resources first: `outposts/instances` (admins: all; an outpost's token: itself) and
  // `core/users|groups` (outposts read the directory with authentik's view permissions) answer
  // before the outpost-only routes below.
  for (const r of RESOURCES) api.route(`/${r.path}`, mountResource(r, registry));
  // Outpost-facing routes (LDAP: `outposts/ldap/…`; other outpost types mount theirs here).
  api.route("/outposts", outpostRoutes());
  // Sub-app notFound handlers are not consulted when mounted; a final catch-all keeps API 404s in problem+json.
  api.all("*", () => {
    throw new NotFoundError("Not found.");
  });
  return api as unknown as Hono<AppEnv>;
}
