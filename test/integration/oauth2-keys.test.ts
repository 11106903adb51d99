/**
 * Signing-key rotation (issue 4 §5, issue 8 `keys rotate`): the next key is in JWKS before it
 * signs, tokens signed before a rotation still verify through JWKS after it, retired keys leave
 * JWKS once their tokens have expired, concurrent crons rotate once; the CLI command.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from "jose";
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../src/cli/main.js";
import { runKeyRotation } from "../../src/jobs/rotate-keys.js";
import { retention, rotateKeys, ROTATION_INTERVAL_MS } from "../../src/protocols/oauth2/rotation.js";
import { cleanEnv, start } from "../support/process.js";
import { discover, setupOAuth2, type OAuth2Env } from "../support/oauth2.js";

const DAY = 86_400_000;

describe("signing key rotation", () => {
  let env: OAuth2Env;
  let config: oidc.Configuration;

  beforeAll(async () => {
    env = await setupOAuth2();
    config = await discover(env);
  });
  afterAll(async () => {
    await env.deps.queue.drain();
    await env.deps.store.close();
  });

  const jwks = async () => (await (await env.fetch(config.serverMetadata().jwks_uri!, {})).json()) as JSONWebKeySet & { keys: { kid: string }[] };
  const kids = async () => (await jwks()).keys.map((k) => k.kid).sort();
  const token = async () => (await oidc.clientCredentialsGrant(config, { scope: "openid" })).access_token;
  const kidOf = (jwt: string) => decodeProtectedHeader(jwt).kid!;
  const verify = async (jwt: string) => jwtVerify(jwt, createLocalJWKSet(await jwks()), { issuer: env.issuer, currentDate: env.deps.clock.now() });

  it("publishes the next key before it signs, keeps the old one for its tokens, then removes it", async () => {
    const first = await token();
    const k1 = kidOf(first);
    expect(await kids()).toEqual([k1]);

    // The cron's first run publishes a next key; the current one keeps signing.
    const step1 = await runKeyRotation(env.deps);
    expect(step1!.promoted).toBeNull();
    const k2 = step1!.next;
    expect(step1!.published).toEqual([k2]);
    const published = await kids();
    expect(published).toEqual([k1, k2].sort());
    expect(kidOf(await token())).toBe(k1);
    // Not due yet: nothing changes on the next run.
    expect((await rotateKeys(env.deps)).promoted).toBeNull();

    // A month later a token is issued with k1 just before the cron rotates.
    env.deps.clock.advance(ROTATION_INTERVAL_MS + DAY);
    const beforeRotation = await token();
    expect(kidOf(beforeRotation)).toBe(k1);
    const step2 = await rotateKeys(env.deps);
    expect(step2.promoted).toMatchObject({ from: k1, to: k2 });
    const k3 = step2.next;
    expect(step2.published).toEqual([k3]);

    // k2 signs now, and it was in JWKS before its first signature.
    const after = await token();
    expect(kidOf(after)).toBe(k2);
    expect(published).toContain(k2);
    expect(await kids()).toEqual([k1, k2, k3].sort());
    // Tokens signed before the rotation still verify through JWKS after it; so do new ones.
    expect((await verify(beforeRotation)).payload.aud).toBe(env.clientId);
    expect((await verify(after)).payload.aud).toBe(env.clientId);

    // Once every k1 token has expired, k1 leaves JWKS and is deleted.
    env.deps.clock.advance((await retention(env.deps)) - 60_000);
    expect((await rotateKeys(env.deps)).removed).toEqual([]);
    expect(await kids()).toContain(k1);
    env.deps.clock.advance(120_000);
    expect((await rotateKeys(env.deps)).removed).toEqual([k1]);
    expect(await kids()).toEqual([k2, k3].sort());
    expect(await env.deps.store.crypto.byKid(k1)).toBeNull();
    await expect(verify(beforeRotation)).rejects.toThrow();
  });

  it("concurrent forced rotations promote exactly once", async () => {
    const before = (await rotateKeys(env.deps)).current;
    const results = await Promise.all([rotateKeys(env.deps, { force: true }), rotateKeys(env.deps, { force: true }), rotateKeys(env.deps, { force: true })]);
    const promotions = results.filter((r) => r.promoted);
    expect(promotions).toHaveLength(1);
    expect(promotions[0]!.promoted!.from).toBe(before);
    const current = (await rotateKeys(env.deps)).current;
    expect(current).toBe(promotions[0]!.promoted!.to);
    expect(kidOf(await token())).toBe(current);
    expect(await kids()).toContain(before);
  });
});

describe("threshold keys rotate", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "threshold-keys-cli-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  async function cli(...argv: string[]) {
    let out = "";
    let err = "";
    const code = await run(argv, {
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: (t: string) => (err += t) },
      env: { THRESHOLD_DATA_DIR: dataDir, THRESHOLD_ENVIRONMENT: "development", THRESHOLD_LOG_LEVEL: "error" },
    });
    return { code, out, err };
  }

  it("has --help, publishes then (with --force) rotates, and lists the keys", async () => {
    const help = await cli("keys", "rotate", "--help");
    expect(help.code).toBe(0);
    expect(help.out).toContain("Usage: threshold keys rotate [--force]");
    expect((await cli("keys", "--help")).out).toContain("Usage: threshold keys list");

    const first = await cli("keys", "rotate");
    expect(first.code, first.err).toBe(0);
    const next = /published next key (\S+)/.exec(first.out)![1]!;
    expect(first.out).toMatch(/keeps signing \(not due/);
    expect(first.out).toMatch(new RegExp(`${next}\\s+next`));

    const forced = await cli("keys", "rotate", "--force");
    expect(forced.code, forced.err).toBe(0);
    expect(forced.out).toMatch(new RegExp(`rotated: ${next} now signs; \\S+ stays in JWKS until \\d{4}-`));
    const list = await cli("keys", "list");
    expect(list.out).toMatch(new RegExp(`${next}\\s+current`));
    expect(list.out).toMatch(/\s+retired\s+created .* published until /);
    expect(list.out.split("\n").filter((l) => /\snext\s/.test(l))).toHaveLength(1);

    const bad = await cli("keys", "rotate", "extra");
    expect(bad.code).toBe(64);
    expect(bad.err).toContain("unexpected argument 'extra'");
  }, 120_000);

  it("exits non-zero with a clear message when the database is unreachable", async () => {
    const p = start(process.execPath, ["bin/threshold.mjs", "keys", "rotate"], cleanEnv({ DATABASE_URL: "postgres://postgres@127.0.0.1:1/none", THRESHOLD_ENVIRONMENT: "development", THRESHOLD_DATA_DIR: dataDir }));
    const code = await p.exited;
    expect(code).not.toBe(0);
    expect(p.stderr()).toMatch(/127\.0\.0\.1:1|ECONNREFUSED|connect/i);
  }, 60_000);
});
