/**
 * The Node host's HTTP server (src/node/server.ts) over real HTTP: the headers every response
 * carries are set on the outgoing response by the host (`Deps.setResponseHeader`) rather than on
 * the app's Response, so they must still reach every kind of response, exactly once.
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NodeServer } from "../../src/node/server.js";
import { createOAuth2Provider } from "../../src/protocols/oauth2/settings.js";
import { startTestNodeHost, type TestNodeHost } from "../support/node-host.js";

/** One request with node:http, keeping raw header lines (to count repeats). */
function send(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; raw: string[]; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? "GET", headers: init.headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode!, raw: res.rawHeaders, body }));
    });
    req.on("error", reject);
    req.end(init.body);
  });
}

/** Every value of header `name` (case-insensitive) in raw header lines. */
function values(raw: string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) out.push(raw[i + 1]!);
  return out;
}

describe("Node host HTTP server", () => {
  let server: NodeServer;
  let host: TestNodeHost;
  let client: { id: string; secret: string };

  beforeAll(async () => {
    host = await startTestNodeHost("node-host", { env: { THRESHOLD_LOG_LEVEL: "warn" } });
    server = host.server;
    const flow = await server.deps.store.flows.bySlug("default-provider-authorization-implicit-consent");
    const created = await createOAuth2Provider(server.deps, { name: "M2M", authorizationFlowPk: flow!.pk, settings: { redirect_uris: [{ matching_mode: "strict", url: "https://rp.example.com/cb" }] } });
    await server.deps.store.oauth2.createApplication({ name: "M2M", slug: "m2m", providerPk: created.provider.pk });
    client = { id: created.clientId, secret: created.clientSecret };
  }, 120_000);
  afterAll(async () => {
    await host?.close();
  });

  it("puts the request id, nosniff and Referrer-Policy on every kind of response, once each", async () => {
    const basic = `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString("base64")}`;
    const form = { "Content-Type": "application/x-www-form-urlencoded" };
    const responses = [
      await send(`${server.url}/-/health/live/`), // JSON
      await send(`${server.url}/nope/`), // HTML error page
      await send(`${server.url}/`), // redirect
      await send(`${server.url}/application/o/token/`, { method: "POST", headers: form, body: "grant_type=client_credentials" }), // OAuth error
      await send(`${server.url}/application/o/token/`, { method: "POST", headers: { ...form, Authorization: basic }, body: "grant_type=client_credentials&scope=openid" }), // tokens
      await send(`${server.url}/api/v3/core/users/`), // the lazily built API's own response
      await send(`${server.url}/application/o/m2m/.well-known/openid-configuration`),
    ];
    expect(responses.map((r) => r.status)).toEqual([200, 404, 302, 401, 200, 401, 200]);
    for (const { raw } of responses) {
      expect(values(raw, "x-content-type-options")).toEqual(["nosniff"]);
      expect(values(raw, "referrer-policy")).toEqual(["same-origin"]);
      expect(values(raw, "x-request-id")).toHaveLength(1);
      expect(values(raw, "x-request-id")[0]).toMatch(/^[0-9a-f-]{36}$/);
    }
    // The token response: RFC 6749 §5.1's headers, from the app's own Response.
    const tokens = responses[4]!;
    expect(values(tokens.raw, "cache-control")).toEqual(["no-store"]);
    expect(values(tokens.raw, "pragma")).toEqual(["no-cache"]);
    expect(values(tokens.raw, "content-type")).toEqual(["application/json"]);
    expect(JSON.parse(tokens.body)).toMatchObject({ token_type: "Bearer", scope: "openid", expires_in: expect.any(Number) });
    expect(values(responses[3]!.raw, "www-authenticate")).toHaveLength(1);
  });

  it("keeps a well-formed incoming X-Request-Id and replaces a malformed one", async () => {
    const kept = await send(`${server.url}/-/health/live/`, { headers: { "X-Request-Id": "proxy-req-12345" } });
    expect(values(kept.raw, "x-request-id")).toEqual(["proxy-req-12345"]);
    const replaced = await send(`${server.url}/nope/`, { headers: { "X-Request-Id": "<script>" } });
    expect(values(replaced.raw, "x-request-id")).toHaveLength(1);
    expect(values(replaced.raw, "x-request-id")[0]).not.toBe("<script>");
    expect(replaced.body).toContain(values(replaced.raw, "x-request-id")[0]); // the error page shows the same id
  });
});
