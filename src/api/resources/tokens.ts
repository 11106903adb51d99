/**
 * `core/tokens` (authentik's TokenSerializer) and `{identifier}/view_key/`. Users manage their own
 * API tokens and app passwords; admins (`authentik_core.*_token`) manage everyone's. The key is
 * generated here, stored hashed for lookups and wrapped for `view_key` (never in events or logs).
 */
import * as z from "zod";
import { ForbiddenError, NotFoundError } from "../../core/errors.js";
import type { AdminRow } from "../../ports/admin.js";
import { auditModel } from "../audit.js";
import { fieldError } from "../http.js";
import { isSuperuserAccount, permission } from "../rbac.js";
import type { Ctx, ResourceDef } from "../resource.js";
import { dateTime, iso, nullableDate, pick } from "./common.js";

export const TOKEN_KEY_CONTEXT = "core.token_key";

const userObj = z.object({ pk: z.number().int(), username: z.string(), name: z.string(), email: z.string() });
export const tokenOutput = z.object({
  pk: z.uuid(),
  managed: z.string().nullable(),
  identifier: z.string(),
  intent: z.enum(["verification", "api", "recovery", "app_password"]),
  user: z.number().int(),
  user_obj: userObj.nullable(),
  description: z.string(),
  expires: nullableDate,
  expiring: z.boolean(),
});
type TokenOut = z.infer<typeof tokenOutput>;

const input = z.object({
  identifier: z.string().min(1).max(255).regex(/^[-a-zA-Z0-9_.]+$/, "Enter a valid identifier (letters, numbers, '-', '_', '.')."),
  intent: z.enum(["verification", "api", "recovery", "app_password"]).default("api"),
  user: z.number().int().positive().optional(),
  description: z.string().max(1000).default(""),
  expires: dateTime.nullable().optional(),
  expiring: z.boolean().default(true),
});

async function serialize(rows: AdminRow[], ctx: Ctx): Promise<TokenOut[]> {
  const userPks = [...new Set(rows.map((r) => r.userId as number))];
  const users = userPks.length ? await ctx.repos.admin.all("users", [{ column: "id", op: "in", value: userPks }]) : [];
  return rows.map((r) => {
    const u = users.find((x) => x.id === r.userId);
    return {
      pk: r.tokenUuid as string,
      managed: (r.managed as string | null) ?? null,
      identifier: r.identifier as string,
      intent: r.intent as TokenOut["intent"],
      user: r.userId as number,
      user_obj: u ? { pk: u.id as number, username: u.username as string, name: u.name as string, email: u.email as string } : null,
      description: r.description as string,
      expires: iso(r.expires),
      expiring: r.expiring as boolean,
    };
  });
}

const DAY_MS = 86_400_000;

export const tokensResource: ResourceDef<TokenOut> = {
  path: "core/tokens",
  tag: "core",
  table: "tokens",
  app: "authentik_core",
  model: "token",
  name: "Token",
  verbose: "token",
  pk: "tokenUuid",
  lookup: { param: "identifier", column: "identifier", type: "string" },
  output: tokenOutput,
  serialize,
  displayName: (r) => r.identifier as string,
  input,
  owner: "userId",
  async create(data, ctx) {
    const admin = ctx.principal.permissions.has(permission("authentik_core", "add", "token"));
    const userPk = admin && typeof data.user === "number" ? data.user : ctx.principal.user.pk;
    if (!admin && data.intent !== "api" && data.intent !== "app_password") throw fieldError("intent", "You may only create API tokens and app passwords.", "invalid");
    if (!(await ctx.repos.users.byPk(userPk))) throw fieldError("user", "Invalid pk - object does not exist.", "does_not_exist");
    if (userPk !== ctx.principal.user.pk && !ctx.principal.permissions.superuser && (await isSuperuserAccount(ctx.repos, userPk))) {
      throw fieldError("user", "Only superusers may create tokens for a superuser.", "permission_denied");
    }
    const expiring = data.expiring as boolean;
    // authentik: non-expiring tokens only for admins; default lifetime 30 minutes (here 30 days for API tokens).
    if (!expiring && !admin) throw fieldError("expiring", "Only administrators may create tokens that never expire.", "invalid");
    const expires = data.expires ? new Date(data.expires as string) : expiring ? new Date(ctx.c.env.clock.now().getTime() + 30 * DAY_MS) : null;
    const key = ctx.c.env.random.token(48);
    const token = await ctx.repos.tokens.create({
      identifier: data.identifier as string,
      intent: data.intent as "api",
      userPk,
      key,
      description: data.description as string,
      expiring,
      expires,
    });
    await ctx.repos.admin.insert("tokenKeys", { tokenId: token.pk, keyWrapped: await ctx.c.env.keys.wrap(key, TOKEN_KEY_CONTEXT) });
    return { row: (await ctx.repos.admin.get("tokens", token.pk))! };
  },
  async toValues(data, ctx, existing) {
    if (existing?.managed) throw new ForbiddenError("Managed tokens cannot be changed.");
    const admin = ctx.principal.permissions.has(permission("authentik_core", "change", "token"));
    if (!admin && data.expiring === false) throw fieldError("expiring", "Only administrators may create tokens that never expire.", "invalid");
    if (!admin && data.intent !== undefined && data.intent !== "api" && data.intent !== "app_password") throw fieldError("intent", "You may only use API tokens and app passwords.", "invalid");
    const values = pick(data, { identifier: "identifier", intent: "intent", description: "description", expiring: "expiring" });
    if (data.expires !== undefined) values.expires = data.expires ? new Date(data.expires as string) : null;
    if (admin && typeof data.user === "number") values.userId = data.user;
    return values;
  },
  async beforeDelete(row) {
    if (row.managed) throw new ForbiddenError("Managed tokens cannot be deleted here.");
  },
  search: ["identifier", "description", "intent"],
  ordering: { identifier: "identifier", expires: "expires", intent: "intent", created: "created" },
  defaultOrdering: [{ column: "expires", desc: false }],
  filters: {
    identifier: { column: "identifier", type: "string" },
    intent: { column: "intent", type: "string" },
    user: { column: "userId", type: "integer" },
    managed: { column: "managed", type: "string" },
    description: { column: "description", type: "string" },
  },
  actions: [
    {
      method: "get",
      name: "view_key",
      detail: true,
      summary: "Return the token's key (its owner, or admins with change_token); writes a secret_view event",
      action: "view",
      response: z.object({ key: z.string() }),
      responseName: "TokenView",
      async handler(ctx, row) {
        const own = row!.userId === ctx.principal.user.pk;
        // Not authentik's view_token_key: a read-only role's `*.view_*` must not reveal other people's
        // secrets, and a superuser's key only to superusers.
        const allowed = ctx.principal.permissions.has(permission("authentik_core", "change", "token")) && (ctx.principal.permissions.superuser || !(await isSuperuserAccount(ctx.repos, row!.userId as number)));
        if (!own && !allowed) {
          throw new ForbiddenError("You do not have permission to perform this action.");
        }
        const stored = await ctx.repos.admin.get("tokenKeys", row!.tokenUuid as string);
        if (!stored) throw new NotFoundError("This token's key was not created through the API and cannot be shown.");
        const key = await ctx.c.env.keys.unwrapText(stored.keyWrapped as string, TOKEN_KEY_CONTEXT);
        await auditModel(ctx.c, "secret_view", { app: "authentik_core", modelName: "token", pk: row!.tokenUuid as string, name: row!.identifier as string });
        return ctx.c.json({ key });
      },
    },
  ],
};
