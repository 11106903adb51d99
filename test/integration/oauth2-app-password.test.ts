/**
 * authentik's machine-to-machine login at the token endpoint: client_credentials (or `password`)
 * with a user's app password, as `username` + `password` or as base64("username:app password")
 * in the client secret; the application's policy bindings apply; failures are throttled.
 */
import { eq } from "drizzle-orm";
import { createLocalJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet } from "jose";
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DrizzleStore } from "../../src/adapters/postgres/store.js";
import { sha256Hex } from "../../src/core/encoding.js";
import { users } from "../../src/db/schema/index.js";
import { APP_PASSWORD_FAILURES } from "../../src/protocols/oauth2/app-password.js";
import type { User } from "../../src/ports/store.js";
import { basic, discover, postForm, setupOAuth2, type OAuth2Env } from "../support/oauth2.js";

describe("client_credentials with an app password (authentik machine-to-machine)", () => {
  let env: OAuth2Env;
  let publicEnv: OAuth2Env;
  let robot: User;
  const KEY = "robot-app-password-0123456789abcdef";

  beforeAll(async () => {
    env = await setupOAuth2();
    publicEnv = await setupOAuth2({ deps: env.deps, settings: { client_type: "public" } });
    robot = await env.deps.store.users.create({ username: "ci-robot", name: "CI robot", type: "service_account" });
    await env.deps.store.tokens.create({ identifier: "ci-robot-app-password", intent: "app_password", userPk: robot.pk, key: KEY, expiring: false });
  });
  afterAll(async () => {
    await env.deps.queue.drain();
    await env.deps.store.close();
  });

  type TokenResponse = { access_token: string; token_type: string; expires_in: number; scope: string; id_token?: string; refresh_token?: string };
  const token = (e: OAuth2Env, form: Record<string, string>, headers: Record<string, string> = {}) => postForm(e, "/application/o/token/", form, headers);
  const introspect = async (e: OAuth2Env, t: string) =>
    (await (await postForm(e, "/application/o/introspect/", { token: t }, { authorization: basic(e.clientId, e.clientSecret) })).json()) as Record<string, unknown>;

  it("issues the user's tokens for username + app password with the client id alone (authentik's documented request)", async () => {
    const res = await token(env, { grant_type: "client_credentials", client_id: env.clientId, username: "ci-robot", password: KEY, scope: "openid profile offline_access" });
    expect(res.status).toBe(200);
    const body = (await res.json()) as TokenResponse;
    expect(body).toMatchObject({ token_type: "Bearer", scope: "openid profile" });
    expect(body.refresh_token).toBeUndefined();
    // The access token is the robot's, stored, and introspection says so.
    const claims = decodeJwt(body.access_token);
    expect(claims.sub).not.toBe(env.clientId);
    expect(await env.deps.store.oauth2.accessTokenByHash(await sha256Hex(body.access_token))).toMatchObject({ userPk: robot.pk });
    expect(await introspect(env, body.access_token)).toMatchObject({ active: true, sub: claims.sub, client_id: env.clientId, scope: "openid profile" });
    // The ID token verifies against the provider's JWKS and names the same subject.
    const jwks = (await (await env.app.request(`${env.issuer}jwks/`, {}, env.deps)).json()) as JSONWebKeySet;
    const { payload } = await jwtVerify(body.id_token!, createLocalJWKSet(jwks), { issuer: env.issuer, audience: env.clientId });
    expect(payload).toMatchObject({ sub: claims.sub, preferred_username: "ci-robot" });
    // A login event names the method and the app password's identifier, never the key.
    const [login] = await env.deps.store.events.list({ limit: 1, action: "login" });
    expect(login).toMatchObject({ user: { username: "ci-robot" }, context: { method: "token", method_args: { identifier: "ci-robot-app-password", via: "form" } } });
    expect(JSON.stringify(login)).not.toContain(KEY);
  });

  it("accepts grant_type=password (authentik's alias), Basic client auth, a public client, and openid-client's clientCredentialsGrant", async () => {
    const viaPassword = await token(env, { grant_type: "password", username: "ci-robot", password: KEY, scope: "openid" }, { authorization: basic(env.clientId, env.clientSecret) });
    expect(viaPassword.status).toBe(200);
    const viaPublic = await token(publicEnv, { grant_type: "client_credentials", client_id: publicEnv.clientId, username: "ci-robot", password: KEY });
    expect(viaPublic.status).toBe(200);
    expect(((await viaPublic.json()) as TokenResponse).scope).toBe("");

    const config = await discover(env, oidc.ClientSecretPost(env.clientSecret));
    expect(config.serverMetadata().grant_types_supported).toEqual(expect.arrayContaining(["client_credentials", "password"]));
    const tokens = await oidc.clientCredentialsGrant(config, { scope: "openid email", username: "ci-robot", password: KEY });
    expect(tokens.scope).toBe("openid email");
    expect(decodeJwt(tokens.access_token).sub).toBe(decodeJwt((await ((await token(env, { grant_type: "client_credentials", client_id: env.clientId, username: "ci-robot", password: KEY })).json() as Promise<TokenResponse>)).access_token).sub);
  });

  it("accepts base64(username:app password) as the client secret (authentik's workaround), and still refuses a wrong secret", async () => {
    const secret = btoa(`ci-robot:${KEY}`);
    const res = await token(env, { grant_type: "client_credentials", scope: "openid" }, { authorization: basic(env.clientId, secret) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as TokenResponse;
    expect((await env.deps.store.oauth2.accessTokenByHash(await sha256Hex(body.access_token)))?.userPk).toBe(robot.pk);

    // Not base64 of user:password → the usual 401 invalid_client.
    const wrong = await token(env, { grant_type: "client_credentials" }, { authorization: basic(env.clientId, "not-the-secret") });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: "invalid_client" });
    expect(wrong.headers.get("www-authenticate")).toMatch(/^Basic/);
    // Only for client_credentials / password: a code grant with it is still invalid_client.
    const code = await token(env, { grant_type: "authorization_code", code: "x", redirect_uri: "https://app.example.com/callback" }, { authorization: basic(env.clientId, secret) });
    expect(code.status).toBe(401);
    // A client secret sent with username + password must be right.
    const badSecret = await token(env, { grant_type: "client_credentials", username: "ci-robot", password: KEY }, { authorization: basic(env.clientId, "wrong") });
    expect(badSecret.status).toBe(401);
    // An unknown client id.
    const unknown = await token(env, { grant_type: "client_credentials", client_id: "nobody", username: "ci-robot", password: KEY });
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toMatchObject({ error: "invalid_client" });
  });

  it("refuses wrong, foreign, expired and deactivated credentials with invalid_grant", async () => {
    const attempt = (username: string, password: string) => token(publicEnv, { grant_type: "client_credentials", client_id: publicEnv.clientId, username, password });
    const expectGrantError = async (res: Response) => {
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: "invalid_grant" });
    };
    await expectGrantError(await attempt("ci-robot", "wrong"));
    await expectGrantError(await attempt("nobody", KEY));
    // alice's password is not an app password, and the robot's key is not alice's.
    await expectGrantError(await attempt("alice", "correct horse"));
    await expectGrantError(await attempt("alice", KEY));
    // An API token of the robot is not an app password.
    await env.deps.store.tokens.create({ identifier: "ci-robot-api", intent: "api", userPk: robot.pk, key: "robot-api-token-0123456789", expiring: false });
    await expectGrantError(await attempt("ci-robot", "robot-api-token-0123456789"));
    // Expired app password.
    await env.deps.store.tokens.create({ identifier: "ci-robot-old", intent: "app_password", userPk: robot.pk, key: "robot-expired-0123456789", expiring: true, expires: new Date(env.deps.clock.now().getTime() - 1000) });
    await expectGrantError(await attempt("ci-robot", "robot-expired-0123456789"));
    // Deactivated user.
    const temp = await env.deps.store.users.create({ username: "temp-robot", name: "Temp", type: "service_account" });
    await env.deps.store.tokens.create({ identifier: "temp-robot-pw", intent: "app_password", userPk: temp.pk, key: "temp-robot-key-0123456789", expiring: false });
    expect((await attempt("temp-robot", "temp-robot-key-0123456789")).status).toBe(200);
    await (env.deps.store as DrizzleStore).db.update(users).set({ isActive: false }).where(eq(users.id, temp.pk));
    await expectGrantError(await attempt("temp-robot", "temp-robot-key-0123456789"));
    // grant_type=password without a username is a malformed request, not a 500.
    const noUser = await token(env, { grant_type: "password", password: KEY }, { authorization: basic(env.clientId, env.clientSecret) });
    expect(noUser.status).toBe(400);
    expect(await noUser.json()).toMatchObject({ error: "invalid_request" });
  });

  it("applies the application's policy bindings to the user", async () => {
    const locked = await setupOAuth2({ deps: env.deps });
    const admins = await env.deps.store.groups.create({ name: `m2m-admins-${Date.now()}` });
    await env.deps.store.policies.bind({ targetPk: locked.applicationPk, groupPk: admins.pk, order: 0 });
    const ask = () => token(locked, { grant_type: "client_credentials", client_id: locked.clientId, username: "ci-robot", password: KEY });
    const denied = await ask();
    expect(denied.status).toBe(400);
    expect(await denied.json()).toMatchObject({ error: "invalid_grant" });
    await env.deps.store.groups.addMember(admins.pk, robot.pk);
    expect((await ask()).status).toBe(200);
    // The client secret path (no user) is unaffected by the bindings, as before.
    expect((await token(locked, { grant_type: "client_credentials" }, { authorization: basic(locked.clientId, locked.clientSecret) })).status).toBe(200);
  });

  it("throttles failures per username (then even the right key waits) and writes one suspicious_request event", async () => {
    const victim = await env.deps.store.users.create({ username: "throttled-robot", name: "T", type: "service_account" });
    await env.deps.store.tokens.create({ identifier: "throttled-robot-pw", intent: "app_password", userPk: victim.pk, key: "throttled-key-0123456789", expiring: false });
    const attempt = (password: string) => token(env, { grant_type: "client_credentials", client_id: env.clientId, username: "throttled-robot", password }, { "x-forwarded-for": "198.51.100.7" });
    for (let i = 0; i < APP_PASSWORD_FAILURES.limit; i++) expect((await attempt(`guess-${i}`)).status).toBe(400);
    const blocked = await attempt("throttled-key-0123456789");
    expect(blocked.status).toBe(400);
    expect(await blocked.json()).toMatchObject({ error: "invalid_grant", error_description: expect.stringMatching(/Too many attempts/) });
    await attempt("throttled-key-0123456789");
    const reports = (await env.deps.store.events.list({ limit: 50, action: "suspicious_request" })).filter((e) => e.context.limit === APP_PASSWORD_FAILURES.name);
    expect(reports).toHaveLength(1);
    expect(reports[0]!.context).toMatchObject({ reason: "rate_limited", identifier: "throttled-robot" });
  });
});
