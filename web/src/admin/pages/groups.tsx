import { useState } from "preact/hooks";
import { Link, useLocation, useParams } from "wouter-preact";
import { SpecForm, type FieldSpec, type Values } from "../../components/form";
import { Modal } from "../../components/modal";
import { confirmDelete, useRefresh } from "../../components/resource";
import { DataTable } from "../../components/table";
import { Card, ErrorBox, Loading, PageHeader, YesNo } from "../../components/ui";
import { api, useAll, useApi } from "../../lib/api";
import type { Group, User } from "../../lib/types";

/** A role a group can grant (`rbac/roles/`), stored in `attributes["threshold.roles"]`. */
interface Role {
  pk: string;
  name: string;
  permissions: string[];
}
const ROLES_ATTRIBUTE = "threshold.roles";

function groupFields(groups: Group[], roles: Role[], self?: string): FieldSpec[] {
  return [
    { name: "name", label: "Name", required: true },
    { name: "parent", label: "Parent group", type: "select", options: groups.filter((g) => g.pk !== self).map((g) => ({ value: g.pk, label: g.name })), help: "Members of this group also count as members of the parent (nested groups)." },
    { name: "is_superuser", label: "Superuser", type: "checkbox", help: "Members get full access to the admin interface and API." },
    { name: "roles", label: "Admin roles", type: "multiselect", options: roles.map((r) => {
      const perms = r.permissions.join(", ");
      return { value: r.pk, label: `${r.name} (${perms.length > 48 ? `${perms.slice(0, 47)}…` : perms})` };
    }), help: "Members may open the admin interface with these permissions (only superusers grant roles)." },
    { name: "attributes", label: "Attributes (JSON)", type: "json" },
  ];
}

/** Group ↔ form values: roles live in the attributes. */
function toForm(g: Group): Values {
  const attributes = { ...(g.attributes ?? {}) };
  const roles = Array.isArray(attributes[ROLES_ATTRIBUTE]) ? (attributes[ROLES_ATTRIBUTE] as string[]) : [];
  delete attributes[ROLES_ATTRIBUTE];
  return { ...(g as unknown as Values), attributes, roles };
}
function toBody(body: Values): Values {
  const { roles, ...rest } = body;
  const attributes = { ...((rest.attributes as Record<string, unknown> | undefined) ?? {}) };
  if (Array.isArray(roles) && roles.length) attributes[ROLES_ATTRIBUTE] = roles;
  return { ...rest, attributes };
}

/** Parent chain as "a › b › c", from the list of all groups. */
function pathOf(g: Group, all: Map<string, Group>): string {
  const names = [g.name];
  let p = g.parent;
  for (let i = 0; p && i < 20; i++) {
    const parent = all.get(p);
    if (!parent) break;
    names.unshift(parent.name);
    p = parent.parent;
  }
  return names.join(" › ");
}

export function GroupsPage() {
  const [creating, setCreating] = useState(false);
  const all = useAll<Group>("core/groups/");
  const roles = useAll<Role>("rbac/roles/");
  const byPk = new Map((all.data ?? []).map((g) => [g.pk, g]));
  const refresh = useRefresh();
  const [, navigate] = useLocation();
  return (
    <div class="stack">
      <PageHeader title="Groups" description="Groups nest: a member of a child group is a member of its parents.">
        <button type="button" class="btn primary" onClick={() => setCreating(true)}>Create group</button>
      </PageHeader>
      <section class="card">
        <DataTable<Group>
          path="core/groups/"
          label="Groups"
          ordering="name"
          rowKey={(g) => g.pk}
          columns={[
            { title: "Name", sort: "name", render: (g) => <Link href={`/groups/${g.pk}`}>{g.name}</Link> },
            { title: "Path", render: (g) => <span class="muted">{pathOf(g, byPk)}</span> },
            { title: "Members", render: (g) => g.users?.length ?? "–" },
            { title: "Superuser", sort: "is_superuser", render: (g) => <YesNo value={g.is_superuser} /> },
          ]}
        />
      </section>
      {creating && (
        <Modal title="Create group" onClose={() => setCreating(false)}>
          <SpecForm
            fields={groupFields(all.data ?? [], roles.data ?? [])}
            initial={{ is_superuser: false, roles: [] }}
            submitLabel="Create"
            onCancel={() => setCreating(false)}
            onSubmit={async (body) => {
              const g = await api<Group>("core/groups/", { method: "POST", body: toBody(body) });
              await refresh("core/groups");
              navigate(`/groups/${g.pk}`);
            }}
          />
        </Modal>
      )}
    </div>
  );
}

