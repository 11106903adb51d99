import { describe, expect, it } from "vitest";
import { DEFAULT_BRAND } from "../../src/http/pages/flow/layout.js";
import { renderFlowPage } from "../../src/http/pages/flow/page.js";
import { formToResponse, type Challenge } from "../../src/http/pages/flow/stages.js";

const render = (challenge: Challenge, brand = DEFAULT_BRAND) =>
  renderFlowPage({ challenge, brand, action: "/if/flow/default-authentication-flow/?next=%2F", csrfToken: "csrf123" });

describe("flow pages (server-rendered, no JavaScript)", () => {
  it("renders identification with a labelled username field, passkey autofill hint, CSRF field and links", () => {
    const html = render({
      component: "ak-stage-identification",
      flow_info: { title: "Welcome to Threshold", cancel_url: "/flows/-/cancel/" },
      user_fields: ["username", "email"],
      primary_action: "Log in",
      recovery_url: "/if/flow/default-recovery-flow/",
      enroll_url: "/if/flow/default-enrollment-flow/",
    });
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain("<h1>Welcome to Threshold</h1>");
    expect(html).toContain('<label for="f-uid_field">Username or Email</label>');
    expect(html).toContain('autocomplete="username webauthn"');
    expect(html).toContain('name="csrfmiddlewaretoken" value="csrf123"');
    expect(html).toContain('name="component" value="ak-stage-identification"');
    expect(html).toContain('action="/if/flow/default-authentication-flow/?next=%2F"');
    expect(html).toContain('href="/if/flow/default-recovery-flow/"');
    expect(html).toContain('name="viewport"');
  });

  it("shows field errors accessibly and escapes everything user-controlled", () => {
    const html = render({
      component: "ak-stage-password",
      flow_info: { title: "<script>alert(1)</script>" },
      pending_user: "<b>mallory</b>",
      response_errors: { password: [{ string: "Invalid password", code: "invalid" }] },
    });
    expect(html).not.toContain("<script>alert(1)</script>");
    expect(html).not.toContain("<b>mallory</b>");
    expect(html).toContain("&lt;b&gt;mallory&lt;/b&gt;");
    expect(html).toContain('aria-invalid="true"');
    expect(html).toContain('role="alert"');
    expect(html).toContain("Invalid password");
    expect(html).toContain('autocomplete="current-password"');
  });

  it("applies the brand: title, logo, background and custom CSS (which cannot close its style tag)", () => {
    const html = render(
      { component: "ak-stage-access-denied", flow_info: { title: "Denied", background: "/static/bg.jpg" }, error_message: "You may not" },
      { title: "Acme SSO", logo: "/static/acme.svg", favicon: "/static/f.ico", customCss: ".card{border:2px solid red}</style><script>x</script>" },
    );
    expect(html).toContain("<title>Denied – Acme SSO</title>");
    expect(html).toContain('src="/static/acme.svg"');
    expect(html).toContain('background-image:url(&quot;/static/bg.jpg&quot;)');
    expect(html).toContain(".card{border:2px solid red}");
    expect(html).not.toContain("</style><script>");
    expect(html).toContain("You may not");
  });

  it("renders prompt fields by type", () => {
    const html = render({
      component: "ak-stage-prompt",
      fields: [
        { field_key: "email", label: "Email", type: "email", required: true, order: 1 },
        { field_key: "password", label: "Password", type: "password", required: true, order: 2 },
        { field_key: "locale", label: "Language", type: "dropdown", choices: ["en", "de"], initial_value: "de", order: 3 },
        { field_key: "tos", label: "I agree", type: "checkbox", order: 4 },
      ],
    });
    expect(html).toContain('type="email"');
    expect(html).toContain('autocomplete="new-password"');
    expect(html).toContain('<option value="de" selected="">de</option>');
    expect(html).toContain('type="checkbox" name="tos"');
  });

  it("falls back to a readable message for components that need JavaScript", () => {
    expect(render({ component: "ak-stage-from-the-future" })).toContain("cannot be shown on this page");
  });

  it("turns a submitted form into the executor's JSON response", () => {
    expect(formToResponse({ component: "ak-stage-password", password: "pw", csrfmiddlewaretoken: "x", _username: "u" })).toEqual({ component: "ak-stage-password", password: "pw" });
    expect(formToResponse({ component: "ak-stage-user-login", remember_me: "true" })).toEqual({ component: "ak-stage-user-login", remember_me: true });
  });
});

describe("TOTP setup page", () => {
  it("shows the otpauth URI as an inline SVG QR code and the secret for manual entry", () => {
    const html = renderFlowPage({
      challenge: { component: "ak-stage-authenticator-totp", config_url: "otpauth://totp/Threshold:akadmin?secret=JBSWY3DPEHPK3PXP&issuer=Threshold&digits=6" },
      brand: DEFAULT_BRAND,
      action: "/if/flow/default-authenticator-totp-setup/",
      csrfToken: "t",
    });
    expect(html).toMatch(/<div class="qr" role="img" aria-label="[^"]+"><svg[^>]*viewBox/);
    expect(html).toContain('<code id="totp-secret">JBSWY3DPEHPK3PXP</code>');
    expect(html).toContain('autocomplete="one-time-code"');
  });
});

describe("captcha page", () => {
  it("embeds the Turnstile widget and maps its response field to the stage's token", () => {
    const html = renderFlowPage({
      challenge: { component: "ak-stage-captcha", site_key: "0x4AAA", js_url: "https://challenges.cloudflare.com/turnstile/v0/api.js", interactive: true },
      brand: DEFAULT_BRAND,
      action: "/if/flow/x/",
      csrfToken: "t",
    });
    expect(html).toContain('<div class="cf-turnstile" data-sitekey="0x4AAA" data-response-field-name="token">');
    expect(html).toContain('<script src="https://challenges.cloudflare.com/turnstile/v0/api.js" async="" defer="">');
    expect(formToResponse({ component: "ak-stage-captcha", "cf-turnstile-response": "tok" })).toEqual({ component: "ak-stage-captcha", token: "tok" });
  });
});
