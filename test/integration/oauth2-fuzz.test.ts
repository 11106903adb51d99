/**
 * Malformed input over the new OAuth2 endpoints (device, PAR, DPoP, device_code grant, JWT client
 * assertions, resource indicators, registration, implicit/hybrid, `/device`): a table of known
 * bad shapes plus seeded random combinations. Every answer must be a protocol error (4xx with an
 * OAuth `error`, or an error page for browser endpoints), never a 500, and nothing is logged at
 * error level.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEVICE_CODE_GRANT } from "../../src/protocols/oauth2/device.js";
import { JWT_BEARER_ASSERTION } from "../../src/protocols/oauth2/client-auth.js";
import { makeTestDeps } from "../support/app-deps.js";
import { basic, login, ORIGIN, setupOAuth2, type OAuth2Env } from "../support/oauth2.js";
import type { FlowClient } from "../support/flows.js";

const LONG = "a".repeat(70_000);
const NASTY = ["", " ", "\u0000", "%00", "\ud800", "💥".repeat(300), "../../etc/passwd", "<script>", "null", "[]", "{}", "-1", "1e309", "urn:ietf:params:oauth:request_uri:", "a".repeat(5000)];

/** Header-safe: no lone surrogates or control characters (fetch would refuse to send them). */
const clean = (v: string) => v.replace(/[\u0000-\u001f\ud800-\udfff]/g, "");

/** Deterministic PRNG (mulberry32), so a failure reproduces. */
function rng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Case {
  name: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Browser endpoints answer with pages; the rest with OAuth JSON. */
  page?: boolean;
}

const form = (entries: [string, string][]) => new URLSearchParams(entries).toString();
const FORM = { "Content-Type": "application/x-www-form-urlencoded" };
const JSON_TYPE = { "Content-Type": "application/json" };

