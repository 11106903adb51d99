/**
 * Code redemption and refresh rotation spend their input in the statement that stores the new
 * tokens (token.ts, `redeemCodeAndStore`). On in-process PGlite, and on the real PostgreSQL server
 * (DATABASE_URL, as in CI) through node-postgres and through the Worker's Neon driver: concurrent
 * requests have exactly one winner, replays revoke what it got, and a failure while storing leaves
 * the code or refresh token as it was.
 */
import { count, eq } from "drizzle-orm";
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNeonStore } from "../../src/adapters/postgres/neon.js";
import { createPgStore } from "../../src/adapters/postgres/pg.js";
import type { DrizzleStore } from "../../src/adapters/postgres/store.js";
import { oauth2AccessTokens, oauth2RefreshTokens, users } from "../../src/db/schema/index.js";
import type { IssuedRows } from "../../src/ports/oauth2.js";
import type { Store } from "../../src/ports/store.js";
import { makeTestDeps, type TestDeps } from "../support/app-deps.js";
import { neonProxyOptions, startNeonWsProxy, type NeonWsProxy } from "../support/neon-ws-proxy.js";
import { authorizeCode, discover, login, postForm, REDIRECT, setupOAuth2, type OAuth2Env } from "../support/oauth2.js";
import { createTestDatabase, type TestDatabase } from "./store-databases.js";

const SERVER = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/**
 * The store, except that the refresh token stored with a redemption or rotation collides with an
 * existing one (`token_hash` is unique): a real constraint violation inside the statement that
 * spends the code or refresh token, after the access token's insert.
 */
function collidingRefreshWrites(store: Store, takenHash: string): Store {
  const collide = (rows: IssuedRows): IssuedRows => ({ ...rows, refresh: rows.refresh && { ...rows.refresh, tokenHash: takenHash } });
  return {
    ...store,
    oauth2: {
      ...store.oauth2,
      redeemCodeAndStore: (hash, now, rows) => store.oauth2.redeemCodeAndStore(hash, now, collide(rows)),
      rotateRefreshTokenAndStore: (hash, pk, now, rows) => store.oauth2.rotateRefreshTokenAndStore(hash, pk, now, collide(rows)),
    },
  };
}

