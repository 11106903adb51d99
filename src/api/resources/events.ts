/**
 * `events/events` (the audit log: filters by action, user, client IP, date; `volume/` counts per
 * day and action for the dashboard chart, authentik's `EventVolume`), `events/notifications`
 * (the caller's bell; mark seen), `events/rules` and `events/transports` (issue 8's model; the
 * webhook secret is write-only and stored wrapped).
 */
import * as z from "zod";
import { WEBHOOK_SECRET_CONTEXT } from "../../notifications/transports.js";
import type { AdminRow } from "../../ports/admin.js";
import { fieldError } from "../http.js";
import type { Ctx, ResourceDef } from "../resource.js";
import { iso, name, pick } from "./common.js";

export const eventOutput = z.object({
  pk: z.uuid(),
  user: z.record(z.string(), z.unknown()),
  action: z.string(),
  app: z.string(),
  context: z.record(z.string(), z.unknown()),
  client_ip: z.string().nullable(),
  created: z.string(),
  expires: z.string(),
  brand: z.record(z.string(), z.unknown()),
});
type EventOut = z.infer<typeof eventOutput>;

const volumeOutput = z.array(z.object({ action: z.string(), time: z.string(), count: z.number().int() }));
const DAY_MS = 86_400_000;

async function volume(ctx: Ctx): Promise<Response> {
  const c = ctx.c;
  const days = Math.min(366, Math.max(1, Number.parseInt(c.req.query("history_days") ?? "7", 10) || 7));
  const actions = (c.req.queries("action") ?? []).flatMap((a) => a.split(",")).filter(Boolean).slice(0, 20);
  const since = new Date(c.env.clock.now().getTime() - days * DAY_MS);
  const buckets = await ctx.repos.admin.histogram("events", "created", "action", since, actions.length ? [{ column: "action", op: "in", value: actions }] : []);
  return c.json(buckets.map((b) => ({ action: b.key, time: b.day.toISOString(), count: b.count })));
}

export const eventsResource: ResourceDef<EventOut> = {
  path: "events/events",
  tag: "events",
  table: "events",
  app: "authentik_events",
  model: "event",
  name: "Event",
  verbose: "event",
  pk: "eventUuid",
  lookup: { param: "event_uuid", type: "uuid" },
  output: eventOutput,
  serialize: async (rows: AdminRow[]) =>
    rows.map((e) => ({
      pk: e.eventUuid as string,
      user: e.user as Record<string, unknown>,
      action: e.action as string,
      app: e.app as string,
      context: e.context as Record<string, unknown>,
      client_ip: (e.clientIp as string | null) ?? null,
      created: iso(e.created)!,
      expires: iso(e.expires)!,
      brand: e.brand as Record<string, unknown>,
    })),
  displayName: (r) => r.action as string,
  search: ["action", "app", "clientIp", "user.username", "user.email"],
  ordering: { created: "created", action: "action", client_ip: "clientIp", user: "user.username", app: "app" },
  defaultOrdering: [{ column: "created", desc: true }],
  filters: {
    action: { column: "action", type: "string" },
    actions: { column: "action", op: "in", type: "string", description: "Comma-separated actions" },
    app: { column: "app", type: "string" },
    client_ip: { column: "clientIp", type: "string" },
    username: { column: "user.username", type: "string" },
    user: { column: "user.pk", type: "string", description: "The acting user's pk" },
    created__gte: { column: "created", op: "gte", type: "datetime" },
    created__lte: { column: "created", op: "lte", type: "datetime" },
  },
  actions: [
    {
      method: "get",
      name: "volume",
      summary: "Events per day and action (the dashboard's logins / failed logins chart)",
      action: "view",
      params: [
        { name: "history_days", in: "query", schema: { type: "integer", minimum: 1, maximum: 366 } },
        { name: "action", in: "query", description: "Only these actions (repeat or comma-separate)", schema: { type: "string" } },
      ],
      response: volumeOutput,
      responseName: "EventVolume",
      handler: (ctx) => volume(ctx),
    },
  ],
};

// ---- events/notifications --------------------------------------------------------------------

