import { and, asc, eq, gt, inArray, isNull, lt, notInArray, or, sql, type SQL } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import {
  applications,
  authenticatedSessions,
  oauth2AccessTokens,
  oauth2AuthorizationCodes,
  oauth2RefreshTokens,
  policyBindingModels,
  providers,
  users,
} from "../../db/schema/index.js";
import type {
  AccessToken,
  AuthorizationCode,
  IssuedRows,
  OAuth2ProviderRecord,
  OAuth2Repository,
  RefreshToken,
} from "../../ports/oauth2.js";
import { rowsOf, type Db } from "./db.js";
import { insertProvider, providerWhere as providerRowWhere, toProviderRecord } from "./provider-rows.js";
import { guard } from "./errors.js";
import { toUser } from "./users.js";

type CodeRow = typeof oauth2AuthorizationCodes.$inferSelect;
type AccessRow = typeof oauth2AccessTokens.$inferSelect;
type RefreshRow = typeof oauth2RefreshTokens.$inferSelect;

function toCode(r: CodeRow): AuthorizationCode {
  return {
    id: r.id,
    codeHash: r.codeHash,
    providerPk: r.providerId,
    userPk: r.userId,
    redirectUri: r.redirectUri,
    scope: r.scope,
    nonce: r.nonce,
    codeChallenge: r.codeChallenge,
    codeChallengeMethod: r.codeChallengeMethod,
    authTime: r.authTime,
    sessionId: r.sessionId,
    dpopJkt: r.dpopJkt,
    resource: r.resource,
    expires: r.expires,
  };
}

function toAccess(r: AccessRow): AccessToken {
  return {
    id: r.id,
    tokenHash: r.tokenHash,
    providerPk: r.providerId,
    userPk: r.userId,
    scope: r.scope,
    claims: r.claims,
    authCodeId: r.authCodeId,
    familyId: r.familyId,
    expires: r.expires,
    revoked: r.revoked,
  };
}

function toRefresh(r: RefreshRow): RefreshToken {
  return {
    id: r.id,
    tokenHash: r.tokenHash,
    providerPk: r.providerId,
    userPk: r.userId,
    scope: r.scope,
    familyId: r.familyId,
    authCodeId: r.authCodeId,
    idTokenContext: r.idTokenContext,
    dpopJkt: r.dpopJkt,
    resource: r.resource,
    expires: r.expires,
    used: r.used,
    revoked: r.revoked,
  };
}

/**
 * `providerByClientId` runs on every token request: an in-process cache saves its query. Provider
 * and application writes through this repository (on any connection of this process) clear it;
 * blueprints applied in this process clear it too; other processes, and writes by other paths
 * (admin API), are seen within the TTL.
 */
const CLIENT_CACHE_MS = 5_000;
let clientCacheGeneration = 0;
const clientCaches = new WeakMap<object, Map<string, { record: OAuth2ProviderRecord | null; until: number; generation: number }>>();

/** Clears this process's client cache (also after blueprints wrote providers). */
export function forgetClients(): void {
  clientCacheGeneration++;
}

/** A transaction-scoped advisory lock on `key` (released at commit or rollback). */
/**
 * `insert into <table> (<columns>) select <values> from <source> returning 1`: one insert per row
 * of the CTE `source` (none when it is empty), each value encoded by its column (arrays, jsonb,
 * timestamps) and cast to the column's type.
 */
function insertFrom(table: PgTable, values: Record<string, unknown>, source: string): SQL {
  const columns = table as unknown as Record<string, PgColumn>;
  const set = Object.entries(values).filter(([, v]) => v !== undefined);
  const names = set.map(([k]) => sql.identifier(columns[k]!.name));
  const params = set.map(([k, v]) => sql`${sql.param(v, columns[k]!)}::${sql.raw(columns[k]!.getSQLType())}`);
  return sql`insert into ${table} (${sql.join(names, sql`, `)}) select ${sql.join(params, sql`, `)} from ${sql.identifier(source)} returning 1`;
}

