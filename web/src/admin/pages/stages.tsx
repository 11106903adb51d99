/**
 * Stages and policies: every type in one list (`stages/all/`, `policies/all/`), created and edited
 * through the type's own collection (`stages/<type>/`, `policies/<type>/`). Types and their
 * fields come from the API's OpenAPI document, so new types need no UI change.
 */
import { useState } from "preact/hooks";
import { SpecForm, type FieldSpec, type Values } from "../../components/form";
import { Modal } from "../../components/modal";
import { ResourcePage, useRefresh } from "../../components/resource";
import { Badge, ErrorBox, Loading } from "../../components/ui";
import { api, useAll, useApi } from "../../lib/api";
import { creatableTypes, defaultsFromSchema, fieldsFromSchema, typeOfRow, useOpenApi, type CreatableType } from "../../lib/openapi";
import type { Flow, Policy, Stage } from "../../lib/types";

type Family = "stages" | "policies";

/** UUID references by name (`…_flow`, `…_stage`) become pickers of flows and stages. */
function withPickers(fields: FieldSpec[], flows: Flow[], stages: Stage[]): FieldSpec[] {
  return fields.map((f) => {
    if (f.type !== "text" || f.help !== "A UUID.") return f;
    if (/flow$/.test(f.name)) return { ...f, type: "select", help: undefined, options: flows.map((x) => ({ value: x.pk, label: x.slug })) };
    if (/stage$/.test(f.name)) return { ...f, type: "select", help: undefined, options: stages.map((x) => ({ value: x.pk, label: x.name })) };
    return f;
  });
}

function TypedForm(props: { family: Family; type: CreatableType; pk?: string; onDone: () => void; onCancel: () => void }) {
  const doc = useOpenApi();
  const existing = useApi<Values>(props.pk ? `${props.type.path}${props.pk}/` : null);
  const flows = useAll<Flow>("flows/instances/");
  const stages = useAll<Stage>("stages/all/");
  const refresh = useRefresh();
  if (!doc.data || (props.pk && !existing.data)) return existing.error ? <ErrorBox error={existing.error} /> : <Loading />;
  return (
    <SpecForm
      fields={withPickers(fieldsFromSchema(props.type.schema, doc.data), flows.data ?? [], stages.data ?? [])}
      initial={existing.data ?? defaultsFromSchema(props.type.schema)}
      submitLabel={props.pk ? "Save" : "Create"}
      onCancel={props.onCancel}
      onSubmit={async (body) => {
        if (props.pk) await api(`${props.type.path}${props.pk}/`, { method: "PATCH", body });
        else await api(props.type.path, { method: "POST", body });
        await refresh(props.family);
        props.onDone();
      }}
    />
  );
}

function CreateTyped(props: { family: Family; onClose: () => void }) {
  const doc = useOpenApi();
  const [type, setType] = useState<CreatableType | null>(null);
  const noun = props.family === "stages" ? "stage" : "policy";
  const types = doc.data ? creatableTypes(doc.data, props.family) : [];
  return (
    <Modal title={type ? `Create ${type.title}` : `Create ${noun}: choose a type`} onClose={props.onClose} wide>
      <ErrorBox error={doc.error} />
      {!doc.data ? (
        !doc.error && <Loading />
      ) : !type ? (
        <div class="grid">
          {types.map((t) => (
            <button type="button" key={t.path} class="btn" style={{ justifyContent: "flex-start" }} onClick={() => setType(t)}>
              {t.title}
            </button>
          ))}
        </div>
      ) : (
        <TypedForm family={props.family} type={type} onDone={props.onClose} onCancel={() => setType(null)} />
      )}
    </Modal>
  );
}

function EditTyped(props: { family: Family; row: Stage | Policy; onClose: () => void }) {
  const doc = useOpenApi();
  if (!doc.data) return <Modal title={`Edit ${props.row.name}`} onClose={props.onClose}>{doc.error ? <ErrorBox error={doc.error} /> : <Loading />}</Modal>;
  const type = typeOfRow(creatableTypes(doc.data, props.family), props.row);
  return (
    <Modal title={`Edit ${props.row.name}`} onClose={props.onClose} wide>
      {type ? <TypedForm family={props.family} type={type} pk={props.row.pk} onDone={props.onClose} onCancel={props.onClose} /> : <ErrorBox error={new Error(`No API collection for ${props.row.meta_model_name}.`)} />}
    </Modal>
  );
}

function TypedPage(props: { family: Family; title: string; description: string; columns: Parameters<typeof ResourcePage<Stage>>[0]["spec"]["columns"] }) {
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<Stage | null>(null);
  const noun = props.family === "stages" ? "stage" : "policy";
  return (
    <>
      <ResourcePage<Stage>
        spec={{
          title: props.title,
          description: props.description,
          path: `${props.family}/all/`,
          singular: noun,
          id: (s) => s.pk,
          label: (s) => s.name,
          ordering: "name",
          canEdit: false,
          headerActions: <button type="button" class="btn primary" onClick={() => setCreating(true)}>Create {noun}</button>,
          columns: props.columns,
          extraActions: (row) => <button type="button" class="btn small" onClick={() => setEditing(row)}>Edit</button>,
        }}
      />
      {creating && <CreateTyped family={props.family} onClose={() => setCreating(false)} />}
      {editing && <EditTyped family={props.family} row={editing} onClose={() => setEditing(null)} />}
    </>
  );
}

export function StagesPage() {
  return (
    <TypedPage
      family="stages"
      title="Stages"
      description="Single steps of a flow: identification, password, MFA, consent, user login …"
      columns={[
        { title: "Name", sort: "name", render: (s) => s.name },
        { title: "Type", render: (s) => <Badge>{s.verbose_name ?? s.component}</Badge> },
        { title: "Used in", render: (s) => ((s.flow_set as { slug: string }[] | undefined) ?? []).map((f) => f.slug).join(", ") || "–" },
      ]}
    />
  );
}

export function PoliciesPage() {
  return (
    <TypedPage
      family="policies"
      title="Policies"
      description="Rules bound to applications, flows and stages: expressions (CEL), password, reputation, GeoIP, event matcher …"
      columns={[
        { title: "Name", sort: "name", render: (p) => p.name },
        { title: "Type", render: (p) => <Badge>{p.verbose_name ?? p.component}</Badge> },
        { title: "Bound to", render: (p) => { const n = Number((p as Policy).bound_to ?? 0); return n ? `${n} object${n > 1 ? "s" : ""}` : <span class="muted">unused</span>; } },
      ]}
    />
  );
}
