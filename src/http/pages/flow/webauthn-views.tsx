import { raw } from "hono/html";
import { WEBAUTHN_SCRIPT_URL } from "../../routes/static.js";
import { CodeForm, Errors, PendingUser, type Challenge, type FormProps } from "./fields.js";

// WebAuthn views: the one place the flow pages use JavaScript (/static/dist/webauthn.js).

/** Options JSON for the page script, inert (`<` escaped so it cannot end the element). */
export function WebAuthnCeremony(props: { mode: "register" | "authenticate" | "autofill"; field: string; form: string; options: unknown }) {
  const json = JSON.stringify(props.options).replace(/</g, "\\u003c");
  return (
    <>
      <script type="application/json" data-webauthn="" data-mode={props.mode} data-field={props.field} data-form={props.form}>{raw(json)}</script>
      <script src={WEBAUTHN_SCRIPT_URL} defer></script>
    </>
  );
}

export function WebAuthnStatus(props: { label: string }) {
  return (
    <>
      <p class="alert" id="webauthn-error" role="alert" hidden></p>
      <noscript><p class="alert">Passkeys and security keys need JavaScript.</p></noscript>
      <button type="button" class="secondary" data-webauthn-retry="" hidden>{props.label}</button>
    </>
  );
}

export function AuthenticatorWebAuthn({ c, form }: { c: Challenge; form: FormProps }) {
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
export function AuthenticatorValidate({ c, form }: { c: Challenge; form: FormProps }) {
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
