/**
 * A resource's list page with create/edit dialogs and delete, for the many admin pages that are
 * "a table and a form" (brands, tokens, stages, policies …). Richer pages compose the parts.
 */
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { useSWRConfig } from "swr";
import { api, API, type Query } from "../lib/api";
import { SpecForm, type FieldSpec, type Values } from "./form";
import { Modal } from "./modal";
import { DataTable, type Column } from "./table";
import { ErrorBox, PageHeader } from "./ui";

/** Revalidates every cached GET under `/api/v3/<prefix>` (lists, details, pickers). */
export function useRefresh() {
  const { mutate } = useSWRConfig();
  return (prefix: string) =>
    mutate((key) => {
      const k = Array.isArray(key) ? String(key[1]) : String(key);
      return k.startsWith(API + prefix);
    });
}

export async function confirmDelete(what: string, path: string, refresh: () => Promise<unknown>): Promise<void> {
  if (!confirm(`Delete ${what}? This cannot be undone.`)) return;
  await api(path, { method: "DELETE" });
  await refresh();
}

export interface ResourceSpec<T> {
  title: string;
  description?: string;
  /** API collection, e.g. `core/brands/`. */
  path: string;
  singular: string;
  id: (row: T) => string | number;
  label: (row: T) => string;
  columns: Column<T>[];
  fields?: FieldSpec[];
  /** Fields for editing, when they differ from creating. */
  editFields?: FieldSpec[];
  defaults?: Values;
  ordering?: string;
  query?: Query;
  canCreate?: boolean;
  canEdit?: boolean;
  /** Called with the created object (e.g. to show a secret once). */
  onCreated?: (created: T) => void;
  extraActions?: (row: T) => ComponentChildren;
  headerActions?: ComponentChildren;
}

export function ResourcePage<T>(props: { spec: ResourceSpec<T>; children?: ComponentChildren }) {
  const { spec } = props;
  const refresh = useRefresh();
  const [editing, setEditing] = useState<T | "new" | null>(null);
  const [error, setError] = useState<unknown>(null);
  const reload = () => refresh(spec.path);
  const canEdit = spec.canEdit !== false && spec.fields;
  return (
    <div class="stack">
      <PageHeader title={spec.title} description={spec.description}>
        {spec.headerActions}
        {spec.canCreate !== false && spec.fields && (
          <button type="button" class="btn primary" onClick={() => setEditing("new")}>
            Create {spec.singular}
          </button>
        )}
      </PageHeader>
      {props.children}
      <ErrorBox error={error} />
      <section class="card">
        <DataTable<T>
          path={spec.path}
          label={spec.title}
          columns={spec.columns}
          query={spec.query}
          ordering={spec.ordering}
          rowKey={spec.id}
          actions={(row) => (
            <>
              {spec.extraActions?.(row)}
              {canEdit && (
                <button type="button" class="btn small" onClick={() => setEditing(row)}>
                  Edit
                </button>
              )}
              <button
                type="button"
                class="btn small danger"
                onClick={() => confirmDelete(`${spec.singular} “${spec.label(row)}”`, `${spec.path}${spec.id(row)}/`, reload).catch(setError)}
              >
                Delete
              </button>
            </>
          )}
        />
      </section>
      {editing && (
        <Modal title={editing === "new" ? `Create ${spec.singular}` : `Edit ${spec.label(editing)}`} onClose={() => setEditing(null)}>
          <SpecForm
            fields={(editing !== "new" && spec.editFields) || spec.fields!}
            initial={editing === "new" ? spec.defaults : (editing as Values)}
            submitLabel={editing === "new" ? "Create" : "Save"}
            onCancel={() => setEditing(null)}
            onSubmit={async (body) => {
              if (editing === "new") {
                const created = await api<T>(spec.path, { method: "POST", body });
                spec.onCreated?.(created);
              } else {
                await api(`${spec.path}${spec.id(editing)}/`, { method: "PATCH", body });
              }
              setEditing(null);
              await reload();
            }}
          />
        </Modal>
      )}
    </div>
  );
}

/** A secret shown once (client secrets, token keys), with a copy button. */
export function SecretOnce(props: { title: string; label: string; value: string; onClose: () => void; children?: ComponentChildren }) {
  const [copied, setCopied] = useState(false);
  return (
    <Modal title={props.title} onClose={props.onClose}>
      <div class="stack">
        <div class="secret-box">
          <div class="small muted">{props.label}</div>
          <code data-testid="secret-value">{props.value}</code>
        </div>
        <p class="small muted">Copy it now: it is shown only this once.</p>
        {props.children}
        <div class="form-actions">
          <button
            type="button"
            class="btn"
            onClick={() => navigator.clipboard?.writeText(props.value).then(() => setCopied(true), () => undefined)}
          >
            {copied ? "Copied" : "Copy"}
          </button>
          <button type="button" class="btn primary" onClick={props.onClose}>
            Done
          </button>
        </div>
      </div>
    </Modal>
  );
}
