import type { Child } from "hono/jsx";
import { raw } from "hono/html";
import { renderSVG } from "uqr";
import { WEBAUTHN_SCRIPT_URL } from "../../routes/static.js";

/** A challenge as the executor returns it (authentik's JSON). */
export type Challenge = { component: string; response_errors?: Record<string, { string: string; code: string }[]> } & Record<string, unknown>;

/** Form plumbing shared by every stage form. */
export interface FormProps {
  action: string;
  csrfToken: string;
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");

function Errors(props: { errors?: { string: string }[]; id?: string }) {
  if (!props.errors?.length) return null;
  return (
    <ul class="errors" id={props.id} role="alert">
      {props.errors.map((e) => (
        <li>{e.string}</li>
      ))}
    </ul>
  );
}

function StageForm(props: FormProps & { component: string; children: Child; submit?: string; id?: string }) {
  return (
    <form method="post" action={props.action} id={props.id ?? "stage-form"}>
      <input type="hidden" name="component" value={props.component} />
      <input type="hidden" name="csrfmiddlewaretoken" value={props.csrfToken} />
      {props.children}
      <button type="submit">{props.submit ?? "Continue"}</button>
    </form>
  );
}

function Field(props: {
  name: string;
  label: string;
  type?: string;
  autocomplete?: string;
  value?: string;
  required?: boolean;
  placeholder?: string;
  errors?: { string: string }[];
  autofocus?: boolean;
  inputmode?: "numeric" | "text" | "email";
  help?: string;
}) {
  const id = `f-${props.name}`;
  const errId = props.errors?.length ? `${id}-errors` : undefined;
  return (
    <div>
      <label for={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? "text"}
        autocomplete={props.autocomplete}
        value={props.value}
        required={props.required}
        placeholder={props.placeholder}
        autofocus={props.autofocus}
        inputmode={props.inputmode}
        aria-invalid={errId ? "true" : undefined}
        aria-describedby={errId}
      />
      {props.help ? <p class="help">{props.help}</p> : null}
      <Errors errors={props.errors} id={errId} />
    </div>
  );
}

function PendingUser(props: { c: Challenge; cancelUrl?: string }) {
  const user = str(props.c.pending_user);
  if (!user) return null;
  return (
    <div class="user">
      <span>{user}</span>
      {props.cancelUrl ? <a href={props.cancelUrl}>Not you?</a> : null}
    </div>
  );
}

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
        <Field name="uid_field" label={label} autocomplete="username webauthn" required autofocus errors={errors.uid_field} type={fields.length === 1 && fields[0] === "email" ? "email" : "text"} />
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

function CodeForm({ c, form, component, label }: { c: Challenge; form: FormProps; component: string; label: string }) {
  const errors = c.response_errors ?? {};
  return (
    <>
      <PendingUser c={c} />
      <Errors errors={errors.non_field_errors} />
      <StageForm {...form} component={component}>
        <Field name="code" label={label} autocomplete="one-time-code" inputmode="numeric" required autofocus errors={errors.code} />
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

function Message({ text, alert }: { text: string; alert?: boolean }) {
  return alert ? <div class="alert" role="alert">{text}</div> : <p>{text}</p>;
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

// --- WebAuthn (the one place the flow pages use JavaScript: /static/dist/webauthn.js) -----------

/** Form fields that carry WebAuthn results as JSON strings (see webauthn-client.ts). */
const WEBAUTHN_FIELDS = ["response", "webauthn", "passkey"] as const;

/** Turns the WebAuthn fields of a {@link formToResponse} result from JSON strings into objects. */
export function parseWebAuthnFields(out: Record<string, unknown>): Record<string, unknown> {
  for (const key of WEBAUTHN_FIELDS) {
    const v = out[key];
    if (typeof v !== "string") continue;
    if (v === "") delete out[key];
    else if (v.startsWith("{")) {
      try {
        out[key] = JSON.parse(v) as unknown;
      } catch {
        // left as a string: the stage's response schema rejects it
      }
    }
  }
  // A passkey picked from autofill is posted with the (empty) username field: the passkey names the user.
  if (out.passkey !== undefined && out.uid_field === "") delete out.uid_field;
  return out;
}

/** Options JSON for the page script, inert (`<` escaped so it cannot end the element). */
function WebAuthnCeremony(props: { mode: "register" | "authenticate" | "autofill"; field: string; form: string; options: unknown }) {
  const json = JSON.stringify(props.options).replace(/</g, "\\u003c");
  return (
    <>
      <script type="application/json" data-webauthn="" data-mode={props.mode} data-field={props.field} data-form={props.form}>{raw(json)}</script>
      <script src={WEBAUTHN_SCRIPT_URL} defer></script>
    </>
  );
}

function WebAuthnStatus(props: { label: string }) {
  return (
    <>
      <p class="alert" id="webauthn-error" role="alert" hidden></p>
      <noscript><p class="alert">Passkeys and security keys need JavaScript.</p></noscript>
      <button type="button" class="secondary" data-webauthn-retry="" hidden>{props.label}</button>
    </>
  );
}

function AuthenticatorWebAuthn({ c, form }: { c: Challenge; form: FormProps }) {
  const errors = c.response_errors ?? {};
  return (
    <>
      <PendingUser c={c} />
      <p>Follow your browser's prompt to create a passkey or register a security key.</p>
      <Errors errors={[...(errors.non_field_errors ?? []), ...(errors.response ?? [])]} />
      <form method="post" action={form.action} id="webauthn-form">
        <input type="hidden" name="component" value="ak-stage-authenticator-webauthn" />
        <input type="hidden" name="csrfmiddlewaretoken" value={form.csrfToken} />
        <input type="hidden" name="response" value="" />
      </form>
      <WebAuthnStatus label="Register device" />
      {c.registration ? <WebAuthnCeremony mode="register" field="response" form="webauthn-form" options={c.registration} /> : null}
    </>
  );
}

interface DeviceChallenge {
  device_class: string;
  challenge?: unknown;
}

/** authenticator_validate: a code form, plus a security key / passkey prompt when the user has one. */
function AuthenticatorValidate({ c, form }: { c: Challenge; form: FormProps }) {
  const challenges = (Array.isArray(c.device_challenges) ? c.device_challenges : []) as DeviceChallenge[];
  const webauthn = challenges.find((d) => d.device_class === "webauthn" && d.challenge);
  const codes = challenges.length === 0 || challenges.some((d) => d.device_class !== "webauthn");
  const errors = c.response_errors ?? {};
  return (
    <>
      {codes ? <CodeForm c={c} form={form} component="ak-stage-authenticator-validate" label="Authentication code" /> : <PendingUser c={c} />}
      {webauthn ? (
        <>
          <Errors errors={errors.webauthn} />
          <form method="post" action={form.action} id="webauthn-form">
            <input type="hidden" name="component" value="ak-stage-authenticator-validate" />
            <input type="hidden" name="csrfmiddlewaretoken" value={form.csrfToken} />
            <input type="hidden" name="webauthn" value="" />
          </form>
          <WebAuthnStatus label="Use a security key or passkey" />
          <WebAuthnCeremony mode="authenticate" field="webauthn" form="webauthn-form" options={webauthn.challenge} />
        </>
      ) : null}
    </>
  );
}

/** Form fields → the executor's JSON response for `component` (checkboxes become booleans). */
export function formToResponse(form: Record<string, string | File | (string | File)[]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(form)) {
    if (k === "csrfmiddlewaretoken" || k === "_username" || k === "config_url") continue;
    const value = Array.isArray(v) ? v[v.length - 1] : v;
    if (typeof value !== "string") continue;
    out[k] = value;
  }
  if (out.remember_me !== undefined) out.remember_me = out.remember_me === "true";
  // Captcha widgets post their own field names; the stage reads `token`.
  for (const name of ["cf-turnstile-response", "g-recaptcha-response", "h-captcha-response"]) {
    if (typeof out[name] === "string") {
      out.token ??= out[name];
      delete out[name];
    }
  }
  return out;
}
