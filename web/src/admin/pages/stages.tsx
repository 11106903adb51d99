/**
 * Stages and policies: every type in one list (`stages/all/`, `policies/all/`), created through
 * the type's own collection (`stages/<type>/`, `policies/<type>/`) with its settings as JSON —
 * the types and their fields come from the API (`…/all/types/`), so new types need no UI change.
 */
import { useState } from "preact/hooks";
import { SpecForm } from "../../components/form";
import { Modal } from "../../components/modal";
import { ResourcePage, useRefresh } from "../../components/resource";
import { Badge, Loading } from "../../components/ui";
import { api, useApi } from "../../lib/api";
import type { Policy, Stage } from "../../lib/types";

interface TypeCreate {
  name: string;
  description: string;
  component: string;
  model_name: string;
}

/**
 * authentik's URL of a type: `authentik_stages_password.passwordstage` → `password`,
 * `authentik_stages_authenticator_totp.…` → `authenticator/totp`, `authentik_policies_expiry` → `password_expiry`.
 */
export function typePath(t: TypeCreate): string {
  const m = /(?:stages|policies)_([a-z_]+)\./.exec(t.model_name);
  const name = m?.[1] ?? t.model_name;
  if (name === "expiry") return "password_expiry";
  return name.replace(/^authenticator_/, "authenticator/");
}

function CreateTyped(props: { family: "stages" | "policies"; onClose: () => void }) {
  const types = useApi<TypeCreate[]>(`${props.family}/all/types/`);
  const [type, setType] = useState<TypeCreate | null>(null);
  const refresh = useRefresh();
  const noun = props.family === "stages" ? "stage" : "policy";
  return (
    <Modal title={type ? `Create ${type.name}` : `Create ${noun}: choose a type`} onClose={props.onClose} wide>
      {!types.data ? (
        <Loading />
      ) : !type ? (
        <div class="grid">
          {types.data.map((t) => (
            <button type="button" key={t.model_name} class="btn" style={{ whiteSpace: "normal", textAlign: "left", justifyContent: "flex-start" }} onClick={() => setType(t)}>
              <span><strong>{t.name}</strong><br /><span class="small muted">{t.description}</span></span>
            </button>
          ))}
        </div>
      ) : (
        <SpecForm
          fields={[
            { name: "name", label: "Name", required: true },
            { name: "settings", label: "Settings (JSON)", type: "json", help: `The ${noun}'s fields as authentik names them, e.g. {"expression": "…"}.` },
          ]}
          initial={{ settings: "{}" }}
          submitLabel="Create"
          onCancel={() => setType(null)}
          onSubmit={async (body) => {
            await api(`${props.family}/${typePath(type)}/`, { method: "POST", body: { name: body.name, ...(body.settings as object) } });
            await refresh(props.family);
            props.onClose();
          }}
        />
      )}
    </Modal>
  );
}

export function StagesPage() {
  const [creating, setCreating] = useState(false);
  return (
    <>
      <ResourcePage<Stage>
        spec={{
          title: "Stages",
          description: "Single steps of a flow: identification, password, MFA, consent, user login …",
          path: "stages/all/",
          singular: "stage",
          id: (s) => s.pk,
          label: (s) => s.name,
          ordering: "name",
          canEdit: false,
          headerActions: <button type="button" class="btn primary" onClick={() => setCreating(true)}>Create stage</button>,
          columns: [
            { title: "Name", sort: "name", render: (s) => s.name },
            { title: "Type", render: (s) => <Badge>{s.verbose_name ?? s.component}</Badge> },
            { title: "Used in", render: (s) => ((s.flow_set as { slug: string }[] | undefined) ?? []).map((f) => f.slug).join(", ") || "–" },
          ],
        }}
      />
      {creating && <CreateTyped family="stages" onClose={() => setCreating(false)} />}
    </>
  );
}

export function PoliciesPage() {
  const [creating, setCreating] = useState(false);
  return (
    <>
      <ResourcePage<Policy>
        spec={{
          title: "Policies",
          description: "Rules bound to applications, flows and stages: expressions (CEL), group membership, password, reputation, GeoIP …",
          path: "policies/all/",
          singular: "policy",
          id: (p) => p.pk,
          label: (p) => p.name,
          ordering: "name",
          canEdit: false,
          headerActions: <button type="button" class="btn primary" onClick={() => setCreating(true)}>Create policy</button>,
          columns: [
            { title: "Name", sort: "name", render: (p) => p.name },
            { title: "Type", render: (p) => <Badge>{p.verbose_name ?? p.component}</Badge> },
            { title: "Bound to", render: (p) => (p.bound_to ? `${p.bound_to} object${p.bound_to > 1 ? "s" : ""}` : <span class="muted">unused</span>) },
          ],
        }}
      />
      {creating && <CreateTyped family="policies" onClose={() => setCreating(false)} />}
    </>
  );
}