/**
 * One statement: `spend` (a conditional UPDATE … RETURNING) and the inserts of the tokens issued
 * in its place, as data-modifying CTEs that insert only when the UPDATE matched. A statement is
 * atomic, so this is the transaction of `begin; update; insert; insert; commit` in one round trip
 * instead of five; concurrent statements queue on the spent row's lock and, under READ COMMITTED,
 * re-check its condition once the winner commits, so exactly one inserts. Whether it matched.
 */
async function spendAndStore(db: Db, spend: SQL, rows: IssuedRows): Promise<boolean> {
  const parts = [sql`spent as (${spend})`];
  if (rows.access) parts.push(sql`a as (${insertFrom(oauth2AccessTokens, { ...rows.access, providerId: rows.access.providerPk, userId: rows.access.userPk, providerPk: undefined, userPk: undefined }, "spent")})`);
  if (rows.refresh) parts.push(sql`r as (${insertFrom(oauth2RefreshTokens, { ...rows.refresh, providerId: rows.refresh.providerPk, userId: rows.refresh.userPk, providerPk: undefined, userPk: undefined }, "spent")})`);
  const result = await db.execute(sql`with ${sql.join(parts, sql`, `)} select count(*)::int as n from spent`);
  return Number(rowsOf<{ n: number }>(result)[0]?.n ?? 0) > 0;
}

