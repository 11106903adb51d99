import { raw } from "hono/html";
import { renderSVG } from "uqr";
import { CodeForm, Errors, Field, Message, PendingUser, StageForm, str, type Challenge, type FormProps } from "./fields.js";
import { AuthenticatorValidate, AuthenticatorWebAuthn, WebAuthnCeremony } from "./webauthn-views.js";

export type { Challenge, FormProps } from "./fields.js";
export { formToResponse, parseWebAuthnFields } from "./form-data.js";

const USER_FIELD_LABEL: Record<string, string> = { username: "Username", email: "Email", upn: "UPN" };

function Identification({ c, form }: { c: Challenge; form: FormProps }) {
  const fields = (Array.isArray(c.user_fields) ? c.user_fields : ["username"]) as string[];
  const label = fields.map((f) => USER_FIELD_LABEL[f] ?? f).join(" or ");
  const errors = c.response_errors ?? {};
  return (
    <>
      {c.application_pre ? <p>Log in to continue to {str(c.application_pre)}.</p> : null}
      <Errors errors={errors.non_field_errors} />
      <StageForm {...form} component="ak-stage-identification" submit={str(c.primary_action) || "Log in"}>
        {/* autocomplete "username webauthn" lets browsers offer passkeys (conditional UI). */}
        <Field name="uid_field" label={label} autocomplete="username webauthn" required autofocus errors={errors.uid_field} type={fields.length === 1 && fields[0] === "email" ? "email" : "text"} value={c.pending_user_identifier ? str(c.pending_user_identifier) : undefined} />
        {c.password_fields ? <Field name="password" label="Password" type="password" autocomplete="current-password" required errors={errors.password} /> : null}
      </StageForm>
      {c.passkey_challenge ? <WebAuthnCeremony mode="autofill" field="passkey" form="stage-form" options={c.passkey_challenge} /> : null}
      <div class="links">
        {c.recovery_url ? <a href={str(c.recovery_url)}>Forgot username or password?</a> : null}
        {c.enroll_url ? <a href={str(c.enroll_url)}>Sign up</a> : null}
      </div>
    </>
  );
}

function Password({ c, form, cancelUrl }: { c: Challenge; form: FormProps; cancelUrl?: string }) {
  const errors = c.response_errors ?? {};
  return (
    <>
      <PendingUser c={c} cancelUrl={cancelUrl} />
      <Errors errors={errors.non_field_errors} />
      <StageForm {...form} component="ak-stage-password">
        {/* Hidden username helps password managers associate the credential. */}
        <input type="text" name="_username" autocomplete="username" value={str(c.pending_user)} hidden readonly />
        <Field name="password" label="Password" type="password" autocomplete="current-password" required autofocus errors={errors.password} />
      </StageForm>
      <div class="links">{c.recovery_url ? <a href={str(c.recovery_url)}>Forgot password?</a> : null}</div>
    </>
  );
}

interface PromptField {
  field_key: string;
  label: string;
  type: string;
  required?: boolean;
  placeholder?: string;
  initial_value?: string;
  sub_text?: string;
  choices?: string[] | null;
}

const PROMPT_INPUT: Record<string, { type: string; autocomplete?: string }> = {
  text: { type: "text" },
  username: { type: "text", autocomplete: "username" },
  email: { type: "email", autocomplete: "email" },
  password: { type: "password", autocomplete: "new-password" },
  number: { type: "number" },
  date: { type: "date" },
  "date-time": { type: "datetime-local" },
  hidden: { type: "hidden" },
};

function PromptInput({ f, errors }: { f: PromptField; errors?: { string: string }[] }) {
  const id = `f-${f.field_key}`;
  if (f.type === "separator") return <hr />;
  if (f.type === "static") return <p>{f.initial_value ?? ""}</p>;
  if (f.type === "hidden") return <input type="hidden" name={f.field_key} value={f.initial_value ?? ""} />;
  if (f.type === "text_read_only") return <Field name={f.field_key} label={f.label} value={f.initial_value} errors={errors} help={f.sub_text} />;
  if (f.type === "text_area") {
    return (
      <div>
        <label for={id}>{f.label}</label>
        <textarea id={id} name={f.field_key} required={f.required} placeholder={f.placeholder}>{f.initial_value ?? ""}</textarea>
        <Errors errors={errors} />
      </div>
    );
  }
  if (f.type === "checkbox") {
    return (
      <div>
        <label>
          <input type="checkbox" name={f.field_key} value="true" checked={f.initial_value === "true"} /> {f.label}
        </label>
        <Errors errors={errors} />
      </div>
    );
  }
  if (f.type === "dropdown" || f.type === "radio-button-group") {
    return (
      <div>
        <label for={id}>{f.label}</label>
        <select id={id} name={f.field_key} required={f.required}>
          {(f.choices ?? []).map((choice) => (
            <option value={choice} selected={choice === f.initial_value}>{choice}</option>
          ))}
        </select>
        <Errors errors={errors} />
      </div>
    );
  }
  const input = PROMPT_INPUT[f.type] ?? { type: "text" };
  return <Field name={f.field_key} label={f.label} type={input.type} autocomplete={input.autocomplete} value={f.initial_value} required={f.required} placeholder={f.placeholder} errors={errors} help={f.sub_text} />;
}

