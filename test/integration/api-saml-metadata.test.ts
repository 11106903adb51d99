/**
 * `providers/saml/import_metadata/` and `providers/saml/{id}/refresh_metadata/`: an admin creates
 * a SAML provider from the metadata a real SP library writes (node-saml's
 * generateServiceProviderMetadata), uploaded as authentik's admin does (multipart `file`) or sent
 * as JSON, and later re-reads it when the SP moves its ACS. Bad input is a 400 with field errors.
 */
import { generateServiceProviderMetadata } from "@node-saml/node-saml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyDefaultBlueprints } from "../../src/adapters/postgres/blueprints.js";
import type { DrizzleStore } from "../../src/adapters/postgres/store.js";
import { createApp } from "../../src/app.js";
import { ADMIN_TOKEN, apiHarness, READER_TOKEN, type ApiHarness } from "../support/api.js";
import { opensslKeyPair } from "../support/saml.js";

describe("admin API: SAML providers from SP metadata", () => {
  let h: ApiHarness;
  let flowPk: string;
  const sp = opensslKeyPair("mellon.example.com");
  const metadata = (acs: string) =>
    generateServiceProviderMetadata({
      issuer: "https://app.example.com/saml",
      callbackUrl: acs,
      logoutCallbackUrl: "https://app.example.com/saml/logout",
      identifierFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
      publicCerts: sp.cert,
      decryptionCert: sp.cert,
      privateKey: sp.key,
      decryptionPvk: sp.key,
      wantAssertionsSigned: true,
    });

  beforeAll(async () => {
    h = await apiHarness();
    await applyDefaultBlueprints((h.deps.store as DrizzleStore).db, { env: () => undefined });
    flowPk = (await h.deps.store.flows.bySlug("default-provider-authorization-implicit-consent"))!.pk;
  });
  afterAll(async () => {
    await h.deps.queue.drain();
    await h.deps.store.close();
  });

  it("imports an uploaded metadata file (multipart, as authentik's admin sends it) and refreshes it later", async () => {
    const form = new FormData();
    form.set("name", "App via metadata");
    form.set("authorization_flow", flowPk);
    form.set("file", new File([metadata("https://app.example.com/saml/acs")], "sp-metadata.xml", { type: "application/xml" }));
    const res = await createApp().request("/api/v3/providers/saml/import_metadata/", { method: "POST", headers: { Authorization: `Bearer ${ADMIN_TOKEN}` }, body: form }, h.deps);
    expect(res.status, await res.clone().text()).toBe(201);
    const { pk } = (await res.json()) as { pk: number };

    const shown = (await (await h.call("GET", `/api/v3/providers/saml/${pk}/`)).json()) as Record<string, unknown>;
    expect(shown).toMatchObject({
      name: "App via metadata",
      acs_url: "https://app.example.com/saml/acs",
      audience: "https://app.example.com/saml",
      sls_url: "https://app.example.com/saml/logout",
      default_name_id_policy: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
    });
    // The SP's certificates became key pairs: its encryption certificate encrypts assertions.
    expect(shown.encryption_kp).toBeTruthy();

    const moved = await h.call("POST", `/api/v3/providers/saml/${pk}/refresh_metadata/`, { body: { metadata: metadata("https://app.example.com/saml/acs-v2") } });
    expect(moved.status).toBe(200);
    expect(((await (await h.call("GET", `/api/v3/providers/saml/${pk}/`)).json()) as { acs_url: string }).acs_url).toBe("https://app.example.com/saml/acs-v2");
    const events = (await h.deps.store.events.list({ limit: 50 })).filter((e) => (e.context.model as { pk?: number } | undefined)?.pk === pk);
    expect(events.map((e) => e.action).sort()).toEqual(["model_created", "model_updated"]);
  });

  it("refuses what is not usable: no metadata, not metadata, a non-http URL, an unknown flow, a read-only admin", async () => {
    const base = { name: "bad", authorization_flow: flowPk };
    const none = await h.call("POST", "/api/v3/providers/saml/import_metadata/", { body: base });
    expect(none.status).toBe(400);
    expect(await none.json()).toHaveProperty("file");
    const garbage = await h.call("POST", "/api/v3/providers/saml/import_metadata/", { body: { ...base, metadata: "<html>not metadata</html>" } });
    expect(garbage.status).toBe(400);
    const file = await h.call("POST", "/api/v3/providers/saml/import_metadata/", { body: { ...base, metadata_url: "file:///etc/passwd" } });
    expect(file.status).toBe(400);
    const flow = await h.call("POST", "/api/v3/providers/saml/import_metadata/", { body: { ...base, authorization_flow: crypto.randomUUID(), metadata: metadata("https://x.example/acs") } });
    expect(flow.status).toBe(400);
    expect(await flow.json()).toHaveProperty("authorization_flow");
    const reader = await h.call("POST", "/api/v3/providers/saml/import_metadata/", { token: READER_TOKEN, body: { ...base, metadata: metadata("https://x.example/acs") } });
    expect(reader.status).toBe(403);
  });
});
