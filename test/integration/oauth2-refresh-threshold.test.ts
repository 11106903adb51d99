/**
 * authentik's `refresh_token_threshold`: a refresh token is rotated only once less than the
 * threshold is left of its validity; before that, refreshing returns new access and ID tokens
 * and the client keeps its refresh token (openid-client's refreshTokenGrant). `seconds=0` (the
 * default) rotates on every refresh, with reuse detection.
 */
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/core/encoding.js";
import { authorizeCode, basic, discover, login, postForm, setupOAuth2, type OAuth2Env } from "../support/oauth2.js";

describe("refresh token threshold", () => {
  let keep: OAuth2Env; // 30 days of validity, rotate only in the last day
  let near: OAuth2Env; // 30 days of validity, threshold longer than that: always within it
  let always: OAuth2Env; // the default, seconds=0

  beforeAll(async () => {
    keep = await setupOAuth2({ settings: { refresh_token_validity: "days=30", refresh_token_threshold: "days=1" } });
    near = await setupOAuth2({ deps: keep.deps, settings: { refresh_token_validity: "days=30", refresh_token_threshold: "days=31" } });
    always = await setupOAuth2({ deps: keep.deps });
  });
  afterAll(async () => {
    await keep.deps.queue.drain();
    await keep.deps.store.close();
  });

  async function tokensFor(env: OAuth2Env) {
    const config = await discover(env);
    const browser = env.browser();
    await login(browser);
    const { callback, verifier, nonce, state } = await authorizeCode(env, config, browser);
    return { config, tokens: await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state }) };
  }

  it("before the threshold the client keeps its refresh token; its new access tokens stay in its family", async () => {
    const { config, tokens } = await tokensFor(keep);
    const refresh = tokens.refresh_token!;
    const first = await oidc.refreshTokenGrant(config, refresh);
    expect(first.refresh_token).toBeUndefined();
    expect(first.id_token).toBeDefined();
    const second = await oidc.refreshTokenGrant(config, refresh); // the same token again: no reuse alarm
    expect(second.access_token).not.toBe(first.access_token);
    const row = await keep.deps.store.oauth2.refreshTokenByHash(await sha256Hex(refresh));
    expect(row).toMatchObject({ used: false, revoked: false });
    const access = await keep.deps.store.oauth2.accessTokenByHash(await sha256Hex(second.access_token));
    expect(access?.familyId).toBe(row!.familyId);
    // Revoking the refresh token ends it, and its family's access tokens, as always.
    const revoked = await postForm(keep, "/application/o/revoke/", { token: refresh, token_type_hint: "refresh_token" }, { authorization: basic(keep.clientId, keep.clientSecret) });
    expect(revoked.status).toBe(200);
    await expect(oidc.refreshTokenGrant(config, refresh)).rejects.toMatchObject({ error: "invalid_grant" });
  });

  it("within the threshold it rotates, and the replaced token is then a replay", async () => {
    const { config, tokens } = await tokensFor(near);
    const rotated = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(rotated.refresh_token).toBeDefined();
    expect(rotated.refresh_token).not.toBe(tokens.refresh_token);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
    // Reuse revoked the family: the successor is dead too.
    await expect(oidc.refreshTokenGrant(config, rotated.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
  });

  it("seconds=0 (the default) rotates on every refresh", async () => {
    const { config, tokens } = await tokensFor(always);
    const rotated = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(rotated.refresh_token).toBeDefined();
    expect((await always.deps.store.oauth2.refreshTokenByHash(await sha256Hex(tokens.refresh_token!)))?.used).toBe(true);
  });
});
