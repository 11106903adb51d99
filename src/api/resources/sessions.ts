/**
 * `core/authenticated_sessions`: a user lists and revokes their own sessions; admins
 * (`authentik_core.*_authenticatedsession`) anyone's (`?user=<pk>`). Deleting the row ends the
 * session: the next request with that cookie is anonymous, and relying parties with a back-channel
 * logout URI are told.
 */
import * as z from "zod";
import type { AdminRow } from "../../ports/admin.js";
import { backchannelLogoutSession } from "../../protocols/oauth2/logout-channels.js";
import type { Ctx, ResourceDef } from "../resource.js";
import { iso } from "./common.js";

export const sessionOutput = z.object({
  uuid: z.uuid(),
  current: z.boolean(),
  user_agent: z.object({ string: z.string(), browser: z.string(), os: z.string(), device: z.string() }),
  last_ip: z.string(),
  last_user_agent: z.string(),
  last_used: z.string(),
  expires: z.string().nullable(),
  user: z.number().int(),
});
type SessionOut = z.infer<typeof sessionOutput>;

/** A rough, dependency-free reading of a User-Agent for display (authentik uses ua-parser). */
export function describeUserAgent(ua: string): { string: string; browser: string; os: string; device: string } {
  const browser = /Edg\//.test(ua) ? "Edge" : /Firefox\//.test(ua) ? "Firefox" : /Chrome\//.test(ua) ? "Chrome" : /Safari\//.test(ua) ? "Safari" : /curl\//.test(ua) ? "curl" : "Other";
  const os = /Windows/.test(ua) ? "Windows" : /Android/.test(ua) ? "Android" : /iPhone|iPad|iOS/.test(ua) ? "iOS" : /Mac OS X/.test(ua) ? "macOS" : /Linux/.test(ua) ? "Linux" : "Other";
  const device = /Mobile|iPhone|Android/.test(ua) ? "Mobile" : "Other";
  return { string: ua, browser, os, device };
}

async function serialize(rows: AdminRow[], ctx: Ctx): Promise<SessionOut[]> {
  const current = ctx.principal.session?.uuid;
  return rows.map((r) => ({
    uuid: r.uuid as string,
    current: r.uuid === current,
    user_agent: describeUserAgent(r.lastUserAgent as string),
    last_ip: r.lastIp as string,
    last_user_agent: r.lastUserAgent as string,
    last_used: iso(r.lastUsed)!,
    expires: iso(r.expires),
    user: r.userId as number,
  }));
}

export const sessionsResource: ResourceDef<SessionOut> = {
  path: "core/authenticated_sessions",
  tag: "core",
  table: "authenticatedSessions",
  app: "authentik_core",
  model: "authenticatedsession",
  name: "AuthenticatedSession",
  verbose: "authenticated session",
  pk: "uuid",
  lookup: { param: "uuid", type: "uuid" },
  output: sessionOutput,
  serialize,
  // Revoking a session logs its relying parties out too (OIDC back-channel logout).
  async beforeDelete(row, ctx) {
    await backchannelLogoutSession(ctx.c.env, row.sessionKeyHash as string, new URL(ctx.c.req.url).origin);
  },
  displayName: (r) => `${r.lastIp as string} ${r.lastUserAgent as string}`.trim(),
  owner: "userId",
  search: ["lastIp", "lastUserAgent"],
  ordering: { last_used: "lastUsed", expires: "expires", last_ip: "lastIp" },
  defaultOrdering: [{ column: "lastUsed", desc: true }],
  filters: {
    user: { column: "userId", type: "integer" },
    last_ip: { column: "lastIp", type: "string" },
  },
};
