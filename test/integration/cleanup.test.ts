/**
 * The cleanup cron (src/jobs/cleanup.ts) removes expired OAuth2 grants (a day after expiry, so late
 * replays still trigger reuse detection; codes of live browser sessions only once the session
 * ends), expired invitations and expired consents, and keeps everything else; on in-process
 * PGlite and on the real PostgreSQL server.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPgStore } from "../../src/adapters/postgres/pg.js";
import { sha256Hex } from "../../src/core/encoding.js";
import { OAUTH2_GRACE_MS, runCleanup } from "../../src/jobs/cleanup.js";
import { sessionSid } from "../../src/protocols/oauth2/logout-channels.js";
import type { User } from "../../src/ports/store.js";
import { makeTestDeps, type TestDeps } from "../support/app-deps.js";
import { setupOAuth2, type OAuth2Env } from "../support/oauth2.js";
import { createTestDatabase, type TestDatabase } from "./store-databases.js";

const SERVER = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const HOUR = 3_600_000;

describe.each(["pglite", "postgres"] as const)("cleanup of expired grants, invitations and consents (%s)", (backend) => {
  let deps: TestDeps;
  let env: OAuth2Env;
  let database: TestDatabase | null = null;
  let bob: User;

  beforeAll(async () => {
    deps = await makeTestDeps();
    if (backend === "postgres") {
      await deps.store.close();
      database = await createTestDatabase(SERVER);
      deps.store = createPgStore(database.url);
    }
    env = await setupOAuth2({ deps });
    bob = await deps.store.users.create({ username: "bob-cleanup" });
  });
  afterAll(async () => {
    await deps.queue.drain();
    await deps.store.close();
    await database?.drop();
  });

  /** A code, an access token and a refresh token expiring at `expires`, named by `tag`. */
  async function grant(tag: string, expires: Date) {
    const base = { providerPk: env.providerPk, userPk: env.user.pk, scope: ["openid", "offline_access"], expires };
    const code = await deps.store.oauth2.createCode({ ...base, codeHash: `code-${tag}`, redirectUri: "https://rp/cb", nonce: null, codeChallenge: null, codeChallengeMethod: null, authTime: expires, sessionId: null });
    const familyId = crypto.randomUUID();
    await deps.store.oauth2.createAccessToken({ ...base, tokenHash: `at-${tag}`, claims: {}, authCodeId: code.id, familyId });
    await deps.store.oauth2.createRefreshToken({ ...base, tokenHash: `rt-${tag}`, familyId, authCodeId: code.id, idTokenContext: {} });
  }
  const present = async (tag: string) => ({
    code: (await deps.store.oauth2.codeByHash(`code-${tag}`)) !== null,
    access: (await deps.store.oauth2.accessTokenByHash(`at-${tag}`)) !== null,
    refresh: (await deps.store.oauth2.refreshTokenByHash(`rt-${tag}`)) !== null,
  });
  const all = { code: true, access: true, refresh: true };
  const none = { code: false, access: false, refresh: false };

  it("deletes grants a day past expiry and keeps recent and live ones; invitations and consents by expiry", async () => {
    const now = deps.clock.now().getTime();
    await grant("old", new Date(now - OAUTH2_GRACE_MS - HOUR));
    await grant("recent", new Date(now - HOUR)); // expired, but within the grace day
    await grant("live", new Date(now + HOUR));
    const expiredInvite = await deps.store.enrollment.createInvitation({ name: "expired", expires: new Date(now - HOUR) });
    const liveInvite = await deps.store.enrollment.createInvitation({ name: "live", expires: new Date(now + HOUR) });
    const foreverInvite = await deps.store.enrollment.createInvitation({ name: "forever", expiring: false, expires: null });
    await deps.store.enrollment.saveConsent({ userPk: env.user.pk, applicationPk: env.applicationPk, permissions: ["openid"], expires: new Date(now - HOUR) });
    await deps.store.enrollment.saveConsent({ userPk: bob.pk, applicationPk: env.applicationPk, permissions: ["openid"], expires: null });

    const result = await runCleanup(deps);
    expect(result.oauth2).toEqual({ codes: 1, accessTokens: 1, refreshTokens: 1 });
    expect(result).toMatchObject({ invitations: 1, consents: 1 });
    expect(await present("old")).toEqual(none);
    expect(await present("recent")).toEqual(all);
    expect(await present("live")).toEqual(all);
    expect(await deps.store.enrollment.validInvitation(expiredInvite.pk, new Date(now - 2 * HOUR))).toBeNull(); // the row is gone
    expect(await deps.store.enrollment.validInvitation(liveInvite.pk, new Date(now))).not.toBeNull();
    expect(await deps.store.enrollment.validInvitation(foreverInvite.pk, new Date(now))).not.toBeNull();
    expect(await deps.store.enrollment.consentOf(env.user.pk, env.applicationPk, new Date(now - 2 * HOUR))).toBeNull(); // gone
    expect(await deps.store.enrollment.consentOf(bob.pk, env.applicationPk, new Date(now))).not.toBeNull();

    // Nothing left to do on the next run.
    expect((await runCleanup(deps)).oauth2).toEqual({ codes: 0, accessTokens: 0, refreshTokens: 0 });
  });

  it("keeps the expired codes of a live browser session (back-channel logout finds its relying parties) until it ends", async () => {
    const now = deps.clock.now().getTime();
    const keyHash = await sha256Hex("a-long-lived-browser-session");
    const session = await deps.store.sessions.create({ sessionKeyHash: keyHash, userPk: env.user.pk, lastIp: "", lastUserAgent: "", expires: new Date(now + 10 * OAUTH2_GRACE_MS) });
    const sid = await sessionSid(keyHash);
    const base = { providerPk: env.providerPk, userPk: env.user.pk, scope: ["openid"], redirectUri: "https://rp/cb", nonce: null, codeChallenge: null, codeChallengeMethod: null };
    const old = new Date(now - 3 * OAUTH2_GRACE_MS); // the login was three days ago
    await deps.store.oauth2.createCode({ ...base, codeHash: "code-in-session", authTime: old, expires: old, sessionId: sid });
    await deps.store.oauth2.createCode({ ...base, codeHash: "code-of-ended-session", authTime: old, expires: old, sessionId: "0".repeat(32) });

    expect((await runCleanup(deps)).oauth2.codes).toBe(1); // the ended session's code
    expect(await deps.store.oauth2.codeByHash("code-in-session")).not.toBeNull();
    expect(await deps.store.oauth2.codeByHash("code-of-ended-session")).toBeNull();
    expect(await deps.store.oauth2.sessionLogins(sid)).toEqual([{ providerPk: env.providerPk, userPk: env.user.pk }]);

    await deps.store.sessions.delete(session.uuid);
    expect((await runCleanup(deps)).oauth2.codes).toBe(1);
    expect(await deps.store.oauth2.codeByHash("code-in-session")).toBeNull();
  });

  it("deletes at most `limit` rows of each kind per call, oldest first", async () => {
    const now = deps.clock.now().getTime();
    for (const [i, tag] of ["b1", "b2", "b3"].entries()) await grant(tag, new Date(now - 3 * OAUTH2_GRACE_MS + i * HOUR));
    const before = new Date(now - OAUTH2_GRACE_MS);
    expect(await deps.store.oauth2.deleteExpired(before, 2)).toEqual({ codes: 2, accessTokens: 2, refreshTokens: 2 });
    expect([await present("b1"), await present("b2"), await present("b3")]).toEqual([none, none, all]);
    expect(await deps.store.oauth2.deleteExpired(before, 2)).toEqual({ codes: 1, accessTokens: 1, refreshTokens: 1 });
    expect(await present("b3")).toEqual(none);
  });
});
