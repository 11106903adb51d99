import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { makeTestDeps, type TestDeps } from "../support/app-deps.js";
import { FlowClient, seedAuthenticationFlow } from "../support/flows.js";

/** Pulls a hidden input's value out of a rendered page. */
function hidden(html: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!m) throw new Error(`no ${name} in page`);
  return m[1]!;
}

describe("flow pages at /if/flow/<slug>/ (HTML forms, no JavaScript)", () => {
  let deps: TestDeps;
  const app = createApp();

  beforeAll(async () => {
    deps = await makeTestDeps();
    await seedAuthenticationFlow(deps, { slug: "page-login" });
    await deps.store.users.create({ username: "paula", email: "paula@example.com", passwordHash: await deps.passwords.hash("correct horse") });
  });
  afterAll(async () => {
    await deps.queue.drain();
    await deps.store.close();
  });

  const browser = () => new FlowClient(app, () => deps);
  const post = (b: FlowClient, path: string, fields: Record<string, string>) =>
    b.request(path, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(fields).toString() });

  it("logs in through the forms with post/redirect/get, landing on ?next", async () => {
    const b = browser();
    const path = "/if/flow/page-login/?next=%2Fif%2Fuser%2F%23apps";
    const first = await b.request(path);
    expect(first.status).toBe(200);
    expect(first.headers.get("content-type")).toContain("text/html");
    expect(first.headers.get("x-frame-options")).toBe("DENY");
    const html = await first.text();
    expect(html).toContain('name="uid_field"');
    const csrf = hidden(html, "csrfmiddlewaretoken");

    const afterUid = await post(b, path, { component: "ak-stage-identification", uid_field: "paula", csrfmiddlewaretoken: csrf });
    expect(afterUid.status).toBe(303);
    expect(afterUid.headers.get("location")).toBe(path);
    const passwordPage = await (await b.request(path)).text();
    expect(passwordPage).toContain('autocomplete="current-password"');
    expect(passwordPage).toContain("paula");

    const wrong = await post(b, path, { component: "ak-stage-password", password: "nope", csrfmiddlewaretoken: csrf });
    expect(wrong.status).toBe(200);
    const wrongHtml = await wrong.text();
    expect(wrongHtml).toContain('aria-invalid="true"');

    const done = await post(b, path, { component: "ak-stage-password", password: "correct horse", csrfmiddlewaretoken: csrf });
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe("/if/user/#apps");
    expect(b.jar.get("authentik_session")).toBeTruthy();
  });

  it("refuses a form without the CSRF token with a readable page, not a 500", async () => {
    const b = browser();
    await b.request("/if/flow/page-login/");
    const res = await post(b, "/if/flow/page-login/", { component: "ak-stage-identification", uid_field: "paula" });
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(await res.text()).toContain("The form has expired");
  });

  it("answers an unknown flow with a 404 page", async () => {
    const res = await browser().request("/if/flow/no-such-flow/");
    expect(res.status).toBe(404);
    expect(await res.text()).toMatch(/Flow not found|This flow does not exist/);
  });

  it("uses the brand for the request host", async () => {
    const html = await (await browser().request("/if/flow/page-login/")).text();
    expect(html).toContain("<title>Title of page-login – Threshold</title>");
  });
});
