import type { Child } from "hono/jsx";

/** Building blocks shared by the flow page views: the challenge type, form plumbing, fields, errors. */

/** A challenge as the executor returns it (authentik's JSON). */
export type Challenge = { component: string; response_errors?: Record<string, { string: string; code: string }[]> } & Record<string, unknown>;

/** Form plumbing shared by every stage form. */
export interface FormProps {
  action: string;
  csrfToken: string;
}

export const str = (v: unknown): string => (typeof v === "string" ? v : "");

export function Errors(props: { errors?: { string: string }[]; id?: string }) {
  if (!props.errors?.length) return null;
  return (
    <ul class="errors" id={props.id} role="alert">
      {props.errors.map((e) => (
        <li>{e.string}</li>
      ))}
    </ul>
  );
}

export function StageForm(props: FormProps & { component: string; children: Child; submit?: string; id?: string }) {
  return (
    <form method="post" action={props.action} id={props.id ?? "stage-form"}>
      <input type="hidden" name="component" value={props.component} />
      <input type="hidden" name="csrfmiddlewaretoken" value={props.csrfToken} />
      {props.children}
      <button type="submit">{props.submit ?? "Continue"}</button>
    </form>
  );
}

export function Field(props: {
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

export function PendingUser(props: { c: Challenge; cancelUrl?: string }) {
  const user = str(props.c.pending_user);
  if (!user) return null;
  return (
    <div class="user">
      <span>{user}</span>
      {props.cancelUrl ? <a href={props.cancelUrl}>Not you?</a> : null}
    </div>
  );
}

export function CodeForm({ c, form, component, label }: { c: Challenge; form: FormProps; component: string; label: string }) {
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

export function Message({ text, alert }: { text: string; alert?: boolean }) {
  return alert ? <div class="alert" role="alert">{text}</div> : <p>{text}</p>;
}