export const notificationOutput = z.object({
  pk: z.uuid(),
  severity: z.enum(["notice", "warning", "alert"]),
  body: z.string(),
  created: z.string(),
  event: z.uuid().nullable(),
  seen: z.boolean(),
  user: z.number().int(),
});
type NotificationOut = z.infer<typeof notificationOutput>;

export const notificationsResource: ResourceDef<NotificationOut> = {
  path: "events/notifications",
  tag: "events",
  table: "notifications",
  app: "authentik_events",
  model: "notification",
  name: "Notification",
  verbose: "notification",
  pk: "uuid",
  lookup: { param: "uuid", type: "uuid" },
  output: notificationOutput,
  serialize: async (rows) =>
    rows.map((n) => ({
      pk: n.uuid as string,
      severity: n.severity as NotificationOut["severity"],
      body: n.body as string,
      created: iso(n.created)!,
      event: (n.eventId as string | null) ?? null,
      seen: n.seen as boolean,
      user: n.userId as number,
    })),
  displayName: (r) => String(r.body).slice(0, 60),
  input: z.object({ seen: z.boolean() }),
  noCreate: true,
  toValues: (data) => pick(data, { seen: "seen" }),
  owner: "userId",
  ordering: { created: "created", severity: "severity", seen: "seen" },
  defaultOrdering: [{ column: "created", desc: true }],
  filters: { seen: { column: "seen", type: "boolean" }, severity: { column: "severity", type: "string" }, user: { column: "userId", type: "integer" } },
  actions: [
    {
      method: "post",
      name: "mark_all_seen",
      summary: "Mark all of the caller's notifications as seen",
      action: null,
      status: 204,
      response: null,
      async handler(ctx) {
        const unseen = await ctx.repos.admin.all("notifications", [
          { column: "userId", op: "eq", value: ctx.principal.user.pk },
          { column: "seen", op: "eq", value: false },
        ]);
        await ctx.repos.notifications.markSeen(ctx.principal.user.pk, unseen.map((n) => n.uuid as string));
        return ctx.c.body(null, 204);
      },
    },
  ],
};

// ---- events/transports -----------------------------------------------------------------------

const MODES = ["local", "webhook", "webhook_slack", "email"] as const;
export const transportOutput = z.object({
  pk: z.uuid(),
  name: z.string(),
  mode: z.enum(MODES),
  mode_verbose: z.string(),
  webhook_url: z.string(),
  webhook_headers: z.record(z.string(), z.string()),
  /** Whether an HMAC secret is set (the secret itself is write-only). */
  webhook_secret_set: z.boolean(),
  send_once: z.boolean(),
});
type TransportOut = z.infer<typeof transportOutput>;

const VERBOSE: Record<string, string> = { local: "Local (notifications will be created within authentik)", webhook: "Generic Webhook", webhook_slack: "Slack Webhook (Slack/Discord)", email: "Email" };

const transportInput = z.object({
  name,
  mode: z.enum(MODES).default("local"),
  webhook_url: z.union([z.url({ protocol: /^https?$/ }), z.literal("")]).default(""),
  webhook_headers: z.record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "not a header name"), z.string().max(4096)).default({}),
  webhook_secret: z.string().min(16).max(512).nullable().optional(),
  send_once: z.boolean().default(false),
});

