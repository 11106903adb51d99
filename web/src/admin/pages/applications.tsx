import { useState } from "preact/hooks";
import { Link, useLocation, useParams } from "wouter-preact";
import { SpecForm, type FieldSpec, type Values } from "../../components/form";
import { Modal } from "../../components/modal";
import { confirmDelete, useRefresh } from "../../components/resource";
import { DataTable } from "../../components/table";
import { Card, ErrorBox, Loading, PageHeader } from "../../components/ui";
import { api, useAll, useApi } from "../../lib/api";
import type { Application, Provider } from "../../lib/types";
import { PolicyBindings } from "./bindings";

export const slugify = (s: string) => s.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 50);

function appFields(providers: Provider[], current?: number | null): FieldSpec[] {
  const free = providers.filter((p) => !p.assigned_application_slug || p.pk === current);
  return [
    { name: "name", label: "Name", required: true },
    { name: "slug", label: "Slug", required: true, help: "Part of the application's URLs, e.g. /application/o/<slug>/." },
    { name: "provider", label: "Provider", type: "select", options: free.map((p) => ({ value: String(p.pk), label: `${p.name} (${p.verbose_name ?? p.component})` })) },
    { name: "meta_launch_url", label: "Launch URL", type: "url", help: "Where the portal tile goes; defaults to the provider's." },
    { name: "meta_description", label: "Description" },
    { name: "meta_publisher", label: "Publisher" },
    { name: "meta_icon", label: "Icon URL", type: "url" },
    { name: "group", label: "Group", help: "Tiles with the same group are shown together." },
    { name: "policy_engine_mode", label: "Policy engine mode", type: "select", required: true, options: [{ value: "any", label: "any: one binding must pass" }, { value: "all", label: "all: every binding must pass" }] },
    { name: "open_in_new_tab", label: "Open in a new tab", type: "checkbox" },
  ];
}

const toBody = (body: Values) => ({ ...body, provider: body.provider ? Number(body.provider) : null });

function AppForm({ app, onClose, onSaved }: { app?: Application; onClose: () => void; onSaved: (a: Application) => void }) {
  const providers = useAll<Provider>("providers/all/");
  const [slugTouched, setSlugTouched] = useState(Boolean(app));
  if (!providers.data) return <Loading />;
  return (
    <SpecForm
      fields={appFields(providers.data, app?.provider)}
      initial={app ? { ...(app as unknown as Values), provider: app.provider ? String(app.provider) : "" } : { policy_engine_mode: "any", open_in_new_tab: false }}
      submitLabel={app ? "Save" : "Create"}
      onCancel={onClose}
      onSubmit={async (body) => {
        if (!slugTouched && !body.slug && typeof body.name === "string") body.slug = slugify(body.name);
        setSlugTouched(true);
        const saved = app
          ? await api<Application>(`core/applications/${app.slug}/`, { method: "PATCH", body: toBody(body) })
          : await api<Application>("core/applications/", { method: "POST", body: toBody(body) });
        onSaved(saved);
      }}
    />
  );
}

export function ApplicationsPage() {
  const [creating, setCreating] = useState(false);
  const refresh = useRefresh();
  const [, navigate] = useLocation();
  return (
    <div class="stack">
      <PageHeader title="Applications" description="What users sign in to. Each application uses one provider (OIDC, SAML, LDAP, proxy).">
        <button type="button" class="btn primary" onClick={() => setCreating(true)}>Create application</button>
      </PageHeader>
      <section class="card">
        <DataTable<Application>
          path="core/applications/"
          query={{ superuser_full_list: true }}
          label="Applications"
          ordering="name"
          rowKey={(a) => a.pk}
          columns={[
            { title: "Name", sort: "name", render: (a) => <Link href={`/applications/${a.slug}`}>{a.name}</Link> },
            { title: "Slug", sort: "slug", render: (a) => <code>{a.slug}</code> },
            { title: "Provider", render: (a) => (a.provider_obj ? <Link href={`/providers/${a.provider_obj.pk}`}>{a.provider_obj.name}</Link> : <span class="muted">none</span>) },
            { title: "Type", render: (a) => a.provider_obj?.verbose_name ?? "–" },
          ]}
        />
      </section>
      {creating && (
        <Modal title="Create application" onClose={() => setCreating(false)}>
          <AppForm
            onClose={() => setCreating(false)}
            onSaved={async (a) => {
              await refresh("core/applications");
              navigate(`/applications/${a.slug}`);
            }}
          />
        </Modal>
      )}
    </div>
  );
}

export function ApplicationDetail() {
  const { slug } = useParams<{ slug: string }>();
  const app = useApi<Application>(`core/applications/${slug}/`);
  const refresh = useRefresh();
  const [, navigate] = useLocation();
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const a = app.data;
  if (app.error) return <ErrorBox error={app.error} />;
  if (!a) return <Loading />;
  return (
    <div class="stack">
      <PageHeader title={a.name} description={a.meta_description || `/${a.slug}`}>
        {a.launch_url && <a class="btn" href={a.launch_url} target="_blank" rel="noopener noreferrer">Launch</a>}
        <button type="button" class="btn" onClick={() => setEditing(true)}>Edit</button>
        <button type="button" class="btn danger" onClick={() => confirmDelete(`application “${a.name}”`, `core/applications/${a.slug}/`, async () => { await refresh("core/applications"); navigate("/applications"); }).catch(setError)}>Delete</button>
      </PageHeader>
      <ErrorBox error={error} />
      <div class="grid-2">
        <Card title="Who may use it">
          <PolicyBindings target={a.pk} mode={a.policy_engine_mode} />
        </Card>
        <Card title="Details">
          <div class="stack">
            <div><div class="muted small">Provider</div>{a.provider_obj ? <Link href={`/providers/${a.provider_obj.pk}`}>{a.provider_obj.name}</Link> : "none"}</div>
            <div><div class="muted small">Type</div>{a.provider_obj?.verbose_name ?? "–"}</div>
            <div><div class="muted small">Launch URL</div>{a.launch_url ?? "–"}</div>
            <div><div class="muted small">Publisher</div>{a.meta_publisher || "–"}</div>
          </div>
        </Card>
      </div>
      {editing && (
        <Modal title={`Edit ${a.name}`} onClose={() => setEditing(false)}>
          <AppForm
            app={a}
            onClose={() => setEditing(false)}
            onSaved={async (saved) => {
              await refresh("core/applications");
              setEditing(false);
              if (saved.slug !== a.slug) navigate(`/applications/${saved.slug}`);
            }}
          />
        </Modal>
      )}
    </div>
  );
}
