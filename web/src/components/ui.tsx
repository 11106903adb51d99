import type { ComponentChildren } from "preact";
import { ApiError } from "../lib/api";

export function PageHeader(props: { title: string; description?: string; children?: ComponentChildren }) {
  return (
    <div class="page-header">
      <div>
        <h1>{props.title}</h1>
        {props.description && <p>{props.description}</p>}
      </div>
      {props.children && <div class="actions">{props.children}</div>}
    </div>
  );
}

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof ApiError ? error.message : error instanceof Error ? error.message : String(error);
  const fields = error instanceof ApiError ? error.fields.non_field_errors : undefined;
  return (
    <div class="error-box" role="alert">
      {message}
      {fields?.map((f) => <div key={f}>{f}</div>)}
    </div>
  );
}

export function Loading() {
  return <p class="muted">Loading…</p>;
}

export function Badge(props: { kind?: "ok" | "bad" | "warn"; children: ComponentChildren }) {
  return <span class={`badge ${props.kind ?? ""}`}>{props.children}</span>;
}

export function YesNo({ value }: { value: boolean | undefined }) {
  return value ? <Badge kind="ok">Yes</Badge> : <Badge>No</Badge>;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
export function formatDate(value: string | null | undefined): string {
  if (!value) return "–";
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : dateFormat.format(d);
}

/** Relative time for recent things ("3 min ago"), absolute beyond a week. */
export function ago(value: string | null | undefined): string {
  if (!value) return "never";
  const seconds = (Date.now() - new Date(value).getTime()) / 1000;
  if (seconds < 60) return "just now";
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  if (seconds < 7 * 86400) return `${Math.round(seconds / 86400)} d ago`;
  return formatDate(value);
}

export function Card(props: { title?: string; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <section class="card">
      {(props.title || props.actions) && (
        <div class="row" style={{ marginBottom: ".5rem" }}>
          {props.title && <h2 style={{ margin: 0, flex: 1 }}>{props.title}</h2>}
          {props.actions}
        </div>
      )}
      {props.children}
    </section>
  );
}

export function Tabs<T extends string>(props: { tabs: [T, string][]; value: T; onChange: (t: T) => void }) {
  return (
    <div class="tabs" role="tablist">
      {props.tabs.map(([id, label]) => (
        <button type="button" role="tab" aria-selected={props.value === id} class={props.value === id ? "active" : ""} onClick={() => props.onChange(id)}>
          {label}
        </button>
      ))}
    </div>
  );
}

export async function copy(text: string): Promise<void> {
  await navigator.clipboard?.writeText(text).catch(() => undefined);
}
