/**
 * `outposts/instances`: admins list and manage outposts (creating one creates its service account
 * and API token, viewable once more with `core/tokens/{identifier}/view_key/` for the deployment
 * snippet); an outpost's own token lists just itself (what the LDAP/proxy outposts read).
 * `{uuid}/health/` reports when the outpost last called the API.
 */
import * as z from "zod";
import type { AdminRow } from "../../ports/admin.js";
import { paginate } from "../http.js";
import { fieldError } from "../http.js";
import type { Ctx, ResourceDef } from "../resource.js";
import { name } from "./common.js";
import { providerType } from "../providers/registry.js";
import { TOKEN_KEY_CONTEXT } from "./tokens.js";

/** Cache key of an outpost's last API call (written by `apiAuth`). */
export function outpostSeenKey(pk: string): string {
  return `outpost:last_seen:${pk}`;
}

export const outpostOutput = z.object({
  pk: z.uuid(),
  name: z.string(),
  type: z.enum(["ldap", "proxy"]),
  providers: z.array(z.number().int()),
  providers_obj: z.array(z.object({ pk: z.number().int(), name: z.string(), verbose_name: z.string() })),
  service_connection: z.null(),
  config: z.record(z.string(), z.unknown()),
  token_identifier: z.string().nullable(),
  managed: z.string().nullable(),
});
type OutpostOut = z.infer<typeof outpostOutput>;

async function serialize(rows: AdminRow[], ctx: Ctx): Promise<OutpostOut[]> {
  const pks = rows.map((r) => r.uuid as string);
  const links = pks.length ? await ctx.repos.admin.all("outpostProviders", [{ column: "outpostId", op: "in", value: pks }]) : [];
  const providerPks = [...new Set(links.map((l) => l.providerId as number))];
  const tokenPks = rows.map((r) => r.tokenId).filter((t): t is string => typeof t === "string");
  const [providers, tokens] = await Promise.all([
    providerPks.length ? ctx.repos.admin.all("providers", [{ column: "id", op: "in", value: providerPks }]) : [],
    tokenPks.length ? ctx.repos.admin.all("tokens", [{ column: "tokenUuid", op: "in", value: tokenPks }]) : [],
  ]);
  return rows.map((r) => {
    const mine = links.filter((l) => l.outpostId === r.uuid).map((l) => l.providerId as number).sort((a, b) => a - b);
    return {
      pk: r.uuid as string,
      name: r.name as string,
      type: r.type as OutpostOut["type"],
      providers: mine,
      providers_obj: providers.filter((p) => mine.includes(p.id as number)).map((p) => ({ pk: p.id as number, name: p.name as string, verbose_name: providerType(p.type as string)?.verboseName ?? String(p.type) })),
      service_connection: null,
      config: r.config as Record<string, unknown>,
      token_identifier: (tokens.find((t) => t.tokenUuid === r.tokenId)?.identifier as string | undefined) ?? null,
      managed: (r.managed as string | null) ?? null,
    };
  });
}

const input = z.object({
  name,
  type: z.enum(["ldap", "proxy"]),
  providers: z.array(z.number().int().positive()).max(1000).default([]),
  config: z.record(z.string(), z.unknown()).default({}),
});

async function checkProviders(ctx: Ctx, type: string, pks: number[]): Promise<void> {
  if (!pks.length) return;
  const found = await ctx.repos.admin.all("providers", [{ column: "id", op: "in", value: pks }]);
  if (found.length !== new Set(pks).size) throw fieldError("providers", "Invalid pk - object does not exist.", "does_not_exist");
  if (found.some((p) => p.type !== type)) throw fieldError("providers", `An ${type} outpost serves only ${type} providers.`, "invalid");
}

/** The caller's own outpost, listed alone (outpost tokens cannot see other outposts). */
async function ownOutpost(ctx: Ctx): Promise<Response | null> {
  const outpost = ctx.principal.outpost;
  if (!outpost) return null;
  const row = await ctx.repos.admin.get("outposts", outpost.pk);
  return ctx.c.json(paginate(await serialize(row ? [row] : [], ctx), 1, 1, row ? 1 : 0));
}

export const outpostsResource: ResourceDef<OutpostOut> = {
  path: "outposts/instances",
  tag: "outposts",
  table: "outposts",
  app: "authentik_outposts",
  model: "outpost",
  name: "Outpost",
  verbose: "outpost",
  pk: "uuid",
  lookup: { param: "uuid", type: "uuid" },
  output: outpostOutput,
  serialize,
  displayName: (r) => r.name as string,
  input,
  list: ownOutpost,
  async create(data, ctx) {
    await checkProviders(ctx, data.type as string, data.providers as number[]);
    const id = ctx.c.env.random.uuid();
    const key = ctx.c.env.random.token(48);
    // authentik's `ak-outpost-<uuid>` internal service account and its non-expiring API token.
    const user = await ctx.repos.users.create({
      username: `ak-outpost-${id}`,
      name: `Outpost ${data.name as string} Service-Account`,
      type: "internal_service_account",
      path: "goauthentik.io/outposts",
      attributes: { "goauthentik.io/user/token-expires": false },
    });
    const token = await ctx.repos.tokens.create({ identifier: `ak-outpost-${id}-api`, intent: "api", userPk: user.pk, key, expiring: false, description: `Autogenerated by Threshold for Outpost ${data.name as string}` });
    await ctx.repos.admin.insert("tokenKeys", { tokenId: token.pk, keyWrapped: await ctx.c.env.keys.wrap(key, TOKEN_KEY_CONTEXT) });
    const outpost = await ctx.repos.outposts.create({ name: data.name as string, type: data.type as "ldap", config: data.config as Record<string, unknown>, tokenPk: token.pk, providerPks: data.providers as number[] });
    return { row: (await ctx.repos.admin.get("outposts", outpost.pk))! };
  },
  async toValues(data, ctx, existing) {
    if (data.providers !== undefined) await checkProviders(ctx, (data.type ?? existing?.type) as string, data.providers as number[]);
    const values: AdminRow = {};
    if (data.name !== undefined) values.name = data.name;
    if (data.type !== undefined) values.type = data.type;
    if (data.config !== undefined) values.config = data.config;
    return values;
  },
  async afterWrite(row, data, ctx) {
    if (data.providers !== undefined) await ctx.repos.admin.setLinks("outpostProviders", "outpostId", row.uuid as string, "providerId", data.providers as number[]);
  },
  async beforeDelete(row, ctx) {
    // The service account goes with it (its token cascades).
    const token = row.tokenId ? await ctx.repos.admin.get("tokens", row.tokenId as string) : null;
    if (token) await ctx.repos.admin.delete("users", token.userId as number);
  },
  search: ["name", "type"],
  ordering: { name: "name", type: "type" },
  defaultOrdering: [{ column: "name", desc: false }],
  filters: { name: { column: "name", type: "string" }, type: { column: "type", type: "string" } },
  actions: [
    {
      method: "get",
      name: "health",
      detail: true,
      summary: "When the outpost last called the API",
      action: "view",
      response: z.array(z.object({ uid: z.string(), last_seen: z.string().nullable(), healthy: z.boolean() })),
      responseName: "OutpostHealth",
      async handler(ctx, row) {
        const seen = await ctx.c.env.cache.get<string>(outpostSeenKey(row!.uuid as string));
        const healthy = seen !== null && ctx.c.env.clock.now().getTime() - new Date(seen).getTime() < 5 * 60_000;
        return ctx.c.json([{ uid: row!.uuid as string, last_seen: seen, healthy }]);
      },
    },
  ],
};
