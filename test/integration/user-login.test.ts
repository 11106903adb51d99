import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { sha256Hex } from "../../src/core/encoding.js";
import { makeTestDeps, type TestDeps } from "../support/app-deps.js";
import { FlowClient, seedAuthenticationFlow } from "../support/flows.js";

describe("user_login: remember me", () => {
  let deps: TestDeps;
  const app = createApp();
  beforeAll(async () => {
    deps = await makeTestDeps();
    await seedAuthenticationFlow(deps, { slug: "remember", userLogin: { session_duration: "hours=1", remember_me_offset: "days=30" } });
    await deps.store.users.create({ username: "rita", passwordHash: await deps.passwords.hash("ritas password") });
  });
  afterAll(async () => {
    await deps.queue.drain();
    await deps.store.close();
  });

  async function reachLogin(c: FlowClient) {
    await c.get("remember");
    await c.post("remember", { component: "ak-stage-identification", uid_field: "rita" });
    return c.post("remember", { component: "ak-stage-password", password: "ritas password" });
  }

  it("asks 'stay signed in?' and extends the session by remember_me_offset", async () => {
    const c = new FlowClient(app, () => deps);
    const ask = await reachLogin(c);
    expect(ask.body.component).toBe("ak-stage-user-login");
    const done = await c.post("remember", { component: "ak-stage-user-login", remember_me: true });
    expect(done.body).toEqual({ component: "xak-flow-redirect", to: "/if/user/" });
    const setCookie = done.headers.getSetCookie().find((h) => h.startsWith("authentik_session="))!;
    const maxAge = Number(/Max-Age=(\d+)/i.exec(setCookie)![1]);
    expect(maxAge).toBeGreaterThan(30 * 86400);
    const session = await deps.store.sessions.byKeyHash(await sha256Hex(c.jar.get("authentik_session")!));
    const hours = (session!.expires.getTime() - deps.clock.now().getTime()) / 3_600_000;
    expect(Math.round(hours)).toBe(30 * 24 + 1);
  });

  it("without the tick the session lasts session_duration", async () => {
    const c = new FlowClient(app, () => deps);
    await reachLogin(c);
    await c.post("remember", { component: "ak-stage-user-login", remember_me: false });
    const session = await deps.store.sessions.byKeyHash(await sha256Hex(c.jar.get("authentik_session")!));
    expect(Math.round((session!.expires.getTime() - deps.clock.now().getTime()) / 3_600_000)).toBe(1);
  });
});

describe("user_login: terminate_other_sessions", () => {
  let deps: TestDeps;
  const app = createApp();
  beforeAll(async () => {
    deps = await makeTestDeps();
    await seedAuthenticationFlow(deps, { slug: "only-here", userLogin: { terminate_other_sessions: true } });
    await deps.store.users.create({ username: "tess", passwordHash: await deps.passwords.hash("tess password") });
  });
  afterAll(async () => {
    await deps.queue.drain();
    await deps.store.close();
  });

  async function logIn() {
    const c = new FlowClient(app, () => deps);
    await c.get("only-here");
    await c.post("only-here", { component: "ak-stage-identification", uid_field: "tess" });
    const done = await c.post("only-here", { component: "ak-stage-password", password: "tess password" });
    expect(done.body).toEqual({ component: "xak-flow-redirect", to: "/if/user/" });
    return sha256Hex(c.jar.get("authentik_session")!);
  }

  it("logs the user out everywhere else", async () => {
    const first = await logIn();
    expect(await deps.store.sessions.byKeyHash(first)).not.toBeNull();
    const second = await logIn();
    expect(await deps.store.sessions.byKeyHash(second)).not.toBeNull();
    expect(await deps.store.sessions.byKeyHash(first)).toBeNull();
  });
});
