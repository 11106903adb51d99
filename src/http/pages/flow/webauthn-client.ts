/**
 * The flow pages' only script (DESIGN §5: pages work without JavaScript except for WebAuthn).
 * Bundled with `@simplewebauthn/browser` by `scripts/build-webauthn-client.ts` into
 * `webauthn-client.generated.ts` and served at `/static/dist/webauthn.js`.
 *
 * Contract with the server-rendered page: a `<script type="application/json" data-webauthn>`
 * element holds the options JSON and names, in data attributes, the ceremony (`mode`:
 * `register` | `authenticate` | `autofill`), the form (`form`, an element id) and the form field
 * the result goes into (`field`: `response` | `webauthn` | `passkey`). The result is posted as
 * that field's JSON string; the page's form handler turns it back into an object.
 *
 * `register` and `authenticate` start at once and again from the `[data-webauthn-retry]` button;
 * `autofill` waits for the browser's passkey suggestion in the username field (conditional UI).
 */
import { browserSupportsWebAuthn, browserSupportsWebAuthnAutofill, startAuthentication, startRegistration } from "@simplewebauthn/browser";

type Mode = "register" | "authenticate" | "autofill";

interface Ceremony {
  mode: Mode;
  form: HTMLFormElement;
  field: string;
  options: unknown;
  error: HTMLElement | null;
}

function readCeremony(el: HTMLElement): Ceremony | null {
  const mode = el.dataset.mode as Mode | undefined;
  const form = document.getElementById(el.dataset.form ?? "stage-form");
  if (!mode || !(form instanceof HTMLFormElement) || !el.dataset.field) return null;
  let options: unknown;
  try {
    options = JSON.parse(el.textContent ?? "");
  } catch {
    return null;
  }
  return { mode, form, field: el.dataset.field, options, error: document.getElementById("webauthn-error") };
}

/** Puts the result into the form's field (created when missing) and submits the form. */
function post(c: Ceremony, result: unknown): void {
  let input = c.form.querySelector<HTMLInputElement>(`input[name="${c.field}"]`);
  if (!input) {
    input = document.createElement("input");
    input.type = "hidden";
    input.name = c.field;
    c.form.appendChild(input);
  }
  input.value = JSON.stringify(result);
  // Autofill answers a passkey: the typed username is irrelevant and must not be required.
  if (c.mode === "autofill") c.form.querySelectorAll<HTMLInputElement>("input[required]").forEach((i) => (i.required = false));
  c.form.submit();
}

function showError(c: Ceremony, message: string): void {
  if (!c.error) return;
  c.error.textContent = message;
  c.error.hidden = false;
}

async function run(c: Ceremony): Promise<void> {
  if (!browserSupportsWebAuthn()) return showError(c, "This browser does not support passkeys or security keys.");
  try {
    if (c.mode === "register") {
      post(c, await startRegistration({ optionsJSON: c.options as Parameters<typeof startRegistration>[0]["optionsJSON"] }));
    } else if (c.mode === "authenticate") {
      post(c, await startAuthentication({ optionsJSON: c.options as Parameters<typeof startAuthentication>[0]["optionsJSON"] }));
    } else if (await browserSupportsWebAuthnAutofill()) {
      const optionsJSON = c.options as Parameters<typeof startAuthentication>[0]["optionsJSON"];
      post(c, await startAuthentication({ optionsJSON, useBrowserAutofill: true }));
    }
  } catch (error) {
    // Autofill is aborted whenever the user types instead: not an error worth showing.
    if (c.mode === "autofill") return;
    const name = error instanceof Error ? error.name : "";
    showError(c, name === "InvalidStateError" ? "This authenticator is registered already." : "The request was cancelled or timed out. Try again.");
  }
}

function init(): void {
  for (const el of document.querySelectorAll<HTMLElement>("script[data-webauthn]")) {
    const c = readCeremony(el);
    if (!c) continue;
    void run(c);
    document.querySelectorAll<HTMLButtonElement>("[data-webauthn-retry]").forEach((b) => {
      b.hidden = false;
      b.addEventListener("click", (e) => {
        e.preventDefault();
        if (c.error) c.error.hidden = true;
        void run(c);
      });
    });
  }
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
else init();
