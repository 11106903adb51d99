import { useState } from "preact/hooks";
import { SpecForm } from "../../components/form";
import { Modal } from "../../components/modal";
import { ResourcePage, useRefresh } from "../../components/resource";
import { ago, Badge, ErrorBox, Loading } from "../../components/ui";
import { api, useAll, useApi } from "../../lib/api";
import type { Outpost, OutpostHealth, Provider } from "../../lib/types";
import { kindOf } from "./providers";

/** docker compose for the Node outpost (outpost/compose.example.yaml), filled in for this install. */
export function deploymentSnippet(outpost: Outpost, token: string, origin: string): string {
  const ports = outpost.type === "ldap" ? ['      - "389:3389"', '      - "636:6636"'] : ['      - "9000:9000"'];
  return [
    "services:",
    `  threshold-outpost-${outpost.name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}:`,
    "    build: ./outpost   # the outpost/ folder of the Threshold repository",
    "    restart: unless-stopped",
    "    environment:",
    `      THRESHOLD_HOST: ${origin}`,
    `      THRESHOLD_TOKEN: ${token}`,
    "    ports:",
    ...ports,
  ].join("\n");
}

function Deploy({ outpost, onClose }: { outpost: Outpost; onClose: () => void }) {
  const [token, setToken] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const health = useApi<OutpostHealth[]>(`outposts/instances/${outpost.pk}/health/`);
  const reveal = () =>
    api<{ key: string }>(`core/tokens/${outpost.token_identifier}/view_key/`).then((r) => setToken(r.key), setError);
  return (
    <Modal title={`Deploy ${outpost.name}`} onClose={onClose} wide>
      <div class="stack">
        <ErrorBox error={error} />
        <p>Run the outpost next to your applications; it reaches this server over HTTPS with its token.</p>
        {token ? (
          <pre data-testid="deployment-snippet">{deploymentSnippet(outpost, token, location.origin)}</pre>
        ) : (
          <button type="button" class="btn primary" onClick={reveal} disabled={!outpost.token_identifier}>Show token and snippet</button>
        )}
        <h3>Instances</h3>
        {!health.data ? <Loading /> : health.data.length === 0 ? <p class="muted">No instance has connected yet.</p> : (
          <table class="data">
            <thead><tr><th>Instance</th><th>Status</th><th>Last seen</th></tr></thead>
            <tbody>
              {health.data.map((h) => (
                <tr key={h.uid}>
                  <td data-label="Instance"><code>{h.uid}</code></td>
                  <td data-label="Status">{h.healthy ? <Badge kind="ok">healthy</Badge> : <Badge kind="bad">not seen recently</Badge>}</td>
                  <td data-label="Last seen">{ago(h.last_seen)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </Modal>
  );
}

function CreateOutpost({ onClose }: { onClose: () => void }) {
  const providers = useAll<Provider>("providers/all/");
  const refresh = useRefresh();
  const [type, setType] = useState<"ldap" | "proxy">("ldap");
  if (!providers.data) return <Modal title="Create outpost" onClose={onClose}><Loading /></Modal>;
  const options = providers.data.filter((p) => kindOf(p) === type).map((p) => ({ value: String(p.pk), label: p.name }));
  return (
    <Modal title="Create outpost" onClose={onClose}>
      <div class="tabs">
        {(["ldap", "proxy"] as const).map((t) => <button type="button" key={t} class={t === type ? "active" : ""} onClick={() => setType(t)}>{t.toUpperCase()}</button>)}
      </div>
      <SpecForm
        key={type}
        fields={[
          { name: "name", label: "Name", required: true },
          { name: "providers", label: "Providers", type: "multiselect", options, help: options.length ? undefined : `Create a ${type} provider first.` },
        ]}
        initial={{ providers: [] }}
        submitLabel="Create"
        onCancel={onClose}
        onSubmit={async (body) => {
          await api("outposts/instances/", { method: "POST", body: { ...body, type, providers: (body.providers as string[]).map(Number), config: {} } });
          await refresh("outposts");
          onClose();
        }}
      />
    </Modal>
  );
}

export function OutpostsPage() {
  const [deploy, setDeploy] = useState<Outpost | null>(null);
  const [creating, setCreating] = useState(false);
  return (
    <>
      <ResourcePage<Outpost>
        spec={{
          title: "Outposts",
          description: "The LDAP server and the proxy run as outposts next to your apps and call this server's API.",
          path: "outposts/instances/",
          singular: "outpost",
          id: (o) => o.pk,
          label: (o) => o.name,
          ordering: "name",
          canEdit: false,
          headerActions: <button type="button" class="btn primary" onClick={() => setCreating(true)}>Create outpost</button>,
          columns: [
            { title: "Name", sort: "name", render: (o) => o.name },
            { title: "Type", render: (o) => <Badge>{o.type}</Badge> },
            { title: "Providers", render: (o) => (o.providers_obj ?? []).map((p) => p.name).join(", ") || "–" },
          ],
          extraActions: (o) => <button type="button" class="btn small" onClick={() => setDeploy(o)}>Deploy</button>,
        }}
      />
      {creating && <CreateOutpost onClose={() => setCreating(false)} />}
      {deploy && <Deploy outpost={deploy} onClose={() => setDeploy(null)} />}
    </>
  );
}
