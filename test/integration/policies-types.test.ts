/** One test group per policy type, through the engine on PGlite (real bindings, real events). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordLoginFailure, recordLoginSuccess, reputationScore } from "../../src/policies/reputation.js";
import { makePolicyHarness, uniq } from "../support/policies.js";

type Harness = Awaited<ReturnType<typeof makePolicyHarness>>;

/** A fake HIBP range API: knows SHA-1("password") → 3,861,493 hits; `mode` simulates outages. */
let hibpMode: "ok" | "hang" | "error" = "ok";
const hibpCalls: string[] = [];
const fakeFetch: typeof fetch = async (input, init) => {
  const url = String(input);
  hibpCalls.push(url);
  if (hibpMode === "error") return new Response("nope", { status: 503 });
  if (hibpMode === "hang") {
    return new Promise((_, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal!.reason)));
  }
  // sha1("password") = 5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8
  const body = url.endsWith("/5BAA6")
    ? "0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n1E4C9B93F3F0682250B6CF8331B7EE68FD8:3861493\r\n"
    : "0018A45C4D1DEF81644B54AB7F969B88D65:0\r\n";
  return new Response(body);
};

let h: Harness;
beforeAll(async () => {
  h = await makePolicyHarness({ fetch: fakeFetch });
});
afterAll(async () => {
  await h?.deps.store.close();
});

const expr = (expression: string, extra: Record<string, unknown> = {}) => ({ policy: { type: "expression", config: { expression } }, ...extra });

describe("expression (CEL)", () => {
  it("sees the user, http request, context and object", async () => {
    const user = await h.user({ username: `ada-${uniq()}`, attributes: { level: 3, tags: ["x"] } });
    const pk = await h.target([
      expr(
        'request.user.username.startsWith("ada-") && request.user.is_active && request.user.attributes.level >= 3 && ' +
          '"x" in request.user.attributes.tags && request.http_request.client_ip == "203.0.113.7" && ' +
          'request.http_request.path.startsWith("/if/flow/") && request.context.geoip.country == "CH" && ' +
          'request.context.flow_slug == "login" && request.obj.slug == "grafana"',
      ),
    ]);
    const req = h.request({
      user,
      http: { ...h.request().http, country: "CH" },
      context: { flow_slug: "login" },
      obj: { model: "application", pk: "a", slug: "grafana" },
    });
    expect((await h.engine.evaluate(pk, req)).passing).toBe(true);
    expect((await h.engine.evaluate(pk, { ...req, user: null })).passing).toBe(false);
  });

  it("ak_is_group_member follows nested groups; ak_message adds messages", async () => {
    const admins = await h.deps.store.groups.create({ name: `admins-${uniq()}` });
    const ops = await h.deps.store.groups.create({ name: `ops-${uniq()}`, parentPks: [admins.pk] });
    const member = await h.user();
    await h.deps.store.groups.addMember(ops.pk, member.pk);
    const outsider = await h.user();
    const pk = await h.target([
      expr(`ak_is_group_member("${admins.name}") && ak_is_group_member(request.user, "${ops.name}") && ak_message("welcome")`),
    ]);
    expect(await h.engine.evaluate(pk, h.request({ user: member }))).toEqual({ passing: true, messages: ["welcome"] });
    expect(await h.engine.evaluate(pk, h.request({ user: outsider }))).toEqual({ passing: false, messages: [] });
    const deny = await h.target([expr('ak_message("Access denied for " + request.user.username) && false')]);
    expect((await h.engine.evaluate(deny, h.request({ user: outsider }))).messages).toEqual([
      `Access denied for ${outsider.username}`,
    ]);
  });

  it("fails (failure_result) when the result is not a bool or the expression is invalid", async () => {
    for (const e of ['"yes"', "1 + 1", "request.nope", "(((", "request.user.username +"]) {
      const pk = await h.target([expr(e, { failureResult: false }), expr("true", { failureResult: false, negate: true })]);
      expect((await h.engine.evaluate(pk, h.request())).passing, e).toBe(false);
    }
  });

  it("cannot reach globals", async () => {
    for (const e of ["process.env.HOME != ''", "globalThis != null", 'fetch("https://example.com") == null', "constructor == null", 'request.constructor.name == "Object"', "__threshold_probe()"]) {
      const pk = await h.target([expr(e, { failureResult: false })]);
      expect((await h.engine.evaluate(pk, h.request())).passing, e).toBe(false);
    }
    const events = await h.deps.store.events.list({ limit: 20, action: "policy_exception" });
    expect(events.some((e) => /Unknown variable: process|process/.test(JSON.stringify(e.context)))).toBe(true);
  });

  it("stops runaway expressions by budget, well within the binding timeout", async () => {
    const list = `[${Array.from({ length: 400 }, (_, i) => i).join(",")}]`;
    const heavy = [
      // 400^3 = 64M iterations without a budget
      `${list}.map(a, ${list}.map(b, ${list}.map(c, a + b + c))).size() > 0`,
      // doubling lists: 2^30 elements without size caps
      `[[1]]${".map(x, x + x)".repeat(30)}.size() > 0`,
      // a huge expression
      Array.from({ length: 3000 }, () => "true").join(" && "),
      // catastrophic backtracking regex
      '"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!".matches("(a+)+$")',
    ];
    for (const e of heavy) {
      const pk = await h.target([expr(e, { failureResult: true, timeout: 5 })], "all");
      const started = performance.now();
      expect((await h.engine.evaluate(pk, h.request())).passing, e.slice(0, 40)).toBe(true);
      expect(performance.now() - started).toBeLessThan(2000);
    }
  });

  it("allows ordinary regexes and comprehensions", async () => {
    const pk = await h.target([expr('request.http_request.user_agent.matches("^vi[a-z]+$") && [1, 2, 3].exists(x, x == 2)')]);
    expect((await h.engine.evaluate(pk, h.request())).passing).toBe(true);
  });
});

