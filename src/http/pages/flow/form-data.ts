/**
 * Posted flow-page forms → the executor's JSON response (the same shape a headless client sends).
 */

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