async function lockFor(tx: Pick<Db, "execute">, key: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${key}))`);
}

/**
 * The reads every code and refresh grant starts with, each built once per database handle (on
 * first use) and prepared on the server: building them per call was ~14% of the event loop in
 * bench/oauth's code + refresh scenario, and PostgreSQL then skips parsing and planning them too.
 */
const GRANT_READS = {
  codeWithUser: (db: Db) => {
    const c = oauth2AuthorizationCodes;
    return db.select({ code: c, user: users }).from(c).leftJoin(users, eq(users.id, c.userId)).where(eq(c.codeHash, sql.placeholder("hash"))).limit(1).prepare("threshold_oauth2_code_with_user");
  },
  refreshWithUser: (db: Db) => {
    const t = oauth2RefreshTokens;
    return db.select({ token: t, user: users }).from(t).leftJoin(users, eq(users.id, t.userId)).where(eq(t.tokenHash, sql.placeholder("hash"))).limit(1).prepare("threshold_oauth2_refresh_with_user");
  },
};
type GrantReads = { [K in keyof typeof GRANT_READS]?: ReturnType<(typeof GRANT_READS)[K]> };
const preparedReads = new WeakMap<Db, GrantReads>();
function prepared<K extends keyof typeof GRANT_READS>(db: Db, key: K): ReturnType<(typeof GRANT_READS)[K]> {
  let reads = preparedReads.get(db);
  if (!reads) preparedReads.set(db, (reads = {}));
  return (reads[key] ??= GRANT_READS[key](db) as never) as ReturnType<(typeof GRANT_READS)[K]>;
}

export function oauth2Repository(db: Db, cacheScope: object = db): OAuth2Repository {
  // A proxy provider is an OAuth2 provider too (authentik: ProxyProvider subclasses OAuth2Provider).
  const providerWhere = (where: SQL) => providerRowWhere(db, ["oauth2", "proxy"], where);


  const repo: OAuth2Repository = {
    createProvider: (p) => insertProvider(db, "oauth2", p),


    async createApplication(a) {
      const [target] = await db.insert(policyBindingModels).values({}).returning();
      const [row] = await guard(
        db
          .insert(applications)
          .values({ pbmUuid: target!.pbmUuid, name: a.name, slug: a.slug, providerId: a.providerPk })
          .returning(),
      );
      return { pk: row!.pbmUuid, name: row!.name, slug: row!.slug };
    },

    async providerByClientId(clientId) {
      let cache = clientCaches.get(cacheScope);
      if (!cache) clientCaches.set(cacheScope, (cache = new Map()));
      const hit = cache.get(clientId);
      const now = Date.now();
      if (hit && hit.until > now && hit.generation === clientCacheGeneration) return hit.record;
      const generation = clientCacheGeneration;
      const record = await providerWhere(sql`${providers.settings}->>'client_id' = ${clientId}` as never);
      if (cache.size > 10_000) cache.clear(); // unknown client ids must not grow it without bound
      cache.set(clientId, { record, until: now + CLIENT_CACHE_MS, generation });
      return record;
    },
    providerByApplicationSlug: (slug) => providerWhere(eq(applications.slug, slug)),
    providerByPk: (pk) => (Number.isSafeInteger(pk) ? providerWhere(eq(providers.id, pk)) : Promise.resolve(null)),

    async createProviderWithApplication(p, a) {
      return db.transaction(async (tx) => {
        const [row] = await guard(
          tx
            .insert(providers)
            .values({
              name: p.name,
              type: "oauth2",
              authenticationFlowId: p.authenticationFlowPk ?? null,
              authorizationFlowId: p.authorizationFlowPk,
              invalidationFlowId: p.invalidationFlowPk ?? null,
              settings: p.settings,
            })
            .returning(),
        );
        const [target] = await tx.insert(policyBindingModels).values({}).returning();
        const [app] = await guard(
          tx.insert(applications).values({ pbmUuid: target!.pbmUuid, name: a.name, slug: a.slug, providerId: row!.id }).returning(),
        );
        return toProviderRecord(row!, app!);
      });
    },

    async updateProvider(pk, p) {
      const rows = await guard(
        db
          .update(providers)
          .set({ name: p.name, settings: p.settings })
          .where(and(eq(providers.id, pk), eq(providers.type, "oauth2")))
          .returning({ id: providers.id }),
      );
      return rows.length === 1;
    },

    async deleteProviderWithApplication(pk) {
      return db.transaction(async (tx) => {
        const apps = await tx.select({ pbm: applications.pbmUuid }).from(applications).where(eq(applications.providerId, pk));
        // The application's policy binding target cascades to the application row.
        for (const a of apps) await tx.delete(policyBindingModels).where(eq(policyBindingModels.pbmUuid, a.pbm));
        const rows = await tx
          .delete(providers)
          .where(and(eq(providers.id, pk), eq(providers.type, "oauth2")))
          .returning({ id: providers.id });
        return rows.length === 1;
      });
    },

    async createCode(c) {
      const [row] = await guard(
        db
          .insert(oauth2AuthorizationCodes)
          .values({ ...c, providerId: c.providerPk, userId: c.userPk })
          .returning(),
      );
      return toCode(row!);
    },

    async codeWithUserByHash(codeHash) {
      const [row] = await prepared(db, "codeWithUser").execute({ hash: codeHash });
      return row ? { code: { ...toCode(row.code), used: row.code.used }, user: row.user ? toUser(row.user) : null } : null;
    },

    async refreshTokenWithUserByHash(tokenHash) {
      const [row] = await prepared(db, "refreshWithUser").execute({ hash: tokenHash });
      return row ? { token: toRefresh(row.token), user: row.user ? toUser(row.user) : null } : null;
    },

    async codeByHash(codeHash) {
      const [row] = await db.select().from(oauth2AuthorizationCodes).where(eq(oauth2AuthorizationCodes.codeHash, codeHash)).limit(1);
      return row ? { ...toCode(row), used: row.used } : null;
    },

    async redeemCode(codeHash, now) {
      const [won] = await db
        .update(oauth2AuthorizationCodes)
        .set({ used: true })
        .where(
          and(
            eq(oauth2AuthorizationCodes.codeHash, codeHash),
            eq(oauth2AuthorizationCodes.used, false),
            gt(oauth2AuthorizationCodes.expires, now),
          ),
        )
        .returning();
      if (won) return { kind: "ok", code: toCode(won) };
      const seen = await repo.codeByHash(codeHash);
      return seen?.used ? { kind: "reused", code: seen } : { kind: "invalid" };
    },

    async redeemCodeAndStore(codeHash, now, rows) {
      const c = oauth2AuthorizationCodes;
      const spend = db
        .update(c)
        .set({ used: true })
        .where(and(eq(c.codeHash, codeHash), eq(c.used, false), gt(c.expires, now)))
        .returning({ id: c.id })
        .getSQL();
      if (await spendAndStore(db, spend, rows)) return { kind: "ok" };
      const seen = await repo.codeByHash(codeHash);
      return seen?.used ? { kind: "reused", code: seen } : { kind: "invalid" };
    },

    async createAccessToken(t) {
      const [row] = await guard(
        db
          .insert(oauth2AccessTokens)
          .values({ ...t, providerId: t.providerPk, userId: t.userPk })
          .returning(),
      );
      return toAccess(row!);
    },

    async accessTokenByHash(tokenHash) {
      const [row] = await db.select().from(oauth2AccessTokens).where(eq(oauth2AccessTokens.tokenHash, tokenHash)).limit(1);
      return row ? toAccess(row) : null;
    },

    async createRefreshToken(t) {
      const [row] = await guard(
        db
          .insert(oauth2RefreshTokens)
          .values({ ...t, providerId: t.providerPk, userId: t.userPk })
          .returning(),
      );
      return toRefresh(row!);
    },

    async refreshTokenByHash(tokenHash) {
      const [row] = await db.select().from(oauth2RefreshTokens).where(eq(oauth2RefreshTokens.tokenHash, tokenHash)).limit(1);
      return row ? toRefresh(row) : null;
    },

    async rotateRefreshTokenAndStore(tokenHash, providerPk, now, rows) {
      const t = oauth2RefreshTokens;
      const spend = db
        .update(t)
        .set({ used: true })
        .where(and(eq(t.tokenHash, tokenHash), eq(t.providerId, providerPk), eq(t.used, false), eq(t.revoked, false), gt(t.expires, now)))
        .returning({ id: t.id })
        .getSQL();
      if (await spendAndStore(db, spend, rows)) return { kind: "ok" };
      const [seen] = await db.select().from(t).where(and(eq(t.tokenHash, tokenHash), eq(t.providerId, providerPk))).limit(1);
      return seen && (seen.used || seen.revoked) ? { kind: "reused", token: toRefresh(seen) } : { kind: "invalid" };
    },

    async storeForRefreshToken(tokenHash, providerPk, now, rows) {
      const t = oauth2RefreshTokens;
      const live = db
        .select({ id: t.id })
        .from(t)
        .where(and(eq(t.tokenHash, tokenHash), eq(t.providerId, providerPk), eq(t.used, false), eq(t.revoked, false), gt(t.expires, now)))
        .getSQL();
      if (await spendAndStore(db, live, { access: rows.access, refresh: null })) return { kind: "ok" };
      const [seen] = await db.select().from(t).where(and(eq(t.tokenHash, tokenHash), eq(t.providerId, providerPk))).limit(1);
      return seen && (seen.used || seen.revoked) ? { kind: "reused", token: toRefresh(seen) } : { kind: "invalid" };
    },

    // Replays arrive in bursts (a leaked token tried by many clients at once), and two multi-row
    // UPDATEs of the same rows can lock them in different orders and deadlock: revocations of one
    // code or family take a transaction-scoped advisory lock first, and skip rows already revoked.
    async revokeByCode(codeId) {
      return db.transaction(async (tx) => {
        await lockFor(tx, `oauth2-code:${codeId}`);
        const at = oauth2AccessTokens;
        const rt = oauth2RefreshTokens;
        const a = await tx.update(at).set({ revoked: true }).where(and(eq(at.authCodeId, codeId), eq(at.revoked, false))).returning({ id: at.id });
        const r = await tx.update(rt).set({ revoked: true }).where(and(eq(rt.authCodeId, codeId), eq(rt.revoked, false))).returning({ id: rt.id });
        return a.length + r.length;
      });
    },

    async revokeFamily(familyId) {
      return db.transaction(async (tx) => {
        await lockFor(tx, `oauth2-family:${familyId}`);
        const at = oauth2AccessTokens;
        const rt = oauth2RefreshTokens;
        const r = await tx.update(rt).set({ revoked: true }).where(and(eq(rt.familyId, familyId), eq(rt.revoked, false))).returning({ id: rt.id });
        const a = await tx.update(at).set({ revoked: true }).where(and(eq(at.familyId, familyId), eq(at.revoked, false))).returning({ id: at.id });
        return a.length + r.length;
      });
    },

    async revokeAccessToken(tokenHash, providerPk) {
      const t = oauth2AccessTokens;
      const rows = await db.update(t).set({ revoked: true }).where(and(eq(t.tokenHash, tokenHash), eq(t.providerId, providerPk))).returning({ id: t.id });
      return rows.length > 0;
    },

    async recordRevokedAccessToken(t) {
      await db
        .insert(oauth2AccessTokens)
        .values({ ...t, providerId: t.providerPk, userId: t.userPk, revoked: true })
        .onConflictDoUpdate({ target: oauth2AccessTokens.tokenHash, set: { revoked: true } });
    },

    async deleteExpired(before, limit) {
      // Oldest first and bounded, so a backlog drains over several runs without one long DELETE.
      const purge = async (t: typeof oauth2AuthorizationCodes | typeof oauth2AccessTokens | typeof oauth2RefreshTokens, keep?: SQL) => {
        const oldest = db.select({ id: t.id }).from(t).where(keep ? and(lt(t.expires, before), keep) : lt(t.expires, before)).orderBy(asc(t.expires)).limit(limit);
        return (await db.delete(t).where(inArray(t.id, oldest)).returning({ id: t.id })).length;
      };
      // A code issued in a browser session that is still live stays: it is how the session's end
      // finds the relying parties to tell (sessionLogins), however long the session lasts (up to
      // 14 days, or a login stage's session_duration). The sid is derived as logout-channels.ts
      // sessionSid does: the first 32 hex digits of SHA-256("sid:" + session key hash).
      const liveSids = db
        .select({ sid: sql<string>`left(encode(sha256(convert_to('sid:' || ${authenticatedSessions.sessionKeyHash}, 'UTF8')), 'hex'), 32)` })
        .from(authenticatedSessions);
      const c = oauth2AuthorizationCodes;
      return {
        codes: await purge(c, or(isNull(c.sessionId), notInArray(c.sessionId, liveSids))),
        accessTokens: await purge(oauth2AccessTokens),
        refreshTokens: await purge(oauth2RefreshTokens),
      };
    },

    async revokeRefreshToken(tokenHash, providerPk) {
      const t = oauth2RefreshTokens;
      const match = and(eq(t.tokenHash, tokenHash), eq(t.providerId, providerPk));
      const [found] = await db.select({ familyId: t.familyId }).from(t).where(match).limit(1);
      if (!found) return false;
      return db.transaction(async (tx) => {
        // The family's lock before any row lock: the order revokeFamily takes them in.
        await lockFor(tx, `oauth2-family:${found.familyId}`);
        const rows = await tx.update(t).set({ revoked: true }).where(match).returning({ id: t.id });
        // RFC 7009 §2.1: revoking a refresh token should also invalidate the grant's access tokens.
        const at = oauth2AccessTokens;
        if (rows[0]) await tx.update(at).set({ revoked: true }).where(and(eq(at.familyId, found.familyId), eq(at.revoked, false)));
        return rows.length > 0;
      });
    },

    async listProviders() {
      const rows = await db
        .select({ p: providers, a: applications })
        .from(providers)
        .leftJoin(applications, eq(applications.providerId, providers.id))
        .where(eq(providers.type, "oauth2"))
        .orderBy(providers.id);
      return rows.map((r) => toProviderRecord(r.p, r.a));
    },

    async sessionLogins(sid) {
      const c = oauth2AuthorizationCodes;
      const rows = await db
        .selectDistinct({ providerPk: c.providerId, userPk: c.userId })
        .from(c)
        .where(eq(c.sessionId, sid))
        .orderBy(c.providerId);
      return rows;
    },
  };
  // Provider/application writes invalidate the client cache, before (readers racing the write)
  // and after (readers that started before it committed).
  for (const name of ["createProvider", "createApplication", "createProviderWithApplication", "updateProvider", "deleteProviderWithApplication"] as const) {
    const write = repo[name] as (...args: unknown[]) => Promise<unknown>;
    (repo as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      forgetClients();
      try {
        return await write(...args);
      } finally {
        forgetClients();
      }
    };
  }
  return repo;
}
