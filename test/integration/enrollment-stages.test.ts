import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TURNSTILE } from "../../src/flows/stages/captcha.js";
import type { User } from "../../src/ports/store.js";
import { createApplication, enrollmentEnv, patchPlanContext, type EnrollmentEnv } from "../support/enrollment.js";
import { seedFlow } from "../support/flows.js";

const HOUR = 3_600_000;

describe("consent, captcha and redirect stages (PGlite, executor API)", () => {
  let env: EnrollmentEnv;
  let user: User;
  let app: string;
  beforeAll(async () => {
    env = await enrollmentEnv({ blueprints: false });
    user = await env.deps.store.users.create({ username: "ivy" });
    app = await createApplication(env.deps, "app-one");
  });
  afterAll(async () => {
    await env.deps.queue.drain();
    await env.deps.store.close();
  });

  describe("consent", () => {
    const perms = (...ids: string[]) => ids.map((id) => ({ id, name: `Access ${id}` }));

    /** dummy → consent; the context a protocol handler would plan with is put in after the dummy. */
    async function reachConsent(slug: string, permissions: ReturnType<typeof perms>) {
      const c = env.client();
      expect((await c.get(slug)).body.component).toBe("ak-stage-dummy");
      await patchPlanContext(env.deps, c, slug, { application: app, consent_permissions: permissions, pending_user: user.pk });
      return { c, reply: await c.post(slug, { component: "ak-stage-dummy" }) };
    }

    async function consentFlow(slug: string, config: Record<string, unknown>) {
      await seedFlow(env.deps, { slug, designation: "authorization", stages: [{ type: "dummy" }, { type: "consent", config }] });
    }

    it("permanent: asks once, then only for new permissions; the token must match", async () => {
      await consentFlow("consent-permanent", { mode: "permanent" });
      const { c, reply } = await reachConsent("consent-permanent", perms("openid", "email"));
      expect(reply.body).toMatchObject({ component: "ak-stage-consent", permissions: perms("openid", "email"), additional_permissions: [] });
      const wrong = await c.post("consent-permanent", { component: "ak-stage-consent", token: "forged" });
      expect(wrong.body.response_errors).toMatchObject({ token: [{ code: "invalid" }] });
      const done = await c.post("consent-permanent", { component: "ak-stage-consent", token: reply.body.token });
      expect(done.body.component).toBe("xak-flow-redirect");

      const skipped = await reachConsent("consent-permanent", perms("openid"));
      expect(skipped.reply.body.component).toBe("xak-flow-redirect");

      const more = await reachConsent("consent-permanent", perms("openid", "email", "profile"));
      expect(more.reply.body).toMatchObject({ permissions: perms("openid", "email"), additional_permissions: perms("profile") });
      await more.c.post("consent-permanent", { component: "ak-stage-consent", token: more.reply.body.token });
      expect((await env.deps.store.enrollment.consentOf(user.pk, app, env.deps.clock.now()))?.permissions.sort()).toEqual(["email", "openid", "profile"]);
    });

    it("always_require: asks every time and stores nothing", async () => {
      const app2 = await createApplication(env.deps, "app-two");
      await seedFlow(env.deps, { slug: "consent-always", designation: "authorization", stages: [{ type: "dummy" }, { type: "consent", config: { mode: "always_require" } }] });
      for (let i = 0; i < 2; i++) {
        const c = env.client();
        await c.get("consent-always");
        await patchPlanContext(env.deps, c, "consent-always", { application: app2, consent_permissions: perms("openid"), pending_user: user.pk });
        const r = await c.post("consent-always", { component: "ak-stage-dummy" });
        expect(r.body.component).toBe("ak-stage-consent");
        expect((await c.post("consent-always", { component: "ak-stage-consent", token: r.body.token })).body.component).toBe("xak-flow-redirect");
      }
      expect(await env.deps.store.enrollment.consentOf(user.pk, app2, env.deps.clock.now())).toBeNull();
    });

    it("expiring: remembered until consent_expire_in has passed", async () => {
      const app3 = await createApplication(env.deps, "app-three");
      await seedFlow(env.deps, { slug: "consent-expiring", designation: "authorization", stages: [{ type: "dummy" }, { type: "consent", config: { mode: "expiring", consent_expire_in: "hours=1" } }] });
      const step = async () => {
        const c = env.client();
        await c.get("consent-expiring");
        await patchPlanContext(env.deps, c, "consent-expiring", { application: app3, consent_permissions: perms("openid"), pending_user: user.pk });
        return { c, r: await c.post("consent-expiring", { component: "ak-stage-dummy" }) };
      };
      const first = await step();
      expect(first.r.body.component).toBe("ak-stage-consent");
      await first.c.post("consent-expiring", { component: "ak-stage-consent", token: first.r.body.token });
      env.deps.clock.advance(HOUR / 2);
      expect((await step()).r.body.component).toBe("xak-flow-redirect");
      env.deps.clock.advance(HOUR);
      expect((await step()).r.body.component).toBe("ak-stage-consent");
    });

    it("without an application in the context there is nothing to ask", async () => {
      await consentFlow("consent-noapp", { mode: "always_require" });
      const c = env.client();
      await c.get("consent-noapp");
      expect((await c.post("consent-noapp", { component: "ak-stage-dummy" })).body.component).toBe("xak-flow-redirect");
    });
  });

  describe("captcha (Turnstile via an injected fetch)", () => {
    const calls: URLSearchParams[] = [];
    beforeAll(async () => {
      const fake: typeof fetch = async (input, init) => {
        expect(String(input)).toBe(TURNSTILE.api_url);
        const body = new URLSearchParams(String(init?.body));
        calls.push(body);
        const token = body.get("response");
        if (token === "slow") throw new DOMException("The operation timed out.", "TimeoutError");
        if (token === "broken") return new Response("oops", { status: 502 });
        const verdict = token === "good" ? { success: true } : token === "low" ? { success: true, score: 0.1 } : { success: false, "error-codes": ["invalid-input-response"] };
        return Response.json(verdict);
      };
      Object.assign(env.deps, { fetch: fake });
      await seedFlow(env.deps, {
        slug: "captcha-flow",
        stages: [{ type: "captcha", config: { public_key: "site-key", private_key: "secret-key", ...TURNSTILE, interactive: true } }, { type: "dummy" }],
      });
    });

    it("shows the site key, fails closed on a rejected, low-score, broken or slow verification, passes a good token", async () => {
      const c = env.client({ "CF-Connecting-IP": "203.0.113.9" });
      expect((await c.get("captcha-flow")).body).toMatchObject({ component: "ak-stage-captcha", site_key: "site-key", js_url: TURNSTILE.js_url, interactive: true });
      expect(JSON.stringify((await c.get("captcha-flow")).body)).not.toContain("secret-key");
      for (const token of ["bad", "low", "broken", "slow"]) {
        const r = await c.post("captcha-flow", { component: "ak-stage-captcha", token });
        expect(r.body, token).toMatchObject({ component: "ak-stage-captcha", response_errors: { token: [{ code: "invalid" }] } });
      }
      expect((await c.post("captcha-flow", { component: "ak-stage-captcha", token: "good" })).body.component).toBe("ak-stage-dummy");
      expect(calls.at(-1)).toEqual(new URLSearchParams({ secret: "secret-key", response: "good", remoteip: "203.0.113.9" }));
    });
  });

  describe("redirect (flow mode)", () => {
    it("sends the user to the target flow with the original query; never to itself", async () => {
      const target = await seedFlow(env.deps, { slug: "redirect-target", stages: [{ type: "dummy" }] });
      await seedFlow(env.deps, { slug: "redirect-source", stages: [{ type: "redirect", config: { mode: "flow", target_flow: target.flow.pk } }] });
      const r = await env.client().get("redirect-source", "next=/if/user/&itoken=abc");
      expect(r.body).toEqual({ component: "xak-flow-redirect", to: "/if/flow/redirect-target/?next=%2Fif%2Fuser%2F&itoken=abc" });

      const loop = await seedFlow(env.deps, { slug: "redirect-loop", stages: [{ type: "dummy" }] });
      const self = await seedFlow(env.deps, { slug: "redirect-self", stages: [{ type: "redirect", config: { mode: "flow", target_flow: loop.flow.pk } }] });
      await env.deps.store.flows.createBinding({ targetPk: loop.flow.pk, stagePk: self.stages[0]!.pk, order: 5 });
      expect((await env.client().get("redirect-loop")).body).toMatchObject({ component: "ak-stage-access-denied" });
    });

    it("keep_context hands the plan context (the identified user) to the target flow", async () => {
      await env.deps.store.users.create({ username: "kim", passwordHash: await env.deps.passwords.hash("kims password") });
      const finish = await seedFlow(env.deps, { slug: "finish-login", stages: [{ type: "password" }, { type: "user_login" }] });
      const start = (keep: boolean) =>
        seedFlow(env.deps, {
          slug: `identify-then-redirect-${keep}`,
          stages: [{ type: "identification", config: { user_fields: ["username"] } }, { type: "redirect", config: { mode: "flow", target_flow: finish.flow.pk, keep_context: keep } }],
        });
      await start(true);
      await start(false);

      const c = env.client();
      await c.get("identify-then-redirect-true");
      const hop = await c.post("identify-then-redirect-true", { component: "ak-stage-identification", uid_field: "kim" });
      expect(hop.body).toEqual({ component: "xak-flow-redirect", to: "/if/flow/finish-login/" });
      expect((await c.get("finish-login")).body).toMatchObject({ component: "ak-stage-password", pending_user: "kim" });
      expect((await c.post("finish-login", { component: "ak-stage-password", password: "kims password" })).body.component).toBe("xak-flow-redirect");

      const d = env.client();
      await d.get("identify-then-redirect-false");
      await d.post("identify-then-redirect-false", { component: "ak-stage-identification", uid_field: "kim" });
      const without = await d.get("finish-login");
      expect(without.body).not.toMatchObject({ pending_user: "kim" });
    });
  });
});
