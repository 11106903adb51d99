/**
 * MFA devices (authentik's `authenticators/…`): per-type resources (`authenticators/totp`,
 * `static`, `webauthn`, `email`) where users rename and delete their own devices and admins
 * (`authentik_stages_authenticator_<type>.*_<type>device`) anyone's (`?user=<pk>`), plus
 * `authenticators/all/` (the caller's devices of every type, not paginated, as in authentik) and
 * `authenticators/admin/all/?user=<pk>` for admins. Devices are enrolled by flows, not here.
 */
import { Hono, type Context } from "hono";
import * as z from "zod";
import type { AdminRow, AdminTable } from "../../ports/admin.js";
import { principalOf, requirePermission } from "../auth.js";
import { ValidationError } from "../../core/errors.js";
import type { OpenApiRegistry } from "../openapi.js";
import type { ResourceDef } from "../resource.js";
import type { ApiEnv } from "../types.js";
import { iso, nullableDate } from "./common.js";

interface DeviceType {
  path: string;
  table: AdminTable;
  app: string;
  model: string;
  verbose: string;
  name: string;
}

const DEVICE_TYPES: readonly DeviceType[] = [
  { path: "totp", table: "totpDevices", app: "authentik_stages_authenticator_totp", model: "totpdevice", verbose: "TOTP Device", name: "TOTPDevice" },
  { path: "static", table: "staticDevices", app: "authentik_stages_authenticator_static", model: "staticdevice", verbose: "Static Device", name: "StaticDevice" },
  { path: "webauthn", table: "webauthnDevices", app: "authentik_stages_authenticator_webauthn", model: "webauthndevice", verbose: "WebAuthn Device", name: "WebAuthnDevice" },
  { path: "email", table: "emailDevices", app: "authentik_stages_authenticator_email", model: "emaildevice", verbose: "Email Device", name: "EmailDevice" },
];

export const deviceOutput = z.object({
  pk: z.number().int(),
  name: z.string(),
  type: z.string(),
  verbose_name: z.string(),
  meta_model_name: z.string(),
  confirmed: z.boolean(),
  created: z.string(),
  last_used: nullableDate,
  user: z.number().int(),
  extra_description: z.string(),
});
type DeviceOut = z.infer<typeof deviceOutput>;

function serializeDevice(t: DeviceType, r: AdminRow): DeviceOut {
  const extra = t.path === "webauthn" ? `${(r.deviceType as string) === "multiDevice" ? "Passkey" : "Security key"}` : t.path === "email" ? String(r.email ?? "") : "";
  return {
    pk: r.id as number,
    name: r.name as string,
    type: `${t.app}.${t.model}`,
    verbose_name: t.verbose,
    meta_model_name: `${t.app}.${t.model}`,
    confirmed: r.confirmed as boolean,
    created: iso(r.created)!,
    last_used: iso(r.lastUsed),
    user: r.userId as number,
    extra_description: extra,
  };
}

export const deviceResources: ResourceDef<DeviceOut>[] = DEVICE_TYPES.map((t) => ({
  path: `authenticators/${t.path}`,
  tag: "authenticators",
  table: t.table,
  app: t.app,
  model: t.model,
  name: t.name,
  verbose: t.verbose,
  pk: "id",
  lookup: { param: "id", type: "integer" },
  output: deviceOutput,
  serialize: async (rows) => rows.map((r) => serializeDevice(t, r)),
  displayName: (r) => r.name as string,
  input: z.object({ name: z.string().trim().min(1, "This field may not be blank.").max(64) }),
  noCreate: true,
  toValues: (data) => (data.name !== undefined ? { name: data.name } : {}),
  owner: "userId",
  search: ["name"],
  ordering: { name: "name", created: "created", last_used: "lastUsed" },
  defaultOrdering: [{ column: "created", desc: false }],
  filters: { user: { column: "userId", type: "integer" }, confirmed: { column: "confirmed", type: "boolean" } },
}));

/** `authenticators/all/` and `authenticators/admin/all/`. */
export function allDevicesRoutes(registry: OpenApiRegistry): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>({ strict: false });
  const list = async (c: Context<ApiEnv>, userPk: number) => {
    const lists = await Promise.all(DEVICE_TYPES.map(async (t) => (await c.env.store.admin.all(t.table, [{ column: "userId", op: "eq", value: userPk }])).map((r) => serializeDevice(t, r))));
    return c.json(lists.flat().sort((a, b) => a.created.localeCompare(b.created)));
  };
  app.get("/all", (c) => list(c, principalOf(c).user.pk));
  app.get("/admin/all", (c) => {
    for (const t of DEVICE_TYPES) requirePermission(c, t.app, "view", t.model);
    const user = Number(c.req.query("user"));
    if (!Number.isSafeInteger(user) || user <= 0) throw new ValidationError("user", { user: [{ string: "This field is required.", code: "required" }] });
    return list(c, user);
  });
  const response = z.array(deviceOutput);
  registry.add({ method: "get", path: "/authenticators/all/", operationId: "authenticators_all_list", tag: "authenticators", summary: "The caller's MFA devices of every type", status: 200, response, responseName: "DeviceList" });
  registry.add({
    method: "get",
    path: "/authenticators/admin/all/",
    operationId: "authenticators_admin_all_list",
    tag: "authenticators",
    summary: "A user's MFA devices of every type (admins)",
    params: [{ name: "user", in: "query", required: true, schema: { type: "integer" } }],
    status: 200,
    response,
    responseName: "DeviceList",
  });
  return app;
}
