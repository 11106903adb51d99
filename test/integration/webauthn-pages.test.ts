import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { renderFlowPage } from "../../src/http/pages/flow/page.js";
import { DEFAULT_BRAND } from "../../src/http/pages/flow/layout.js";
import { formToResponse, parseWebAuthnFields } from "../../src/http/pages/flow/stages.js";
import { WEBAUTHN_CLIENT_HASH, WEBAUTHN_CLIENT_JS } from "../../src/http/pages/flow/webauthn-client.generated.js";
import { renderClientModule } from "../../scripts/build-webauthn-client.js";
import { readFileSync } from "node:fs";
import { makeTestDeps } from "../support/app-deps.js";
import { fileURLToPath } from "node:url";

const render = (challenge: Record<string, unknown>) =>
  renderFlowPage({ challenge: { component: "x", ...challenge } as never, brand: DEFAULT_BRAND, action: "/if/flow/x/", csrfToken: "t" });

describe("WebAuthn in the flow pages", () => {
  it("serves the bundled script with its content hash and a long cache", async () => {
    const app = createApp();
    const deps = await makeTestDeps();
    const res = await app.request(`/static/dist/webauthn.js?v=${WEBAUTHN_CLIENT_HASH}`, {}, deps);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/javascript/);
    expect(res.headers.get("cache-control")).toContain("immutable");
    expect(await res.text()).toBe(WEBAUTHN_CLIENT_JS);
    const again = await app.request("/static/dist/webauthn.js", { headers: { "If-None-Match": `"${WEBAUTHN_CLIENT_HASH}"` } }, deps);
    expect(again.status).toBe(304);
    await deps.store.close();
  });

  it("keeps the generated bundle in step with webauthn-client.ts", async () => {
    const file = fileURLToPath(new URL("../../src/http/pages/flow/webauthn-client.generated.ts", import.meta.url));
    expect(readFileSync(file, "utf8")).toBe(await renderClientModule());
  });

  it("renders registration, validation and passkey autofill with inert options JSON", () => {
    const reg = render({ component: "ak-stage-authenticator-webauthn", registration: { challenge: "abc", rp: { name: "</script><b>" } } });
    expect(reg).toContain('data-mode="register"');
    expect(reg).toContain('data-field="response"');
    expect(reg).toContain(`/static/dist/webauthn.js?v=${WEBAUTHN_CLIENT_HASH}`);
    expect(reg).not.toContain("</script><b>");

    const validate = render({ component: "ak-stage-authenticator-validate", device_challenges: [{ device_class: "webauthn", device_uid: "1", challenge: { challenge: "abc" } }] });
    expect(validate).toContain('data-mode="authenticate"');
    expect(validate).toContain('name="webauthn"');
    expect(validate).not.toContain('name="code"');

    const ident = render({ component: "ak-stage-identification", user_fields: ["username"], passkey_challenge: { challenge: "abc" } });
    expect(ident).toContain('data-mode="autofill"');
    expect(ident).toContain('autocomplete="username webauthn"');
    expect(render({ component: "ak-stage-identification", user_fields: ["username"] })).not.toContain("data-webauthn");
  });

  it("turns posted WebAuthn JSON strings back into objects", () => {
    const out = parseWebAuthnFields(formToResponse({ component: "ak-stage-identification", passkey: '{"id":"a"}', uid_field: "", webauthn: "" }));
    // the empty username field posted along with an autofilled passkey is dropped: the passkey names the user
    expect(out).toEqual({ component: "ak-stage-identification", passkey: { id: "a" } });
  });
});