function Prompt({ c, form }: { c: Challenge; form: FormProps }) {
  const fields = ((c.fields ?? []) as PromptField[]).slice().sort((a, b) => ((a as { order?: number }).order ?? 0) - ((b as { order?: number }).order ?? 0));
  const errors = c.response_errors ?? {};
  return (
    <>
      <Errors errors={errors.non_field_errors} />
      <StageForm {...form} component="ak-stage-prompt">
        {fields.map((f) => (
          <PromptInput f={f} errors={errors[f.field_key]} />
        ))}
      </StageForm>
    </>
  );
}

/** The widget class each captcha provider's script looks for (its response field name differs too). */
function captchaWidget(jsUrl: string): string {
  if (jsUrl.includes("challenges.cloudflare.com")) return "cf-turnstile";
  if (jsUrl.includes("hcaptcha.com")) return "h-captcha";
  return "g-recaptcha";
}

/** Captcha: the provider's widget (its own script; captchas cannot work without JavaScript). */
function Captcha({ c, form }: { c: Challenge; form: FormProps }) {
  const errors = c.response_errors ?? {};
  const jsUrl = str(c.js_url);
  return (
    <>
      <PendingUser c={c} />
      <Errors errors={errors.token ?? errors.non_field_errors} />
      <StageForm {...form} component="ak-stage-captcha">
        <div class={captchaWidget(jsUrl)} data-sitekey={str(c.site_key)} data-response-field-name="token" />
        <noscript>
          <p class="alert">This step needs JavaScript to prove you are not a robot.</p>
        </noscript>
      </StageForm>
      {jsUrl.startsWith("https://") ? <script src={jsUrl} async defer /> : null}
    </>
  );
}

/** The secret from an otpauth:// URI, for people who type it into their app by hand. */
function totpSecret(configUrl: string): string {
  try {
    return new URL(configUrl).searchParams.get("secret") ?? "";
  } catch {
    return "";
  }
}

function TotpSetup({ c, form }: { c: Challenge; form: FormProps }) {
  const url = str(c.config_url);
  const errors = c.response_errors ?? {};
  // The QR code is an inline SVG made on the server: no script, no image request.
  const svg = url ? renderSVG(url, { border: 2 }) : "";
  return (
    <>
      <p>Scan this code with your authenticator app, then enter the code it shows.</p>
      <div class="qr" role="img" aria-label="QR code for your authenticator app">{raw(svg)}</div>
      <p class="help">
        Can't scan? Enter this key: <code id="totp-secret">{totpSecret(url)}</code>
      </p>
      <Errors errors={errors.non_field_errors} />
      <StageForm {...form} component="ak-stage-authenticator-totp">
        <input type="hidden" name="config_url" value={url} />
        <Field name="code" label="Code" autocomplete="one-time-code" inputmode="numeric" required autofocus errors={errors.code} />
      </StageForm>
    </>
  );
}

/** Renders one challenge as an HTML form (no JavaScript needed, except for WebAuthn). */
export function StageView(props: { challenge: Challenge; form: FormProps; cancelUrl?: string; qrSvg?: string }) {
  const c = props.challenge;
  const form = props.form;
  switch (c.component) {
    case "ak-stage-identification":
      return <Identification c={c} form={form} />;
    case "ak-stage-password":
      return <Password c={c} form={form} cancelUrl={props.cancelUrl} />;
    case "ak-stage-prompt":
      return <Prompt c={c} form={form} />;
    case "ak-stage-authenticator-validate":
      return <AuthenticatorValidate c={c} form={form} />;
    case "ak-stage-authenticator-webauthn":
      return <AuthenticatorWebAuthn c={c} form={form} />;
    case "ak-stage-captcha":
      return <Captcha c={c} form={form} />;
    case "ak-stage-authenticator-totp":
      return <TotpSetup c={c} form={form} />;
    case "ak-stage-authenticator-email":
      return <CodeForm c={c} form={form} component="ak-stage-authenticator-email" label="Code from your email" />;
    case "ak-stage-access-denied":
      return <Message text={str(c.error_message) || "Access denied."} alert />;
    case "ak-stage-flow-error":
      return <Message text={str(c.error) || "Something went wrong. Please start again."} alert />;
    case "ak-stage-email":
      return <Message text="Check your email: we sent you a link to continue." />;
    case "ak-stage-dummy":
      return <StageForm {...form} component="ak-stage-dummy"><span /></StageForm>;
    case "ak-stage-user-login":
      return (
        <StageForm {...form} component="ak-stage-user-login" submit="Continue">
          <label><input type="checkbox" name="remember_me" value="true" /> Stay signed in</label>
        </StageForm>
      );
    case "ak-stage-authenticator-static":
      return (
        <>
          <p>Save these recovery codes somewhere safe. Each works once.</p>
          <ul class="codes">{((c.codes ?? []) as string[]).map((code) => <li>{code}</li>)}</ul>
          <StageForm {...form} component="ak-stage-authenticator-static" submit="I have saved the codes"><span /></StageForm>
        </>
      );
    case "ak-stage-consent":
      return (
        <>
          <p>{str(c.header_text)}</p>
          <ul>{((c.permissions ?? []) as { name: string }[]).map((p) => <li>{p.name}</li>)}</ul>
          <StageForm {...form} component="ak-stage-consent" submit="Continue">
            <input type="hidden" name="token" value={str(c.token)} />
          </StageForm>
        </>
      );
    default:
      return <Message text="This step cannot be shown on this page. Please use a current browser with JavaScript enabled." alert />;
  }
}