describe("malformed parameters on the new OAuth2 endpoints → OAuth errors, never 500", () => {
  let env: OAuth2Env;
  let browser: FlowClient;

  beforeAll(async () => {
    const deps = await makeTestDeps({ THRESHOLD_OAUTH2__DYNAMIC_CLIENT_REGISTRATION: "true" });
    env = await setupOAuth2({ deps });
    browser = env.browser();
    await login(browser);
  });
  afterAll(async () => {
    await env.deps.queue.drain();
    await env.deps.store.close();
  });

  function table(): Case[] {
    const id = env.clientId;
    const auth = { Authorization: basic(id, env.clientSecret) };
    const cases: Case[] = [];
    const post = (name: string, path: string, entries: [string, string][], headers: Record<string, string> = auth) =>
      cases.push({ name, method: "POST", path, headers: { ...FORM, ...headers }, body: form(entries) });
    for (const path of ["/application/o/device/", "/application/o/par/", "/application/o/token/"]) {
      post(`${path} no body`, path, []);
      post(`${path} no auth`, path, [["scope", "openid"]], {});
      post(`${path} long body`, path, [["x", LONG]]);
      cases.push({ name: `${path} json body`, method: "POST", path, headers: { ...JSON_TYPE, ...auth }, body: "{}" });
      cases.push({ name: `${path} no content-type`, method: "POST", path, headers: auth, body: "a=b" });
      for (const bad of ["Basic !!!", "Basic " + btoa(":"), "Basic " + btoa("%zz:%zz"), "Bearer x", "DPoP", "Basic"]) post(`${path} auth ${bad}`, path, [["scope", "openid"]], { Authorization: bad });
      for (const v of NASTY) {
        post(`${path} resource=${v.slice(0, 10)}`, path, [["resource", v], ["grant_type", "client_credentials"], ["response_type", "code"], ["redirect_uri", "https://app.example.com/callback"]]);
        post(`${path} scope=${v.slice(0, 10)}`, path, [["scope", v], ["grant_type", "client_credentials"]]);
        post(`${path} dpop=${v.slice(0, 10)}`, path, [["grant_type", "client_credentials"], ["response_type", "code"], ["redirect_uri", "https://app.example.com/callback"]], { ...auth, DPoP: clean(v) || "x" });
        post(`${path} assertion=${v.slice(0, 10)}`, path, [["grant_type", "client_credentials"], ["client_assertion_type", JWT_BEARER_ASSERTION], ["client_assertion", v], ["client_id", id]], {});
        post(`${path} assertion_type=${v.slice(0, 10)}`, path, [["grant_type", "client_credentials"], ["client_assertion_type", v], ["client_assertion", "a.b.c"]], {});
        post(`${path} dpop_jkt=${v.slice(0, 10)}`, path, [["dpop_jkt", v], ["response_type", "code"], ["redirect_uri", "https://app.example.com/callback"]]);
      }
      post(`${path} repeated params`, path, [["scope", "a"], ["scope", "b"], ["resource", "https://a/"], ["resource", "https://a/"], ["grant_type", "client_credentials"], ["grant_type", "x"]]);
      post(`${path} many resources`, path, Array.from({ length: 50 }, (_, i) => ["resource", `https://r${i}.example/`] as [string, string]));
    }
    for (const v of NASTY) {
      post(`device_code=${v.slice(0, 10)}`, "/application/o/token/", [["grant_type", DEVICE_CODE_GRANT], ["device_code", v]]);
      post(`grant_type=${v.slice(0, 10)}`, "/application/o/token/", [["grant_type", v]]);
      // authentik's machine-to-machine forms and RFC 8693 token exchange.
      post(`app password=${v.slice(0, 10)}`, "/application/o/token/", [["grant_type", "password"], ["client_id", id], ["username", v], ["password", v]], {});
      post(`app password secret=${v.slice(0, 10)}`, "/application/o/token/", [["grant_type", "client_credentials"]], { Authorization: `Basic ${btoa(`${id}:${btoa(String.fromCharCode(...new TextEncoder().encode(`u:${v}`)))}`)}` });
      post(`subject_token=${v.slice(0, 10)}`, "/application/o/token/", [["grant_type", "urn:ietf:params:oauth:grant-type:token-exchange"], ["subject_token", v], ["subject_token_type", v], ["requested_token_type", v], ["audience", v]]);
      cases.push({ name: `userinfo DPoP ${v.slice(0, 10)}`, method: "GET", path: "/application/o/userinfo/", headers: { Authorization: `DPoP ${clean(v)}`.trim(), DPoP: "x.y.z" } });
      cases.push({ name: `authorize request_uri=${v.slice(0, 10)}`, method: "GET", path: `/application/o/authorize/?${form([["client_id", id], ["request_uri", v]])}`, page: true });
      for (const rt of ["id_token", "code id_token token", v]) {
        cases.push({
          name: `authorize ${rt.slice(0, 10)} nonce=${v.slice(0, 10)}`,
          method: "GET",
          path: `/application/o/authorize/?${form([["client_id", id], ["redirect_uri", "https://app.example.com/callback"], ["response_type", rt], ["scope", "openid"], ["nonce", v], ["resource", v], ["dpop_jkt", v], ["response_mode", v], ["login_hint", v], ["prompt", "consent"]])}`,
          page: true,
        });
      }
      cases.push({ name: `/device code=${v.slice(0, 10)}`, method: "GET", path: `/device?${form([["code", v]])}`, page: true });
      cases.push({ name: `/device POST code=${v.slice(0, 10)}`, method: "POST", path: "/device", headers: FORM, body: form([["code", v], ["csrfmiddlewaretoken", browser.jar.get("authentik_csrf")!]]), page: true });
      cases.push({ name: `register client ${v.slice(0, 10)}`, method: "GET", path: `/application/o/register/${encodeURIComponent(v.replace(/[\ud800-\udfff]/g, "")) || "x"}/`, headers: { Authorization: `Bearer ${v.replace(/[\u0000-\u001f\ud800-\udfff]/g, "")}` } });
    }
    const registrations: unknown[] = [null, [], 1, "x", { redirect_uris: "https://a/" }, { redirect_uris: [1] }, { redirect_uris: [LONG] }, { grant_types: "authorization_code" }, { grant_types: [] }, { jwks: { keys: "x" } }, { jwks: [], jwks_uri: 5 }, { token_endpoint_auth_method: "magic" }, { response_types: ["token token"] }, { client_name: { a: 1 } }, { redirect_uris: ["javascript:alert(1)#"] }, { dpop_bound_access_tokens: "yes" }, { contacts: Array(100).fill("a") }, { client_name: "a\u0000b", grant_types: ["client_credentials"] }, { redirect_uris: ["https://a.example/\u0000"] }];
    for (const body of registrations) cases.push({ name: `register ${JSON.stringify(body)?.slice(0, 40)}`, method: "POST", path: "/application/o/register/", headers: JSON_TYPE, body: JSON.stringify(body) });
    for (const raw of ["", "{", "\u0000", LONG, '{"redirect_uris":["https://a/cb"]'] as string[]) cases.push({ name: `register raw ${raw.slice(0, 10)}`, method: "POST", path: "/application/o/register/", headers: JSON_TYPE, body: raw });
    cases.push({ name: "register form body", method: "POST", path: "/application/o/register/", headers: FORM, body: "redirect_uris=x" });
    cases.push({ name: "register PUT unknown", method: "PUT", path: "/application/o/register/abc/", headers: { ...JSON_TYPE, Authorization: "Bearer x" }, body: "[]" });
    cases.push({ name: "register DELETE no auth", method: "DELETE", path: "/application/o/register/abc/" });
    return cases;
  }

  /** Seeded random requests mixing parameter names and nasty values. */
  function random(count: number): Case[] {
    const next = rng(20261123);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
    const names = ["grant_type", "device_code", "client_id", "client_secret", "scope", "resource", "redirect_uri", "response_type", "request_uri", "dpop_jkt", "client_assertion", "client_assertion_type", "code", "code_verifier", "refresh_token", "nonce", "state"];
    const values = [...NASTY, env.clientId, DEVICE_CODE_GRANT, "urn:ietf:params:oauth:grant-type:token-exchange", "urn:ietf:params:oauth:token-type:access_token", "password", "client_credentials", "authorization_code", "refresh_token", JWT_BEARER_ASSERTION, "https://app.example.com/callback", "code id_token", "openid", "eyJhbGciOiJub25lIn0.e30."];
    const paths = ["/application/o/device/", "/application/o/par/", "/application/o/token/"];
    return Array.from({ length: count }, (_, i) => {
      const entries = Array.from({ length: 1 + Math.floor(next() * 8) }, () => [pick(names), pick(values)] as [string, string]);
      const headers: Record<string, string> = { ...FORM };
      if (next() < 0.5) headers.Authorization = pick([basic(env.clientId, env.clientSecret), basic(clean(pick(values)), clean(pick(values))), "Basic =", `Bearer ${clean(pick(values))}`]);
      if (next() < 0.3) headers.DPoP = pick(["a.b.c", "eyJ0eXAiOiJkcG9wK2p3dCJ9.e30.AAAA", "x, y", "..."]);
      return { name: `random #${i}`, method: "POST", path: pick(paths), headers, body: form(entries) };
    });
  }

  it("answers every table case and 300 random requests with a protocol error", async () => {
    const cases = [...table(), ...random(300)];
    const failures: string[] = [];
    for (const c of cases) {
      const res = await browser.request(`${ORIGIN}${c.path}`, { method: c.method, headers: c.headers, ...(c.body !== undefined ? { body: c.body } : {}) });
      const text = await res.text();
      if (res.status >= 500) {
        failures.push(`${c.name}: ${res.status} ${text.slice(0, 200)} ${c.path} ${c.body?.slice(0, 300)}`);
        continue;
      }
      if (c.page || res.status < 400) continue;
      let body: { error?: unknown } = {};
      try {
        body = JSON.parse(text) as { error?: unknown };
      } catch {
        failures.push(`${c.name}: ${res.status} not JSON: ${text.slice(0, 100)}`);
        continue;
      }
      if (typeof body.error !== "string") failures.push(`${c.name}: ${res.status} without an OAuth error`);
      if (res.status === 401 && !res.headers.get("www-authenticate")) failures.push(`${c.name}: 401 without WWW-Authenticate`);
    }
    expect(failures).toEqual([]);
    expect(cases.length).toBeGreaterThan(500);
    const errors = env.deps.logLines.filter((l) => /"level":"error"/.test(l));
    expect(errors).toEqual([]);
  });
});
