import { useState } from "preact/hooks";
import { Link, useLocation, useParams } from "wouter-preact";
import { FlowDiagram } from "../../components/flow-diagram";
import { SpecForm, type FieldSpec, type Values } from "../../components/form";
import { Modal } from "../../components/modal";
import { confirmDelete, useRefresh } from "../../components/resource";
import { DataTable } from "../../components/table";
import { Badge, Card, ErrorBox, Loading, PageHeader, Tabs } from "../../components/ui";
import { api, useAll, useApi, useList } from "../../lib/api";
import type { Flow, FlowStageBinding, PolicyBinding, Stage } from "../../lib/types";
import { slugify } from "./applications";
import { PolicyBindings } from "./bindings";

const DESIGNATIONS = ["authentication", "authorization", "enrollment", "invalidation", "recovery", "stage_configuration", "unenrollment"];
const opts = (v: string[]) => v.map((x) => ({ value: x, label: x }));

const FLOW_FIELDS: FieldSpec[] = [
  { name: "name", label: "Name", required: true },
  { name: "title", label: "Title", required: true, help: "Shown to users on the flow page." },
  { name: "slug", label: "Slug", required: true, help: "The flow's URL: /if/flow/<slug>/" },
  { name: "designation", label: "Designation", type: "select", required: true, options: opts(DESIGNATIONS) },
  { name: "authentication", label: "Authentication", type: "select", required: true, options: opts(["none", "require_authenticated", "require_unauthenticated", "require_superuser", "require_outpost"]) },
  { name: "policy_engine_mode", label: "Policy engine mode", type: "select", required: true, options: opts(["any", "all"]) },
  { name: "denied_action", label: "Denied action", type: "select", required: true, options: opts(["message_continue", "message", "continue"]) },
];

export function FlowsPage() {
  const [creating, setCreating] = useState(false);
  const refresh = useRefresh();
  const [, navigate] = useLocation();
  return (
    <div class="stack">
      <PageHeader title="Flows" description="Sequences of stages users go through: login, enrollment, recovery, consent …">
        <button type="button" class="btn primary" onClick={() => setCreating(true)}>Create flow</button>
      </PageHeader>
      <section class="card">
        <DataTable<Flow>
          path="flows/instances/"
          label="Flows"
          ordering="slug"
          rowKey={(f) => f.pk}
          columns={[
            { title: "Name", sort: "name", render: (f) => <Link href={`/flows/${f.slug}`}>{f.name}</Link> },
            { title: "Slug", sort: "slug", render: (f) => <code>{f.slug}</code> },
            { title: "Designation", sort: "designation", render: (f) => <Badge>{f.designation}</Badge> },
          ]}
          actions={(f) => <a class="btn small" href={`/if/flow/${f.slug}/`} target="_blank" rel="noopener">Execute</a>}
        />
      </section>
      {creating && (
        <Modal title="Create flow" onClose={() => setCreating(false)}>
          <SpecForm
            fields={FLOW_FIELDS}
            initial={{ designation: "authentication", authentication: "none", policy_engine_mode: "any", denied_action: "message_continue" }}
            submitLabel="Create"
            onCancel={() => setCreating(false)}
            onSubmit={async (body) => {
              if (!body.slug && typeof body.name === "string") body.slug = slugify(body.name);
              const f = await api<Flow>("flows/instances/", { method: "POST", body });
              await refresh("flows");
              navigate(`/flows/${f.slug}`);
            }}
          />
        </Modal>
      )}
    </div>
  );
}

function AddStageBinding({ flow, nextOrder, onClose }: { flow: Flow; nextOrder: number; onClose: () => void }) {
  const stages = useAll<Stage>("stages/all/");
  const refresh = useRefresh();
  if (!stages.data) return <Modal title="Bind a stage" onClose={onClose}><Loading /></Modal>;
  return (
    <Modal title="Bind a stage" onClose={onClose}>
      <SpecForm
        fields={[
          { name: "stage", label: "Stage", type: "select", required: true, options: stages.data.map((s) => ({ value: s.pk, label: `${s.name} (${s.verbose_name ?? s.component})` })) },
          { name: "order", label: "Order", type: "number", required: true },
          { name: "evaluate_on_plan", label: "Evaluate policies when planning", type: "checkbox" },
          { name: "re_evaluate_policies", label: "Re-evaluate policies before the stage", type: "checkbox" },
          { name: "invalid_response_action", label: "Invalid response action", type: "select", required: true, options: opts(["retry", "restart", "restart_with_context"]) },
        ]}
        initial={{ stage: stages.data[0]?.pk ?? "", order: nextOrder, evaluate_on_plan: false, re_evaluate_policies: true, invalid_response_action: "retry" }}
        submitLabel="Bind"
        onCancel={onClose}
        onSubmit={async (body) => {
          await api("flows/bindings/", { method: "POST", body: { ...body, target: flow.pk } });
          await refresh("flows/bindings");
          onClose();
        }}
      />
    </Modal>
  );
}

/** Per-binding policy counts for the diagram (one list call over all bindings' targets). */
function usePolicyCounts(targets: string[]): Map<string, number> {
  const all = useAll<PolicyBinding>(targets.length ? "policies/bindings/" : null, { target_in: targets });
  const counts = new Map<string, number>();
  for (const b of all.data ?? []) if (targets.includes(b.target)) counts.set(b.target, (counts.get(b.target) ?? 0) + 1);
  return counts;
}