function AddMember({ group, onClose }: { group: Group; onClose: () => void }) {
  const refresh = useRefresh();
  const users = useAll<User>("core/users/", { ordering: "username" });
  return (
    <Modal title={`Add a member to ${group.name}`} onClose={onClose}>
      {!users.data ? <Loading /> : (
        <SpecForm
          fields={[{ name: "pk", label: "User", type: "select", required: true, options: users.data.filter((u) => !group.users?.includes(u.pk)).map((u) => ({ value: String(u.pk), label: `${u.username}${u.name ? ` (${u.name})` : ""}` })) }]}
          initial={{ pk: String(users.data.find((u) => !group.users?.includes(u.pk))?.pk ?? "") }}
          submitLabel="Add"
          onCancel={onClose}
          onSubmit={async (body) => {
            // authentik's group serializer takes the full member list (`users`).
            await api(`core/groups/${group.pk}/`, { method: "PATCH", body: { users: [...(group.users ?? []), Number(body.pk)] } });
            await Promise.all([refresh("core/groups"), refresh("core/users")]);
            onClose();
          }}
        />
      )}
    </Modal>
  );
}

export function GroupDetail() {
  const { pk } = useParams<{ pk: string }>();
  const group = useApi<Group>(`core/groups/${pk}/`, { include_users: true });
  const all = useAll<Group>("core/groups/");
  const roles = useAll<Role>("rbac/roles/");
  const refresh = useRefresh();
  const [, navigate] = useLocation();
  const [modal, setModal] = useState<"edit" | "add" | null>(null);
  const [error, setError] = useState<unknown>(null);
  const g = group.data;
  // authentik's group serializer takes the full member list (`users`).
  const setMembers = async (target: Group, users: number[]) => {
    await api(`core/groups/${target.pk}/`, { method: "PATCH", body: { users } });
    await Promise.all([refresh("core/groups"), refresh("core/users")]);
  };
  if (group.error) return <ErrorBox error={group.error} />;
  if (!g) return <Loading />;
  const byPk = new Map((all.data ?? []).map((x) => [x.pk, x]));
  const children = (all.data ?? []).filter((x) => x.parent === g.pk);
  return (
    <div class="stack">
      <PageHeader title={g.name} description={pathOf(g, byPk)}>
        <button type="button" class="btn" onClick={() => setModal("edit")}>Edit</button>
        <button type="button" class="btn primary" onClick={() => setModal("add")}>Add member</button>
        <button type="button" class="btn danger" onClick={() => confirmDelete(`group “${g.name}”`, `core/groups/${g.pk}/`, async () => { await refresh("core/groups"); navigate("/groups"); }).catch(setError)}>Delete</button>
      </PageHeader>
      <ErrorBox error={error} />
      <div class="grid-2">
        <Card title="Members">
          {(g.users_obj ?? []).length === 0 ? (
            <p class="muted">No direct members.</p>
          ) : (
            <table class="data" aria-label="Members">
              <thead><tr><th>Username</th><th>Name</th><th /></tr></thead>
              <tbody>
                {g.users_obj!.map((u) => (
                  <tr key={u.pk}>
                    <td data-label="Username"><Link href={`/users/${u.pk}`}>{u.username}</Link></td>
                    <td data-label="Name">{u.name || "–"}</td>
                    <td class="actions">
                      <button type="button" class="btn small danger" onClick={() => setMembers(g, (g.users ?? []).filter((x) => x !== u.pk)).catch(setError)}>
                        Remove
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
        <div class="stack">
          <Card title="Details">
            <div class="stack">
              <div><div class="muted small">Superuser</div><YesNo value={g.is_superuser} /></div>
              <div><div class="muted small">Admin roles</div>{(toForm(g).roles as string[]).join(", ") || "–"}</div>
              <div><div class="muted small">Parent</div>{g.parent ? <Link href={`/groups/${g.parent}`}>{byPk.get(g.parent)?.name ?? g.parent_name ?? g.parent}</Link> : "–"}</div>
            </div>
          </Card>
          <Card title="Child groups">
            {children.length === 0 ? <p class="muted">None.</p> : <ul>{children.map((c) => <li key={c.pk}><Link href={`/groups/${c.pk}`}>{c.name}</Link></li>)}</ul>}
          </Card>
        </div>
      </div>
      {modal === "edit" && (
        <Modal title={`Edit ${g.name}`} onClose={() => setModal(null)}>
          <SpecForm
            fields={groupFields(all.data ?? [], roles.data ?? [], g.pk)}
            initial={toForm(g)}
            onCancel={() => setModal(null)}
            onSubmit={async (body) => {
              await api(`core/groups/${g.pk}/`, { method: "PATCH", body: toBody(body) });
              await refresh("core/groups");
              setModal(null);
            }}
          />
        </Modal>
      )}
      {modal === "add" && <AddMember group={g} onClose={() => setModal(null)} />}
    </div>
  );
}