describe("password", () => {
  const pw = (config: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ policy: { type: "password", config }, ...extra });
  const withPassword = (password: string, field = "password") => h.request({ context: { prompt_data: { [field]: password } } });

  it("checks length and character classes with the configured message", async () => {
    const pk = await h.target([
      pw({ length_min: 8, amount_uppercase: 1, amount_lowercase: 1, amount_digits: 1, amount_symbols: 1, error_message: "too weak" }),
    ]);
    expect(await h.engine.evaluate(pk, withPassword("Abcdef1!"))).toEqual({ passing: true, messages: [] });
    for (const bad of ["Abcde1!", "abcdef1!", "ABCDEF1!", "Abcdefg!", "Abcdefg1"]) {
      expect(await h.engine.evaluate(pk, withPassword(bad)), bad).toEqual({ passing: false, messages: ["too weak"] });
    }
    expect(await h.engine.evaluate(pk, h.request())).toEqual({ passing: false, messages: ["Password not set in context"] });
    const field = await h.target([pw({ length_min: 3, password_field: "new_password" })]);
    expect((await h.engine.evaluate(field, withPassword("abcd", "new_password"))).passing).toBe(true);
  });

  it("HIBP: sends only a 5-char SHA-1 prefix and counts hits", async () => {
    hibpMode = "ok";
    hibpCalls.length = 0;
    const pk = await h.target([pw({ check_have_i_been_pwned: true, hibp_allowed_count: 0 })]);
    expect(await h.engine.evaluate(pk, withPassword("password"))).toEqual({
      passing: false,
      messages: ["Password exists on 3861493 online lists."],
    });
    expect(hibpCalls).toEqual(["https://api.pwnedpasswords.com/range/5BAA6"]);
    expect((await h.engine.evaluate(pk, withPassword("correct horse battery staple 93"))).passing).toBe(true);
    const lenient = await h.target([pw({ check_have_i_been_pwned: true, hibp_allowed_count: 5_000_000 })]);
    expect((await h.engine.evaluate(lenient, withPassword("password"))).passing).toBe(true);
  });

  it("HIBP outage: fail-open by default, fail-closed when configured", async () => {
    const open = await h.target([pw({ check_have_i_been_pwned: true, hibp_timeout_ms: 100 })]);
    const closed = await h.target([pw({ check_have_i_been_pwned: true, hibp_timeout_ms: 100, hibp_fail_open: false })]);
    for (const mode of ["hang", "error"] as const) {
      hibpMode = mode;
      const started = performance.now();
      expect((await h.engine.evaluate(open, withPassword("password"))).passing, mode).toBe(true);
      expect((await h.engine.evaluate(closed, withPassword("password"))).passing, mode).toBe(false);
      expect(performance.now() - started).toBeLessThan(1500);
    }
    hibpMode = "ok";
  });

  it("zxcvbn: fails weak passwords at or below the threshold with feedback", async () => {
    const pk = await h.target([pw({ check_zxcvbn: true })]);
    const weak = await h.engine.evaluate(pk, withPassword("password1"));
    expect(weak.passing).toBe(false);
    expect(weak.messages.length).toBeGreaterThan(0);
    expect((await h.engine.evaluate(pk, withPassword("vK7#pq9!Lm2@zR4x"))).passing).toBe(true);
  });
});

describe("password_expiry", () => {
  it("fails after `days` on the hand-moved clock", async () => {
    const user = await h.user();
    await h.deps.store.users.setPassword(user.pk, "x", h.deps.clock.now());
    const fresh = (await h.deps.store.users.byPk(user.pk))!;
    const pk = await h.target([{ policy: { type: "password_expiry", config: { days: 30 } } }]);
    const deny = await h.target([{ policy: { type: "password_expiry", config: { days: 30, deny_only: true } } }]);
    expect((await h.engine.evaluate(pk, h.request({ user: fresh }))).passing).toBe(true);
    h.deps.clock.advance(29 * 86_400_000);
    expect((await h.engine.evaluate(pk, h.request({ user: fresh }))).passing).toBe(true);
    h.deps.clock.advance(3 * 86_400_000);
    expect(await h.engine.evaluate(pk, h.request({ user: fresh }))).toEqual({
      passing: false,
      messages: ["Password expired 2 days ago. Please update your password."],
    });
    expect(await h.engine.evaluate(deny, h.request({ user: fresh }))).toEqual({ passing: false, messages: ["Password has expired."] });
    expect((await h.engine.evaluate(pk, h.request())).passing).toBe(true);
  });
});