export function FlowDetail() {
  const { slug } = useParams<{ slug: string }>();
  const flow = useApi<Flow>(`flows/instances/${slug}/`);
  const f = flow.data;
  const bindings = useList<FlowStageBinding>(f ? "flows/bindings/" : null, { target: f?.pk, ordering: "order", page_size: 100 });
  const rows = bindings.data?.results ?? [];
  const counts = usePolicyCounts(f ? [f.pk, ...rows.map((b) => b.pk)] : []);
  const refresh = useRefresh();
  const [, navigate] = useLocation();
  const [tab, setTab] = useState<"stages" | "policies" | "diagram">("stages");
  const [modal, setModal] = useState<"edit" | "bind" | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  if (flow.error) return <ErrorBox error={flow.error} />;
  if (!f) return <Loading />;

  /** Moves a binding one place up or down: the whole new order in one request (authentik's
   * `reorder`; orders are unique per flow, so swapping with two PATCHes would collide). */
  async function move(i: number, dir: -1 | 1) {
    if (!rows[i] || !rows[i + dir]) return;
    const order = rows.map((b) => b.pk);
    [order[i], order[i + dir]] = [order[i + dir]!, order[i]!];
    setBusy(true);
    setError(null);
    try {
      await api("flows/bindings/reorder/", { method: "POST", body: { target: f!.pk, bindings: order } });
      await refresh("flows/bindings");
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="stack">
      <PageHeader title={f.name} description={`${f.title} · /if/flow/${f.slug}/`}>
        <a class="btn" href={`/if/flow/${f.slug}/`} target="_blank" rel="noopener">Execute</a>
        <button type="button" class="btn" onClick={() => setModal("edit")}>Edit</button>
        <button type="button" class="btn danger" onClick={() => confirmDelete(`flow “${f.name}”`, `flows/instances/${f.slug}/`, async () => { await refresh("flows"); navigate("/flows"); }).catch(setError)}>Delete</button>
      </PageHeader>
      <ErrorBox error={error ?? bindings.error} />
      <Tabs value={tab} onChange={setTab} tabs={[["stages", "Stage bindings"], ["policies", "Policy bindings"], ["diagram", "Diagram"]]} />
      {tab === "stages" && (
        <Card title="Stage bindings" actions={<button type="button" class="btn primary small" onClick={() => setModal("bind")}>Bind stage</button>}>
          {rows.length === 0 && <p class="muted">No stages bound yet.</p>}
          <ol class="binding-list" aria-label="Stage bindings">
            {rows.map((b, i) => (
              <li key={b.pk} data-binding={b.pk}>
                <span class="order">{b.order}</span>
                <span class="name">
                  <strong>{b.stage_obj?.name ?? b.stage}</strong> <span class="muted small">{b.stage_obj?.verbose_name ?? b.stage_obj?.component}</span>
                  {(counts.get(b.pk) ?? 0) > 0 && <> <Badge kind="warn">{counts.get(b.pk)} policies</Badge></>}
                </span>
                <button type="button" class="btn small" aria-label={`Move ${b.stage_obj?.name ?? "stage"} up`} disabled={busy || i === 0} onClick={() => move(i, -1)}>↑</button>
                <button type="button" class="btn small" aria-label={`Move ${b.stage_obj?.name ?? "stage"} down`} disabled={busy || i === rows.length - 1} onClick={() => move(i, 1)}>↓</button>
                <button type="button" class="btn small danger" onClick={() => confirmDelete("this stage binding", `flows/bindings/${b.pk}/`, () => refresh("flows/bindings")).catch(setError)}>Remove</button>
              </li>
            ))}
          </ol>
        </Card>
      )}
      {tab === "policies" && (
        <Card title="Flow policies">
          <PolicyBindings target={f.pk} mode={f.policy_engine_mode} />
        </Card>
      )}
      {tab === "diagram" && (
        <Card title="Diagram">
          {bindings.data ? (
            <FlowDiagram
              title={f.title || f.name}
              designation={f.designation}
              flowPolicies={counts.get(f.pk) ?? 0}
              stages={rows.map((b) => ({
                order: b.order,
                name: b.stage_obj?.name ?? b.stage,
                kind: b.stage_obj?.verbose_name ?? b.stage_obj?.component ?? "stage",
                policies: counts.get(b.pk) ?? 0,
                evaluateOnPlan: b.evaluate_on_plan,
                reEvaluate: b.re_evaluate_policies,
              }))}
            />
          ) : <Loading />}
        </Card>
      )}
      {modal === "edit" && (
        <Modal title={`Edit ${f.name}`} onClose={() => setModal(null)}>
          <SpecForm
            fields={FLOW_FIELDS}
            initial={f as unknown as Values}
            onCancel={() => setModal(null)}
            onSubmit={async (body) => {
              const saved = await api<Flow>(`flows/instances/${f.slug}/`, { method: "PATCH", body });
              await refresh("flows");
              setModal(null);
              if (saved.slug !== f.slug) navigate(`/flows/${saved.slug}`);
            }}
          />
        </Modal>
      )}
      {modal === "bind" && <AddStageBinding flow={f} nextOrder={(rows.at(-1)?.order ?? 0) + 10} onClose={() => setModal(null)} />}
    </div>
  );
}
