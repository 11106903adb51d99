/**
 * Policy bindings of one target (an application, a flow, a flow stage binding): authentik's
 * `policies/bindings?target=<pk>`. A binding names a policy, a group or a user; the target's
 * engine mode (any/all) combines them.
 */
import { useState } from "preact/hooks";
import { SpecForm } from "../../components/form";
import { Modal } from "../../components/modal";
import { confirmDelete, useRefresh } from "../../components/resource";
import { Badge, ErrorBox, Loading } from "../../components/ui";
import { api, useAll, useList } from "../../lib/api";
import type { Group, Policy, PolicyBinding, User } from "../../lib/types";

export function bindingSubject(b: PolicyBinding): string {
  if (b.policy_obj) return `Policy: ${b.policy_obj.name}`;
  if (b.group_obj) return `Group: ${b.group_obj.name}`;
  if (b.user_obj) return `User: ${b.user_obj.username}`;
  return b.policy ? `Policy ${b.policy}` : b.group ? `Group ${b.group}` : `User ${b.user}`;
}

function NewBinding({ target, nextOrder, onClose }: { target: string; nextOrder: number; onClose: () => void }) {
  const refresh = useRefresh();
  const [kind, setKind] = useState<"group" | "policy" | "user">("group");
  const groups = useAll<Group>(kind === "group" ? "core/groups/" : null);
  const policies = useAll<Policy>(kind === "policy" ? "policies/all/" : null);
  const users = useAll<User>(kind === "user" ? "core/users/" : null);
  const options =
    kind === "group" ? groups.data?.map((g) => ({ value: g.pk, label: g.name }))
    : kind === "policy" ? policies.data?.map((p) => ({ value: p.pk, label: `${p.name} (${p.verbose_name ?? p.component})` }))
    : users.data?.map((u) => ({ value: String(u.pk), label: u.username }));
  return (
    <Modal title="Bind a policy, group or user" onClose={onClose}>
      <div class="tabs" role="tablist">
        {(["group", "policy", "user"] as const).map((k) => (
          <button type="button" key={k} class={kind === k ? "active" : ""} onClick={() => setKind(k)}>
            {k[0]!.toUpperCase() + k.slice(1)}
          </button>
        ))}
      </div>
      {!options ? <Loading /> : (
        <SpecForm
          key={kind}
          fields={[
            { name: kind, label: kind[0]!.toUpperCase() + kind.slice(1), type: "select", required: true, options },
            { name: "order", label: "Order", type: "number", required: true },
            { name: "negate", label: "Negate result", type: "checkbox", help: "Passes when the policy/membership does not." },
            { name: "enabled", label: "Enabled", type: "checkbox" },
            { name: "timeout", label: "Timeout (seconds)", type: "number" },
          ]}
          initial={{ [kind]: options[0]?.value ?? "", order: nextOrder, enabled: true, negate: false, timeout: 30 }}
          submitLabel="Bind"
          onCancel={onClose}
          onSubmit={async (body) => {
            const payload = { ...body, target, [kind]: kind === "user" ? Number(body.user) : body[kind] };
            await api("policies/bindings/", { method: "POST", body: payload });
            await refresh("policies/bindings");
            onClose();
          }}
        />
      )}
    </Modal>
  );
}

export function PolicyBindings({ target, mode }: { target: string; mode?: string | undefined }) {
  const list = useList<PolicyBinding>("policies/bindings/", { target, ordering: "order", page_size: 100 });
  const refresh = useRefresh();
  const [adding, setAdding] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const rows = list.data?.results ?? [];
  const toggle = (b: PolicyBinding) => api(`policies/bindings/${b.pk}/`, { method: "PATCH", body: { enabled: !b.enabled } }).then(() => refresh("policies/bindings")).catch(setError);
  return (
    <div class="stack" data-testid="policy-bindings">
      <div class="row">
        <span class="muted small" style={{ flex: 1 }}>
          {rows.length === 0 ? "No bindings: everyone passes." : `Engine mode: ${mode ?? "any"} (${mode === "all" ? "every" : "at least one"} binding must pass).`}
        </span>
        <button type="button" class="btn primary small" onClick={() => setAdding(true)}>Bind policy / group / user</button>
      </div>
      <ErrorBox error={list.error ?? error} />
      {!list.data && !list.error && <Loading />}
      {rows.length > 0 && (
        <table class="data" aria-label="Policy bindings">
          <thead><tr><th>Order</th><th>Binding</th><th>State</th><th>Timeout</th><th /></tr></thead>
          <tbody>
            {rows.map((b) => (
              <tr key={b.pk}>
                <td data-label="Order">{b.order}</td>
                <td data-label="Binding">{bindingSubject(b)} {b.negate && <Badge kind="warn">negated</Badge>}</td>
                <td data-label="State">{b.enabled ? <Badge kind="ok">enabled</Badge> : <Badge>disabled</Badge>}</td>
                <td data-label="Timeout">{b.timeout}s</td>
                <td class="actions">
                  <button type="button" class="btn small" onClick={() => toggle(b)}>{b.enabled ? "Disable" : "Enable"}</button>
                  <button type="button" class="btn small danger" onClick={() => confirmDelete("this binding", `policies/bindings/${b.pk}/`, () => refresh("policies/bindings")).catch(setError)}>Delete</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {adding && <NewBinding target={target} nextOrder={(rows.at(-1)?.order ?? -10) + 10} onClose={() => setAdding(false)} />}
    </div>
  );
}