describe("reputation", () => {
  it("counts failures and successes per IP and username, clamped to ±5, expiring", async () => {
    const username = `mallory-${uniq()}`;
    const ip = `198.51.100.${Math.floor(Math.random() * 250)}`;
    const subject = { ip, username };
    const policy = await h.target([{ policy: { type: "reputation", config: {} } }]);
    const req = h.request({ http: { ...h.request().http, ip }, context: { pending_user: { username } } });

    expect((await h.engine.evaluate(policy, req)).passing).toBe(false);
    for (let i = 0; i < 4; i++) await recordLoginFailure(h.deps.cache, subject);
    expect(await reputationScore(h.deps.cache, subject, { checkIp: true, checkUsername: true })).toBe(-4);
    expect((await h.engine.evaluate(policy, req)).passing).toBe(false);
    for (let i = 0; i < 10; i++) await recordLoginFailure(h.deps.cache, subject);
    expect(await h.deps.cache.get(`reputation:ip:${ip}`)).toBe(-5);
    expect(await h.deps.cache.get(`reputation:username:${username}`)).toBe(-5);
    expect((await h.engine.evaluate(policy, req)).passing).toBe(true);

    // Another IP trying the same username: the username score still counts.
    const elsewhere = await h.target([{ policy: { type: "reputation", config: { check_ip: false } } }]);
    expect((await h.engine.evaluate(elsewhere, { ...req, http: { ...req.http, ip: "192.0.2.1" } })).passing).toBe(true);
    const ipOnly = await h.target([{ policy: { type: "reputation", config: { check_username: false, threshold: -6 } } }]);
    expect((await h.engine.evaluate(ipOnly, req)).passing).toBe(false);

    await recordLoginSuccess(h.deps.cache, subject);
    expect(await reputationScore(h.deps.cache, subject, { checkIp: true, checkUsername: true })).toBe(-4);
    expect(await h.deps.cache.ttl(`reputation:ip:${ip}`)).toBeGreaterThan(0);
    h.deps.clock.advance(86_401_000);
    expect(await reputationScore(h.deps.cache, subject, { checkIp: true, checkUsername: true })).toBe(0);
  });
});

describe("event_matcher", () => {
  it("matches the context event on every configured field", async () => {
    const event = { action: "login_failed", app: "threshold", clientIp: "192.0.2.9", context: { model: { app: "authentik_core", model_name: "user" } } };
    const match = async (config: Record<string, unknown>, ev: unknown = event) =>
      (await h.engine.evaluate(await h.target([{ policy: { type: "event_matcher", config } }]), h.request({ context: ev ? { event: ev } : {} })));
    expect(await match({ action: "login_failed", client_ip: "192.0.2.9" })).toEqual({
      passing: true,
      messages: ["Action matched.", "Client IP matched."],
    });
    expect((await match({ action: "login" })).passing).toBe(false);
    expect((await match({ model: "authentik_core.user", app: "threshold" })).passing).toBe(true);
    expect((await match({ model: "authentik_core.group" })).passing).toBe(false);
    expect((await match({})).passing).toBe(true);
    expect((await match({ action: "login_failed" }, null)).passing).toBe(false);
  });
});

describe("geoip", () => {
  const geo = (config: Record<string, unknown>, extra: Record<string, unknown> = {}) => h.target([{ policy: { type: "geoip", config }, ...extra }]);
  const from = (country: string | null, asn: number | null = null) => h.request({ http: { ...h.request().http, country, asn } });

  it("passes allowed countries or ASNs", async () => {
    const pk = await geo({ countries: ["ch", "DE"], asns: [13335] });
    expect((await h.engine.evaluate(pk, from("CH", 1))).passing).toBe(true);
    expect((await h.engine.evaluate(pk, from("US", 13335))).passing).toBe(true);
    expect(await h.engine.evaluate(pk, from("US", 1))).toEqual({
      passing: false,
      messages: ["Client IP is not part of an allowed autonomous system.", "Client IP is not in an allowed country."],
    });
    expect((await h.engine.evaluate(await geo({ countries: ["CH"] }), h.request({ context: { geoip: { country: "CH" } } }))).passing).toBe(true);
  });

  it("missing data: error → failure_result (default), or fail/pass when configured", async () => {
    expect((await h.engine.evaluate(await geo({ countries: ["CH"] }, { failureResult: true }), from(null))).passing).toBe(true);
    expect((await h.engine.evaluate(await geo({ countries: ["CH"] }), from("XX"))).passing).toBe(false);
    expect((await h.engine.evaluate(await geo({ countries: ["CH"], missing_data: "pass" }), from(null))).passing).toBe(true);
    expect((await h.engine.evaluate(await geo({ countries: ["CH"], missing_data: "fail" }, { failureResult: true }), from(null))).passing).toBe(false);
  });
});
