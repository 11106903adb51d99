/**
 * Admin API operations beyond CRUD: the user portal's policy-filtered application list with
 * launch URLs, an OAuth2 client secret shown once, flow diagram and binding reorder, the event
 * log's filters and volume chart, outposts (own listing by token, health), key pairs (import with
 * a key check, generate) and the dashboard summary.
 */
import * as x509 from "../../src/protocols/saml/x509.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyDefaultBlueprints } from "../../src/adapters/postgres/blueprints.js";
import type { DrizzleStore } from "../../src/adapters/postgres/store.js";
import { apiHarness, type ApiHarness, READER_TOKEN, USER_TOKEN } from "../support/api.js";

type Page<T = Record<string, unknown>> = { pagination: { count: number }; results: T[] };

describe("admin API: operations", () => {
  let h: ApiHarness;
  const json = async <T = Record<string, unknown>>(res: Promise<Response>, status = 200): Promise<T> => {
    const r = await res;
    const text = await r.text();
    expect(r.status, text).toBe(status);
    return JSON.parse(text) as T;
  };
  beforeAll(async () => {
    h = await apiHarness();
    await applyDefaultBlueprints((h.deps.store as DrizzleStore).db, { env: () => undefined });
  });
  afterAll(async () => {
    await h.deps.queue.drain();
    await h.deps.store.close();
  });

  it("applications: the portal list holds only apps the user may access, with launch_url; the client secret is shown once", async () => {
    const authz = (await json<Page>(h.call("GET", "/api/v3/flows/instances/?designation=authorization"))).results[0]!.pk as string;
    const provider = await json<{ pk: number; client_id: string; client_secret: string }>(
      h.call("POST", "/api/v3/providers/oauth2/", { body: { name: "grafana", authorization_flow: authz, redirect_uris: [{ url: "https://grafana.example/login/generic_oauth" }] } }),
      201,
    );
    expect(provider.client_secret).toMatch(/^[A-Za-z0-9]{128}$/);
    expect(provider.client_id).toMatch(/^[A-Za-z0-9]{40}$/);
    const again = await json<Record<string, unknown>>(h.call("GET", `/api/v3/providers/oauth2/${provider.pk}/`));
    expect(again).not.toHaveProperty("client_secret");
    expect(JSON.stringify(again)).not.toContain(provider.client_secret);
    const group = await json<{ pk: string }>(h.call("POST", "/api/v3/core/groups/", { body: { name: "grafana-users", users: [h.userPk] } }), 201);
    const app = await json<{ pk: string; launch_url: string }>(h.call("POST", "/api/v3/core/applications/", { body: { name: "Grafana", slug: "grafana", provider: provider.pk } }), 201);
    expect(app.launch_url).toBe("https://grafana.example");
    await json(h.call("POST", "/api/v3/core/applications/", { body: { name: "Wiki", slug: "wiki", meta_launch_url: "https://wiki.example/" } }), 201);
    await json(h.call("POST", "/api/v3/policies/bindings/", { body: { target: app.pk, group: group.pk, order: 0 } }), 201);
    const mine = await json<Page<{ slug: string; launch_url: string }>>(h.call("GET", "/api/v3/core/applications/?superuser_full_list=false", { token: USER_TOKEN }));
    expect(mine.results.map((a) => [a.slug, a.launch_url])).toEqual([["grafana", "https://grafana.example"], ["wiki", "https://wiki.example/"]]);
    const reader = await json<Page<{ slug: string }>>(h.call("GET", "/api/v3/core/applications/", { token: READER_TOKEN }));
    expect(reader.results.map((a) => a.slug)).toEqual(["wiki"]);
    const full = await json<Page<{ slug: string }>>(h.call("GET", "/api/v3/core/applications/?superuser_full_list=true"));
    expect(full.results.map((a) => a.slug).sort()).toEqual(["grafana", "wiki"]);
    // SAML apps launch IdP-initiated; proxy providers generate their OAuth2 client (secret once) and validate their mode.
    const saml = await json<{ pk: number }>(h.call("POST", "/api/v3/providers/saml/", { body: { name: "sp", authorization_flow: authz, acs_url: "https://sp.example/acs" } }), 201);
    const samlApp = await json<{ launch_url: string }>(h.call("POST", "/api/v3/core/applications/", { body: { name: "SP", slug: "sp", provider: saml.pk } }), 201);
    expect(samlApp.launch_url).toBe("/application/saml/sp/sso/binding/init/");
    const badProxy = await h.call("POST", "/api/v3/providers/proxy/", { body: { name: "px", authorization_flow: authz, external_host: "https://px.example", mode: "proxy" } });
    expect(await badProxy.json()).toEqual({ internal_host: ["required in proxy mode"] });
    const proxy = await json<{ pk: number; client_secret: string; redirect_uris: { url: string }[] }>(
      h.call("POST", "/api/v3/providers/proxy/", { body: { name: "px", authorization_flow: authz, external_host: "https://px.example", mode: "forward_single" } }),
      201,
    );
    expect(proxy.client_secret).toHaveLength(128);
    expect(proxy.redirect_uris[0]!.url).toBe("https://px.example/outpost.goauthentik.io/callback");
    const moved = await json<{ redirect_uris: { url: string }[]; client_id: string }>(h.call("PATCH", `/api/v3/providers/proxy/${proxy.pk}/`, { body: { external_host: "https://moved.example" } }));
    expect(moved.redirect_uris[0]!.url).toBe("https://moved.example/outpost.goauthentik.io/callback");
    expect(JSON.stringify(moved)).not.toMatch(/client_secret|cookie_secret/);
    // A provider serves one application.
    const dup = await h.call("POST", "/api/v3/core/applications/", { body: { name: "Other", slug: "other", provider: provider.pk } });
    expect(Object.keys(await dup.json())).toEqual(["provider"]);
  });

  it("flows: the diagram lists stages in order with their policies; reorder renumbers in one step", async () => {
    const flow = "default-authentication-flow";
    const d = await json<{ diagram: string; stages: { binding: string; order: number; name: string }[] }>(h.call("GET", `/api/v3/flows/instances/${flow}/diagram/`));
    expect(d.diagram.startsWith("graph TD")).toBe(true);
    expect(d.stages.length).toBeGreaterThan(1);
    expect(d.stages.map((s) => s.order)).toEqual([...d.stages.map((s) => s.order)].sort((a, b) => a - b));
    for (const s of d.stages) expect(d.diagram).toContain(s.name);
    const target = (await json<{ pk: string }>(h.call("GET", `/api/v3/flows/instances/${flow}/`))).pk;
    const reversed = d.stages.map((s) => s.binding).reverse();
    const out = await json<{ pk: string; order: number }[]>(h.call("POST", "/api/v3/flows/bindings/reorder/", { body: { target, bindings: reversed } }));
    expect(out.map((b) => b.pk)).toEqual(reversed);
    expect(out.map((b) => b.order)).toEqual(reversed.map((_, i) => (i + 1) * 10));
    const partial = await h.call("POST", "/api/v3/flows/bindings/reorder/", { body: { target, bindings: reversed.slice(1) } });
    expect(Object.keys(await partial.json())).toEqual(["bindings"]);
    expect((await h.call("POST", "/api/v3/flows/bindings/reorder/", { token: READER_TOKEN, body: { target, bindings: reversed } })).status).toBe(403);
  });

  it("events: filters by action, user and date; volume counts per day and action", async () => {
    const now = h.deps.clock.now();
    await h.deps.store.events.create({ action: "login", user: { pk: 7, username: "eve" }, clientIp: "10.1.1.1", expires: new Date(now.getTime() + 86_400_000) });
    await h.deps.store.events.create({ action: "login_failed", user: { username: "eve" }, clientIp: "10.1.1.1", expires: new Date(now.getTime() + 86_400_000) });
    await h.deps.store.events.create({ action: "login_failed", user: { username: "mallory" }, expires: new Date(now.getTime() + 86_400_000) });
    const failed = await json<Page<{ action: string; user: { username: string } }>>(h.call("GET", "/api/v3/events/events/?action=login_failed&username=eve"));
    expect(failed.results.map((e) => [e.action, e.user.username])).toEqual([["login_failed", "eve"]]);
    const both = await json<Page>(h.call("GET", "/api/v3/events/events/?actions=login,login_failed"));
    expect(both.pagination.count).toBe(3);
    const future = await json<Page>(h.call("GET", `/api/v3/events/events/?created__gte=${encodeURIComponent(new Date(Date.now() + 86_400_000).toISOString())}`));
    expect(future.pagination.count).toBe(0);
    const volume = await json<{ action: string; time: string; count: number }[]>(h.call("GET", "/api/v3/events/events/volume/?history_days=7&action=login&action=login_failed"));
    const day = new Date().toISOString().slice(0, 10);
    expect(volume.filter((v) => v.time.startsWith(day)).map((v) => [v.action, v.count]).sort()).toEqual([["login", 1], ["login_failed", 2]]);
    expect((await h.call("GET", "/api/v3/events/events/", { token: USER_TOKEN })).status).toBe(403);
  });

  it("outposts: creating one makes a token whose key lists just that outpost; health follows its calls", async () => {
    const ldap = await json<{ pk: number }>(h.call("POST", "/api/v3/providers/ldap/", { body: { name: "directory" } }), 201);
    const outpost = await json<{ pk: string; token_identifier: string; providers: number[] }>(h.call("POST", "/api/v3/outposts/instances/", { body: { name: "ldap-1", type: "ldap", providers: [ldap.pk] } }), 201);
    expect(outpost.providers).toEqual([ldap.pk]);
    const wrongType = await h.call("POST", "/api/v3/outposts/instances/", { body: { name: "proxy-1", type: "proxy", providers: [ldap.pk] } });
    expect(Object.keys(await wrongType.json())).toEqual(["providers"]);
    const health0 = await json<{ healthy: boolean; last_seen: string | null }[]>(h.call("GET", `/api/v3/outposts/instances/${outpost.pk}/health/`));
    expect(health0[0]).toMatchObject({ healthy: false, last_seen: null });
    const { key } = await json<{ key: string }>(h.call("GET", `/api/v3/core/tokens/${outpost.token_identifier}/view_key/`));
    const own = await json<Page<{ pk: string }>>(h.call("GET", "/api/v3/outposts/instances/", { token: key }));
    expect(own.results.map((o) => o.pk)).toEqual([outpost.pk]);
    // The outpost reads the directory (authentik grants its service account view_user/view_group) but writes nothing.
    expect((await h.call("GET", "/api/v3/core/users/?page_size=1000", { token: key })).status).toBe(200);
    expect((await h.call("POST", "/api/v3/core/groups/", { token: key, body: { name: "x" } })).status).toBe(403);
    const health = await json<{ healthy: boolean }[]>(h.call("GET", `/api/v3/outposts/instances/${outpost.pk}/health/`));
    expect(health[0]!.healthy).toBe(true);
    const system = await json<{ counts: { outposts: number; applications: number }; outposts: { pk: string; healthy: boolean }[] }>(h.call("GET", "/api/v3/admin/system/", { token: READER_TOKEN }));
    expect(system.outposts.find((o) => o.pk === outpost.pk)?.healthy).toBe(true);
    expect(system.counts.outposts).toBe(1);
    expect((await h.call("GET", "/api/v3/admin/system/", { token: USER_TOKEN })).status).toBe(403);
  });

  it("key pairs: import checks the key belongs to the certificate; generate makes a self-signed pair", async () => {
    const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
    const make = async () => {
      const keys = (await crypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
      const cert = await x509.X509CertificateGenerator.createSelfSigned({ serialNumber: "01", name: "CN=imported.example", notBefore: new Date(), notAfter: new Date(Date.now() + 86_400_000 * 30), signingAlgorithm: alg, keys });
      const pkcs8 = Buffer.from(await crypto.subtle.exportKey("pkcs8", keys.privateKey)).toString("base64");
      return { cert: cert.toString("pem"), key: `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)!.join("\n")}\n-----END PRIVATE KEY-----\n` };
    };
    const a = await make();
    const b = await make();
    const mismatch = await h.call("POST", "/api/v3/crypto/certificatekeypairs/", { body: { name: "bad", certificate_data: a.cert, key_data: b.key } });
    expect(await mismatch.json()).toEqual({ key_data: ["The private key does not belong to the certificate."] });
    const garbage = await h.call("POST", "/api/v3/crypto/certificatekeypairs/", { body: { name: "bad", certificate_data: "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----" } });
    expect(Object.keys(await garbage.json())).toEqual(["certificate_data"]);
    const ok = await json<{ private_key_available: boolean; cert_subject: string; key_type: string; fingerprint_sha256: string; kid: string }>(
      h.call("POST", "/api/v3/crypto/certificatekeypairs/", { body: { name: "imported", certificate_data: a.cert, key_data: a.key } }),
      201,
    );
    expect(ok).toMatchObject({ private_key_available: true, cert_subject: "CN=imported.example", key_type: "ec" });
    expect(ok.fingerprint_sha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const gen = await json<{ certificate_data: string; private_key_available: boolean }>(h.call("POST", "/api/v3/crypto/certificatekeypairs/generate/", { body: { common_name: "generated", alg: "ecdsa" } }), 201);
    expect(gen.private_key_available).toBe(true);
    expect(new x509.X509Certificate(gen.certificate_data).subject).toBe("CN=generated");
    const listed = await json<Page<Record<string, unknown>>>(h.call("GET", "/api/v3/crypto/certificatekeypairs/"));
    expect(JSON.stringify(listed)).not.toMatch(/PRIVATE KEY|key_data_wrapped|keyDataWrapped/);
    // authentik's has_key: true → pairs with a private key, false → certificates only.
    await json(h.call("POST", "/api/v3/crypto/certificatekeypairs/", { body: { name: "cert-only", certificate_data: a.cert } }), 201);
    const withKey = await json<Page<{ name: string; private_key_available: boolean }>>(h.call("GET", "/api/v3/crypto/certificatekeypairs/?has_key=true"));
    expect(withKey.results.length).toBeGreaterThan(0);
    expect(withKey.results.every((k) => k.private_key_available)).toBe(true);
    const certOnly = await json<Page<{ name: string; private_key_available: boolean }>>(h.call("GET", "/api/v3/crypto/certificatekeypairs/?has_key=false"));
    expect(certOnly.results.map((k) => [k.name, k.private_key_available])).toEqual([["cert-only", false]]);
  });

  it("key pairs: rotate/ promotes the published next key and publishes a new one, twice in the same instant", async () => {
    // Grafana (an OAuth2 application made above) publishes the install keys in its JWKS.
    const jwks = async () => (await (await h.call("GET", "/application/o/grafana/jwks/")).json()) as { keys: { kid: string }[] };
    const first = await json<{ current: string; next: string; promoted: { from: string; to: string } }>(h.call("POST", "/api/v3/crypto/certificatekeypairs/rotate/"));
    expect(first.promoted.to).toBe(first.current);
    const second = await json<{ current: string; next: string; promoted: { from: string; to: string } }>(h.call("POST", "/api/v3/crypto/certificatekeypairs/rotate/"));
    expect(second.promoted).toMatchObject({ from: first.current, to: first.next });
    const kids = (await jwks()).keys.map((k) => k.kid);
    // The retired key stays published until its tokens expire; the new next key is published before use.
    expect(kids).toEqual(expect.arrayContaining([first.current, second.current, second.next]));
  });
});
