/**
 * Forms described by field specs, so every resource's create/edit dialog is data, not markup.
 * Server-side validation errors (problem+json `errors`) appear under their fields.
 */
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { ApiError } from "../lib/api";
import { ErrorBox } from "./ui";

export interface Option {
  value: string;
  label: string;
}
export type Values = Record<string, unknown>;
export interface FieldSpec {
  name: string;
  label: string;
  type?: "text" | "email" | "password" | "number" | "url" | "textarea" | "checkbox" | "select" | "multiselect" | "json" | "lines";
  options?: Option[];
  help?: string;
  required?: boolean;
  placeholder?: string;
  /** A select whose values are numbers (user pks) sent as numbers. */
  numeric?: boolean;
  /** Rendered only when this returns true (e.g. fields of one client type). */
  when?: (values: Values) => boolean;
}

function toInput(spec: FieldSpec, value: unknown): string {
  if (value === undefined || value === null) return "";
  if (spec.type === "json") return typeof value === "string" ? value : JSON.stringify(value, null, 2);
  if (spec.type === "lines") return Array.isArray(value) ? value.join("\n") : String(value);
  return String(value);
}

/** The form's values as the API wants them (numbers, lists, parsed JSON). */
function toBody(fields: FieldSpec[], values: Values): Values {
  const out: Values = { ...values };
  for (const f of fields) {
    const v = values[f.name];
    if (f.when && !f.when(values)) {
      delete out[f.name];
      continue;
    }
    if (f.type === "number") out[f.name] = v === "" || v === undefined ? null : Number(v);
    if (f.type === "lines") out[f.name] = typeof v === "string" ? v.split("\n").map((s) => s.trim()).filter(Boolean) : (v ?? []);
    if (f.type === "json" && typeof v === "string") out[f.name] = v.trim() ? JSON.parse(v) : {};
    if (f.type === "select" && v === "") out[f.name] = null;
    else if (f.type === "select" && f.numeric && v !== undefined && v !== null) out[f.name] = Number(v);
  }
  return out;
}

export function Field(props: { label: string; name: string; help?: string | undefined; errors?: string[] | undefined; children: ComponentChildren }) {
  return (
    <div class="field">
      <label for={`f-${props.name}`}>{props.label}</label>
      {props.children}
      {props.help && <div class="help">{props.help}</div>}
      {props.errors?.map((e) => (
        <div class="field-error" key={e}>
          {e}
        </div>
      ))}
    </div>
  );
}

function Input(props: { spec: FieldSpec; value: unknown; onChange: (v: unknown) => void }) {
  const { spec, value, onChange } = props;
  const common = { id: `f-${spec.name}`, name: spec.name, required: spec.required, placeholder: spec.placeholder };
  switch (spec.type) {
    case "textarea":
    case "json":
    case "lines":
      return <textarea {...common} value={toInput(spec, value)} onInput={(e) => onChange(e.currentTarget.value)} />;
    case "select":
      return (
        <select {...common} value={toInput(spec, value)} onChange={(e) => onChange(e.currentTarget.value)}>
          {!spec.required && <option value="">—</option>}
          {spec.options?.map((o) => (
            <option value={o.value} key={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      );
    case "multiselect": {
      const selected = new Set((Array.isArray(value) ? value : []).map(String));
      return (
        <select {...common} multiple size={Math.min(6, Math.max(3, spec.options?.length ?? 3))} onChange={(e) => onChange([...e.currentTarget.selectedOptions].map((o) => o.value))}>
          {spec.options?.map((o) => (
            <option value={o.value} key={o.value} selected={selected.has(o.value)}>
              {o.label}
            </option>
          ))}
        </select>
      );
    }
    default:
      return <input {...common} type={spec.type ?? "text"} value={toInput(spec, value)} onInput={(e) => onChange(e.currentTarget.value)} />;
  }
}

export function SpecForm(props: {
  fields: FieldSpec[];
  initial?: Values;
  submitLabel?: string;
  onSubmit: (body: Values) => Promise<void>;
  onCancel?: () => void;
  children?: ComponentChildren;
}) {
  const [values, setValues] = useState<Values>(() => ({ ...props.initial }));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const fieldErrors = error instanceof ApiError ? error.fields : {};
  const set = (name: string, v: unknown) => setValues((old) => ({ ...old, [name]: v }));

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await props.onSubmit(toBody(props.fields, values));
    } catch (err) {
      setError(err instanceof SyntaxError ? new Error(`Invalid JSON: ${err.message}`) : err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="form" onSubmit={submit} noValidate={false}>
      <ErrorBox error={error} />
      {props.fields
        .filter((f) => !f.when || f.when(values))
        .map((f) =>
          f.type === "checkbox" ? (
            <div class="field" key={f.name}>
              <label class="check">
                <input id={`f-${f.name}`} name={f.name} type="checkbox" checked={Boolean(values[f.name])} onChange={(e) => set(f.name, e.currentTarget.checked)} />
                {f.label}
              </label>
              {f.help && <div class="help">{f.help}</div>}
              {fieldErrors[f.name]?.map((m) => <div class="field-error">{m}</div>)}
            </div>
          ) : (
            <Field key={f.name} label={f.label + (f.required ? " *" : "")} name={f.name} help={f.help} errors={fieldErrors[f.name]}>
              <Input spec={f} value={values[f.name]} onChange={(v) => set(f.name, v)} />
            </Field>
          ),
        )}
      {props.children}
      <div class="form-actions">
        {props.onCancel && (
          <button type="button" class="btn" onClick={props.onCancel}>
            Cancel
          </button>
        )}
        <button type="submit" class="btn primary" disabled={busy}>
          {busy ? "Saving…" : (props.submitLabel ?? "Save")}
        </button>
      </div>
    </form>
  );
}