describe.each(["pglite", "postgres", "neon"] as const)("token grants are transactions (%s)", (backend) => {
  let env: OAuth2Env;
  let config: oidc.Configuration;
  let deps: TestDeps;
  let database: TestDatabase | null = null;
  let proxy: NeonWsProxy | undefined;
  let db: DrizzleStore["db"];

  beforeAll(async () => {
    deps = await makeTestDeps();
    if (backend !== "pglite") {
      await deps.store.close();
      database = await createTestDatabase(SERVER);
      if (backend === "postgres") deps.store = createPgStore(database.url);
      else {
        // The Worker's driver (Neon serverless over its WebSocket protocol).
        proxy = await startNeonWsProxy();
        deps.store = createNeonStore(database.url, neonProxyOptions(proxy.port));
      }
    }
    db = (deps.store as DrizzleStore).db;
    env = await setupOAuth2({ deps });
    config = await discover(env);
  });
  afterAll(async () => {
    await deps.queue.drain();
    await deps.store.close();
    await database?.drop();
    await proxy?.close();
  });

  const tokenForm = (form: Record<string, string>) => postForm(env, "/application/o/token/", { client_id: env.clientId, client_secret: env.clientSecret, ...form });
  const newCode = async () => {
    const browser = env.browser();
    await login(browser);
    const { callback, verifier } = await authorizeCode(env, config, browser);
    return { grant_type: "authorization_code", code: callback.searchParams.get("code")!, redirect_uri: REDIRECT, code_verifier: verifier };
  };
  const active = async (token: string) => {
    const res = await postForm(env, "/application/o/introspect/", { token, client_id: env.clientId, client_secret: env.clientSecret });
    return ((await res.json()) as { active: boolean }).active;
  };
  /** The hash of a stored refresh token (one is issued first when there is none). */
  const takenRefreshHash = async (): Promise<string> => {
    const [row] = await db.select({ h: oauth2RefreshTokens.tokenHash }).from(oauth2RefreshTokens).limit(1);
    if (row) return row.h;
    expect((await tokenForm(await newCode())).status).toBe(200);
    return takenRefreshHash();
  };
  const rows = async () => ({
    access: (await db.select({ n: count() }).from(oauth2AccessTokens))[0]!.n,
    refresh: (await db.select({ n: count() }).from(oauth2RefreshTokens))[0]!.n,
  });

  it("20 concurrent redemptions of one code: one success, and the replays revoke its tokens", async () => {
    const form = await newCode();
    const results = await Promise.all(Array.from({ length: 20 }, () => tokenForm(form)));
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) {
      expect(r.status).toBe(400);
      expect(((await r.json()) as { error: string }).error).toBe("invalid_grant");
    }
    const tokens = (await ok[0]!.json()) as { access_token: string; refresh_token: string };
    expect(await active(tokens.access_token)).toBe(false);
    expect(await active(tokens.refresh_token)).toBe(false);
  });

  it("20 concurrent rotations of one refresh token: one success, then the family is revoked", async () => {
    const first = (await (await tokenForm(await newCode())).json()) as { refresh_token: string };
    const results = await Promise.all(Array.from({ length: 20 }, () => tokenForm({ grant_type: "refresh_token", refresh_token: first.refresh_token })));
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    expect(results.filter((r) => r.status === 400)).toHaveLength(19);
    const rotated = (await ok[0]!.json()) as { access_token: string; refresh_token: string };
    expect(await active(rotated.refresh_token)).toBe(false);
    expect(await active(rotated.access_token)).toBe(false);
  });

  it("a code whose tokens could not be stored is not spent, and nothing half-written remains", async () => {
    const form = await newCode();
    const taken = await takenRefreshHash();
    const before = await rows();
    const broken = await env.app.request(
      "http://localhost/application/o/token/",
      { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ client_id: env.clientId, client_secret: env.clientSecret, ...form }).toString() },
      { ...deps, store: collidingRefreshWrites(deps.store, taken) },
    );
    expect(broken.status).toBe(500);
    expect(await broken.json()).toMatchObject({ error: "server_error" });
    expect(await rows()).toEqual(before); // the access token row went back with the rest
    const retry = await tokenForm(form);
    expect(retry.status).toBe(200);
    const tokens = (await retry.json()) as { access_token: string; refresh_token: string };
    expect(await active(tokens.access_token)).toBe(true);
    expect(await active(tokens.refresh_token)).toBe(true);
    expect(await rows()).toEqual({ access: before.access + 1, refresh: before.refresh + 1 });
  });

  it("a refresh token whose successors could not be stored still works (once)", async () => {
    const first = (await (await tokenForm(await newCode())).json()) as { refresh_token: string };
    const taken = await takenRefreshHash();
    const before = await rows();
    const broken = await env.app.request(
      "http://localhost/application/o/token/",
      {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ client_id: env.clientId, client_secret: env.clientSecret, grant_type: "refresh_token", refresh_token: first.refresh_token }).toString(),
      },
      { ...deps, store: collidingRefreshWrites(deps.store, taken) },
    );
    expect(broken.status).toBe(500);
    expect(await rows()).toEqual(before);
    expect(await active(first.refresh_token)).toBe(true); // not marked used
    const retry = await tokenForm({ grant_type: "refresh_token", refresh_token: first.refresh_token });
    expect(retry.status).toBe(200);
    expect(await active(((await retry.json()) as { refresh_token: string }).refresh_token)).toBe(true);
    expect((await tokenForm({ grant_type: "refresh_token", refresh_token: first.refresh_token })).status).toBe(400); // then it is spent
  });

  it("a deactivated user's code and refresh token get invalid_grant (the grant's first read carries the user)", async () => {
    const first = (await (await tokenForm(await newCode())).json()) as { refresh_token: string };
    const form = await newCode();
    await db.update(users).set({ isActive: false }).where(eq(users.id, env.user.pk));
    try {
      for (const res of [await tokenForm(form), await tokenForm({ grant_type: "refresh_token", refresh_token: first.refresh_token })]) {
        expect(res.status).toBe(400);
        expect(await res.json()).toMatchObject({ error: "invalid_grant", error_description: "The user is no longer active." });
      }
    } finally {
      await db.update(users).set({ isActive: true }).where(eq(users.id, env.user.pk));
    }
    expect((await tokenForm(form)).status).toBe(400); // the code was spent by the refusal
    expect((await tokenForm({ grant_type: "refresh_token", refresh_token: first.refresh_token })).status).toBe(200); // the refresh token was not
  });

  it("a PKCE failure spends the code (a second try with the right verifier is a replay)", async () => {
    const form = await newCode();
    const wrong = await tokenForm({ ...form, code_verifier: oidc.randomPKCECodeVerifier() });
    expect(((await wrong.json()) as { error: string }).error).toBe("invalid_grant");
    const right = await tokenForm(form);
    expect(right.status).toBe(400);
    expect(((await right.json()) as { error_description: string }).error_description).toMatch(/already been used/);
  });
});