export const transportsResource: ResourceDef<TransportOut> = {
  path: "events/transports",
  tag: "events",
  table: "notificationTransports",
  app: "authentik_events",
  model: "notificationtransport",
  name: "NotificationTransport",
  verbose: "notification transport",
  pk: "transportUuid",
  lookup: { param: "uuid", type: "uuid" },
  output: transportOutput,
  serialize: async (rows) =>
    rows.map((t) => ({
      pk: t.transportUuid as string,
      name: t.name as string,
      mode: t.mode as TransportOut["mode"],
      mode_verbose: VERBOSE[t.mode as string] ?? String(t.mode),
      webhook_url: t.webhookUrl as string,
      webhook_headers: t.webhookHeaders as Record<string, string>,
      webhook_secret_set: t.webhookSecret !== null,
      send_once: t.sendOnce as boolean,
    })),
  displayName: (r) => r.name as string,
  input: transportInput,
  async toValues(data, ctx, existing) {
    const mode = (data.mode ?? existing?.mode) as string;
    const url = (data.webhook_url ?? existing?.webhookUrl ?? "") as string;
    if ((mode === "webhook" || mode === "webhook_slack") && !url) throw fieldError("webhook_url", "URL is required when not using local mode.", "required");
    const values = pick(data, { name: "name", mode: "mode", webhook_url: "webhookUrl", webhook_headers: "webhookHeaders", send_once: "sendOnce" });
    if (data.webhook_secret !== undefined) values.webhookSecret = data.webhook_secret ? await ctx.c.env.keys.wrap(data.webhook_secret as string, WEBHOOK_SECRET_CONTEXT) : null;
    return values;
  },
  search: ["name", "mode", "webhookUrl"],
  ordering: { name: "name", mode: "mode" },
  defaultOrdering: [{ column: "name", desc: false }],
  filters: { name: { column: "name", type: "string" }, mode: { column: "mode", type: "string" } },
};

// ---- events/rules ----------------------------------------------------------------------------

export const ruleOutput = z.object({
  pk: z.uuid(),
  name: z.string(),
  transports: z.array(z.uuid()),
  severity: z.enum(["notice", "warning", "alert"]),
  destination_group: z.uuid().nullable(),
  destination_event_user: z.boolean(),
});
type RuleOut = z.infer<typeof ruleOutput>;

const ruleInput = z.object({
  name,
  transports: z.array(z.uuid()).max(100).default([]),
  severity: z.enum(["notice", "warning", "alert"]).default("notice"),
  destination_group: z.uuid().nullable().optional(),
  destination_event_user: z.boolean().default(false),
});

export const rulesResource: ResourceDef<RuleOut> = {
  path: "events/rules",
  tag: "events",
  table: "notificationRules",
  app: "authentik_events",
  model: "notificationrule",
  name: "NotificationRule",
  verbose: "notification rule",
  pk: "pbmUuid",
  lookup: { param: "pbm_uuid", type: "uuid" },
  output: ruleOutput,
  async serialize(rows, ctx) {
    const pks = rows.map((r) => r.pbmUuid as string);
    const links = pks.length ? await ctx.repos.admin.all("notificationRuleTransports", [{ column: "ruleId", op: "in", value: pks }]) : [];
    return rows.map((r) => ({
      pk: r.pbmUuid as string,
      name: r.name as string,
      transports: links.filter((l) => l.ruleId === r.pbmUuid).map((l) => l.transportId as string),
      severity: r.severity as RuleOut["severity"],
      destination_group: (r.destinationGroupId as string | null) ?? null,
      destination_event_user: r.destinationEventUser as boolean,
    }));
  },
  displayName: (r) => r.name as string,
  input: ruleInput,
  async toValues(data, ctx) {
    if (typeof data.destination_group === "string" && !(await ctx.repos.admin.get("groups", data.destination_group))) throw fieldError("destination_group", "Invalid pk - object does not exist.", "does_not_exist");
    if (Array.isArray(data.transports) && data.transports.length) {
      const found = await ctx.repos.admin.count("notificationTransports", [{ column: "transportUuid", op: "in", value: data.transports as string[] }]);
      if (found !== new Set(data.transports).size) throw fieldError("transports", "Invalid pk - object does not exist.", "does_not_exist");
    }
    return pick(data, { name: "name", severity: "severity", destination_group: "destinationGroupId", destination_event_user: "destinationEventUser" });
  },
  async afterWrite(row, data, ctx) {
    if (data.transports !== undefined) await ctx.repos.admin.setLinks("notificationRuleTransports", "ruleId", row.pbmUuid as string, "transportId", data.transports as string[]);
  },
  search: ["name"],
  ordering: { name: "name", severity: "severity" },
  defaultOrdering: [{ column: "name", desc: false }],
  filters: { name: { column: "name", type: "string" }, severity: { column: "severity", type: "string" } },
};
