import { asc, count, eq, inArray, sql } from "drizzle-orm";
import type {
  DirectoryGroup,
  DirectoryUser,
  Outpost,
  OutpostRepository,
  Provider,
  ProviderApplication,
} from "../../ports/outposts.js";
import {
  applications,
  groupMemberships,
  groupParents,
  groups,
  outpostProviders,
  outposts,
  policyBindingModels,
  providers,
  users,
} from "../../db/schema/index.js";
import { isUuid, type Db } from "./db.js";
import { guard } from "./errors.js";
import { toUser } from "./users.js";

type ProviderRow = typeof providers.$inferSelect;
type OutpostRow = typeof outposts.$inferSelect;
type AppRow = typeof applications.$inferSelect;

function toProvider(row: ProviderRow): Provider {
  return {
    pk: row.id,
    name: row.name,
    type: row.type,
    authenticationFlowPk: row.authenticationFlowId,
    authorizationFlowPk: row.authorizationFlowId,
    invalidationFlowPk: row.invalidationFlowId,
    settings: row.settings,
  };
}

function toOutpost(row: OutpostRow, providerPks: number[]): Outpost {
  return { pk: row.uuid, name: row.name, type: row.type, config: row.config, tokenPk: row.tokenId, providerPks };
}

function toApp(row: AppRow): ProviderApplication & { providerPk: number | null } {
  return { pk: row.pbmUuid, name: row.name, slug: row.slug, providerPk: row.providerId };
}

export function outpostRepository(db: Db): OutpostRepository {
  async function providerPksOf(outpostPk: string): Promise<number[]> {
    const rows = await db
      .select({ id: outpostProviders.providerId })
      .from(outpostProviders)
      .where(eq(outpostProviders.outpostId, outpostPk))
      .orderBy(asc(outpostProviders.providerId));
    return rows.map((r) => r.id);
  }

  async function one(where: ReturnType<typeof eq>): Promise<Outpost | null> {
    const [row] = await db.select().from(outposts).where(where).limit(1);
    return row ? toOutpost(row, await providerPksOf(row.uuid)) : null;
  }

  return {
    async createProvider(p) {
      const [row] = await guard(
        db
          .insert(providers)
          .values({
            name: p.name,
            type: p.type,
            authenticationFlowId: p.authenticationFlowPk ?? null,
            authorizationFlowId: p.authorizationFlowPk ?? null,
            invalidationFlowId: p.invalidationFlowPk ?? null,
            settings: p.settings ?? {},
          })
          .returning(),
      );
      return toProvider(row!);
    },

    async providerByPk(pk) {
      if (!Number.isSafeInteger(pk)) return null;
      const [row] = await db.select().from(providers).where(eq(providers.id, pk)).limit(1);
      return row ? toProvider(row) : null;
    },

    async createApplication(app) {
      const row = await guard(
        db.transaction(async (tx) => {
          const [pbm] = await tx.insert(policyBindingModels).values({}).returning();
          const [created] = await tx
            .insert(applications)
            .values({ pbmUuid: pbm!.pbmUuid, name: app.name, slug: app.slug, providerId: app.providerPk ?? null })
            .returning();
          return created!;
        }),
      );
      const { providerPk: _, ...result } = toApp(row);
      return result;
    },

    async applicationOfProvider(providerPk) {
      const [row] = await db.select().from(applications).where(eq(applications.providerId, providerPk)).limit(1);
      if (!row) return null;
      const { providerPk: _, ...result } = toApp(row);
      return result;
    },

    async applicationBySlug(slug) {
      const [row] = await db.select().from(applications).where(eq(applications.slug, slug)).limit(1);
      return row ? toApp(row) : null;
    },

    async create(o) {
      const providerPks = [...new Set(o.providerPks ?? [])];
      const row = await guard(
        db.transaction(async (tx) => {
          const [created] = await tx
            .insert(outposts)
            .values({ name: o.name, type: o.type, config: o.config ?? {}, tokenId: o.tokenPk })
            .returning();
          if (providerPks.length > 0) {
            await tx.insert(outpostProviders).values(providerPks.map((providerId) => ({ outpostId: created!.uuid, providerId })));
          }
          return created!;
        }),
      );
      return toOutpost(row, providerPks.sort((a, b) => a - b));
    },

    async byPk(pk) {
      return isUuid(pk) ? one(eq(outposts.uuid, pk)) : null;
    },

    async byTokenPk(tokenPk) {
      return isUuid(tokenPk) ? one(eq(outposts.tokenId, tokenPk)) : null;
    },

    async providersOf(outpostPk) {
      if (!isUuid(outpostPk)) return [];
      const rows = await db
        .select({ provider: providers })
        .from(outpostProviders)
        .innerJoin(providers, eq(providers.id, outpostProviders.providerId))
        .where(eq(outpostProviders.outpostId, outpostPk))
        .orderBy(asc(providers.id));
      return rows.map((r) => toProvider(r.provider));
    },

    async listUsers({ page, pageSize, usernames }) {
      const where = usernames ? inArray(sql`lower(${users.username})`, usernames.map((u) => u.toLowerCase())) : undefined;
      if (usernames && usernames.length === 0) return { items: [], count: 0 };
      const [total] = await db.select({ n: count() }).from(users).where(where);
      const rows = await db
        .select()
        .from(users)
        .where(where)
        .orderBy(asc(users.id))
        .limit(pageSize)
        .offset((page - 1) * pageSize);
      const memberships =
        rows.length === 0
          ? []
          : await db
              .select()
              .from(groupMemberships)
              .where(
                inArray(
                  groupMemberships.userId,
                  rows.map((r) => r.id),
                ),
              );
      const items: DirectoryUser[] = rows.map((r) => ({
        ...toUser(r),
        groupPks: memberships.filter((m) => m.userId === r.id).map((m) => m.groupId),
      }));
      return { items, count: Number(total?.n ?? 0) };
    },

    async listGroups({ page, pageSize }) {
      const [total] = await db.select({ n: count() }).from(groups);
      const rows = await db
        .select()
        .from(groups)
        .orderBy(asc(groups.name))
        .limit(pageSize)
        .offset((page - 1) * pageSize);
      if (rows.length === 0) return { items: [], count: Number(total?.n ?? 0) };
      const ids = rows.map((r) => r.groupUuid);
      const [parents, members] = await Promise.all([
        db.select().from(groupParents).where(inArray(groupParents.childId, ids)),
        db.select().from(groupMemberships).where(inArray(groupMemberships.groupId, ids)),
      ]);
      const items: DirectoryGroup[] = rows.map((r) => ({
        pk: r.groupUuid,
        name: r.name,
        isSuperuser: r.isSuperuser,
        attributes: r.attributes,
        parentPks: parents.filter((p) => p.childId === r.groupUuid).map((p) => p.parentId),
        memberPks: members.filter((m) => m.groupId === r.groupUuid).map((m) => m.userId),
      }));
      return { items, count: Number(total?.n ?? 0) };
    },
  };
}
