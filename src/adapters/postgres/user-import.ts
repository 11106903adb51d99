/**
 * Writes imported users in batches, one transaction per batch, idempotent on username
 * (case-insensitive, like the unique index): new users are inserted with their hash; existing
 * users get name/email/is_active updated and missing group memberships added. An existing
 * user's password is set only when they have none, so a re-import never undoes a password change
 * or an argon2id upgrade made at login.
 */
import { inArray, sql } from "drizzle-orm";
import type { Db } from "./db.js";
import { PASSWORD_FORMATS } from "../../core/passwords/index.js";
import * as s from "../../db/schema/index.js";
import type { ImportUser } from "../../cli/import/parse.js";

export interface ImportSummary {
  imported: number;
  updated: number;
  unchanged: number;
  skipped: Array<{ line: number; username: string; reason: string }>;
  groupsCreated: number;
}

export interface WriteOptions {
  /** Users per transaction; default 1,000. */
  batchSize?: number;
  /** Called after every batch with the number of records handled so far. */
  onProgress?: (done: number, total: number) => void;
}

/** Drops invalid records (reported as skipped) and duplicates (the first occurrence wins). */
export function validate(users: readonly ImportUser[], summary: ImportSummary): ImportUser[] {
  const seen = new Set<string>();
  const out: ImportUser[] = [];
  for (const u of users) {
    const skip = (reason: string) => summary.skipped.push({ line: u.line, username: u.username, reason });
    if (u.skipReason) skip(u.skipReason);
    else if (!u.username) skip("no username");
    else if (seen.has(u.username.toLowerCase())) skip("duplicate username in the file");
    else if (u.passwordHash && !PASSWORD_FORMATS.some((f) => f.matches(u.passwordHash!))) skip("password hash in an unsupported format");
    else {
      seen.add(u.username.toLowerCase());
      out.push(u);
    }
  }
  return out;
}

/** Imports `users`; returns the summary. A database error aborts the current batch only. */
export async function writeUsers(db: Db, users: readonly ImportUser[], opts: WriteOptions = {}): Promise<ImportSummary> {
  const summary: ImportSummary = { imported: 0, updated: 0, unchanged: 0, skipped: [], groupsCreated: 0 };
  const valid = validate(users, summary);
  const batchSize = opts.batchSize ?? 1000;
  const groupIds = new Map<string, string>();
  let done = users.length - valid.length;
  for (let i = 0; i < valid.length; i += batchSize) {
    const batch = valid.slice(i, i + batchSize);
    await db.transaction((tx) => writeBatch(tx as unknown as Db, batch, summary, groupIds));
    done += batch.length;
    opts.onProgress?.(done, users.length);
  }
  if (valid.length === 0) opts.onProgress?.(done, users.length);
  return summary;
}

async function writeBatch(db: Db, batch: ImportUser[], summary: ImportSummary, groupIds: Map<string, string>): Promise<void> {
  const lower = batch.map((u) => u.username.toLowerCase());
  const existing = new Map(
    (await db.select().from(s.users).where(inArray(sql`lower(${s.users.username})`, lower))).map((r) => [r.username.toLowerCase(), r]),
  );
  const fresh = batch.filter((u) => !existing.has(u.username.toLowerCase()));
  const ids = new Map<string, number>();
  if (fresh.length > 0) {
    const rows = await db
      .insert(s.users)
      .values(
        fresh.map((u) => ({
          username: u.username,
          email: u.email ?? "",
          name: u.name ?? "",
          isActive: u.isActive ?? true,
          attributes: u.attributes ?? {},
          password: u.passwordHash ?? null,
        })),
      )
      .returning({ id: s.users.id, username: s.users.username });
    for (const r of rows) ids.set(r.username.toLowerCase(), r.id);
    summary.imported += rows.length;
  }
  for (const u of batch) {
    const row = existing.get(u.username.toLowerCase());
    if (!row) continue;
    ids.set(u.username.toLowerCase(), row.id);
    const changes: Partial<typeof s.users.$inferInsert> = {};
    if (u.email !== undefined && u.email !== row.email) changes.email = u.email;
    if (u.name !== undefined && u.name !== row.name) changes.name = u.name;
    if (u.isActive !== undefined && u.isActive !== row.isActive) changes.isActive = u.isActive;
    if (u.passwordHash && row.password === null) changes.password = u.passwordHash;
    if (Object.keys(changes).length > 0) {
      await db.update(s.users).set(changes).where(sql`${s.users.id} = ${row.id}`);
      summary.updated++;
    } else summary.unchanged++;
  }
  await writeMemberships(db, batch, ids, summary, groupIds);
}

async function writeMemberships(
  db: Db,
  batch: ImportUser[],
  ids: Map<string, number>,
  summary: ImportSummary,
  groupIds: Map<string, string>,
): Promise<void> {
  const names = [...new Set(batch.flatMap((u) => u.groups))].filter((n) => !groupIds.has(n));
  if (names.length > 0) {
    for (const g of await db.select({ uuid: s.groups.groupUuid, name: s.groups.name }).from(s.groups).where(inArray(s.groups.name, names))) {
      groupIds.set(g.name, g.uuid);
    }
    const missing = names.filter((n) => !groupIds.has(n));
    if (missing.length > 0) {
      const created = await db.insert(s.groups).values(missing.map((name) => ({ name }))).returning({ uuid: s.groups.groupUuid, name: s.groups.name });
      for (const g of created) groupIds.set(g.name, g.uuid);
      summary.groupsCreated += created.length;
    }
  }
  const links = batch.flatMap((u) => u.groups.map((g) => ({ userId: ids.get(u.username.toLowerCase())!, groupId: groupIds.get(g)! })));
  if (links.length > 0) await db.insert(s.groupMemberships).values(links).onConflictDoNothing();
}
