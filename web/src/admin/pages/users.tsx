import { useState } from "preact/hooks";
import { Link, useLocation, useParams } from "wouter-preact";
import { SpecForm, type FieldSpec, type Values } from "../../components/form";
import { Modal } from "../../components/modal";
import { confirmDelete, SecretOnce, useRefresh } from "../../components/resource";
import { DataTable } from "../../components/table";
import { ago, Badge, Card, ErrorBox, formatDate, Loading, PageHeader, Tabs, YesNo } from "../../components/ui";
import { api, useAll, useApi } from "../../lib/api";
import type { AuthenticatedSession, Device, Group, User } from "../../lib/types";
import { describeAgent } from "../../user/pages/sessions";

function userFields(groups: Group[], creating: boolean): FieldSpec[] {
  return [
    { name: "username", label: "Username", required: true, help: "Letters, digits and @ . + - _" },
    { name: "name", label: "Name" },
    { name: "email", label: "Email", type: "email" },
    { name: "path", label: "Path", help: "Folder-like path for organising users (authentik's `path`)." },
    { name: "type", label: "Type", type: "select", required: true, options: ["internal", "external", "service_account"].map((t) => ({ value: t, label: t })) },
    { name: "is_active", label: "Active", type: "checkbox", help: "Inactive users cannot sign in." },
    ...(creating ? [{ name: "groups", label: "Groups", type: "multiselect" as const, options: groups.map((g) => ({ value: g.pk, label: g.name })) }] : []),
    { name: "attributes", label: "Attributes (JSON)", type: "json" },
  ];
}

export function UsersPage() {
  const [creating, setCreating] = useState(false);
  const [, navigate] = useLocation();
  const groups = useAll<Group>("core/groups/");
  const refresh = useRefresh();
  return (
    <div class="stack">
      <PageHeader title="Users" description="People and service accounts that can sign in.">
        <button type="button" class="btn primary" onClick={() => setCreating(true)}>
          Create user
        </button>
      </PageHeader>
      <section class="card">
        <DataTable<User>
          path="core/users/"
          label="Users"
          ordering="username"
          rowKey={(u) => u.pk}
          columns={[
            { title: "Username", sort: "username", render: (u) => <Link href={`/users/${u.pk}`}>{u.username}</Link> },
            { title: "Name", sort: "name", render: (u) => u.name || "–" },
            { title: "Active", sort: "is_active", render: (u) => (u.is_active ? <Badge kind="ok">active</Badge> : <Badge kind="bad">inactive</Badge>) },
            { title: "Last login", sort: "last_login", render: (u) => ago(u.last_login) },
          ]}
        />
      </section>
      {creating && (
        <Modal title="Create user" onClose={() => setCreating(false)}>
          <SpecForm
            fields={userFields(groups.data ?? [], true)}
            initial={{ is_active: true, type: "internal", path: "users", groups: [] }}
            submitLabel="Create"
            onCancel={() => setCreating(false)}
            onSubmit={async (body) => {
              const user = await api<User>("core/users/", { method: "POST", body });
              await refresh("core/users");
              navigate(`/users/${user.pk}`);
            }}
          />
        </Modal>
      )}
    </div>
  );
}

function SetPassword({ user, onClose }: { user: User; onClose: () => void }) {
  const [done, setDone] = useState(false);
  return (
    <Modal title={`Set password of ${user.username}`} onClose={onClose}>
      {done ? (
        <div class="stack">
          <div class="success-box">Password updated.</div>
          <div class="form-actions"><button class="btn primary" onClick={onClose}>Done</button></div>
        </div>
      ) : (
        <SpecForm
          fields={[{ name: "password", label: "New password", type: "password", required: true }]}
          submitLabel="Set password"
          onCancel={onClose}
          onSubmit={async (body) => {
            await api(`core/users/${user.pk}/set_password/`, { method: "POST", body });
            setDone(true);
          }}
        />
      )}
    </Modal>
  );
}

function UserSessions({ user }: { user: User }) {
  const refresh = useRefresh();
  const [error, setError] = useState<unknown>(null);
  return (
    <>
      <ErrorBox error={error} />
      <DataTable<AuthenticatedSession>
        path="core/authenticated_sessions/"
        query={{ user: user.pk }}
        search={false}
        label="Sessions"
        ordering="-last_used"
        rowKey={(s) => s.uuid}
        empty="No active sessions."
        columns={[
          { title: "Device", render: describeAgent },
          { title: "IP", render: (s) => s.last_ip || "–" },
          { title: "Last used", render: (s) => ago(s.last_used) },
          { title: "Expires", render: (s) => formatDate(s.expires) },
        ]}
        actions={(s) => (
          <button type="button" class="btn small danger" onClick={() => confirmDelete("this session", `core/authenticated_sessions/${s.uuid}/`, () => refresh("core/authenticated_sessions")).catch(setError)}>
            Revoke
          </button>
        )}
      />
    </>
  );
}

function UserDevices({ user }: { user: User }) {
  const list = useApi<Device[]>("authenticators/admin/all/", { user: user.pk });
  if (list.error) return <ErrorBox error={list.error} />;
  if (!list.data) return <Loading />;
  if (list.data.length === 0) return <p class="muted">No MFA devices or passkeys.</p>;
  return (
    <table class="data" aria-label="MFA devices">
      <thead><tr><th>Name</th><th>Type</th><th>Created</th><th>Last used</th></tr></thead>
      <tbody>
        {list.data.map((d) => (
          <tr key={`${d.type}-${d.pk}`}>
            <td data-label="Name">{d.name}</td>
            <td data-label="Type">{d.verbose_name ?? d.type}</td>
            <td data-label="Created">{formatDate(d.created)}</td>
            <td data-label="Last used">{formatDate(d.last_used)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function UserDetail() {
  const { pk } = useParams<{ pk: string }>();
  const user = useApi<User>(`core/users/${pk}/`);
  const groups = useAll<Group>("core/groups/");
  const refresh = useRefresh();
  const [, navigate] = useLocation();
  const [tab, setTab] = useState<"overview" | "sessions" | "devices" | "groups">("overview");
  const [modal, setModal] = useState<"edit" | "password" | null>(null);
  const [link, setLink] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const u = user.data;
  if (user.error) return <ErrorBox error={user.error} />;
  if (!u) return <Loading />;
  const act = (fn: () => Promise<unknown>) => () => {
    setError(null);
    fn().catch(setError);
  };
  return (
    <div class="stack">
      <PageHeader title={u.username} description={u.name || u.email || undefined}>
        <button type="button" class="btn" onClick={() => setModal("edit")}>Edit</button>
        <button type="button" class="btn" onClick={() => setModal("password")}>Set password</button>
        <button
          type="button"
          class="btn"
          onClick={act(async () => setLink((await api<{ link: string }>(`core/users/${u.pk}/recovery/`, { method: "POST" })).link))}
        >
          Recovery link
        </button>
        <button
          type="button"
          class={`btn ${u.is_active ? "danger" : ""}`}
          onClick={act(async () => {
            await api(`core/users/${u.pk}/`, { method: "PATCH", body: { is_active: !u.is_active } });
            await refresh("core/users");
          })}
        >
          {u.is_active ? "Deactivate" : "Activate"}
        </button>
        <button type="button" class="btn danger" onClick={act(() => confirmDelete(`user “${u.username}”`, `core/users/${u.pk}/`, async () => navigate("/users")))}>
          Delete
        </button>
      </PageHeader>
      <ErrorBox error={error} />
      <Tabs
        value={tab}
        onChange={setTab}
        tabs={[["overview", "Overview"], ["sessions", "Sessions"], ["devices", "MFA devices"], ["groups", "Groups"]]}
      />
      {tab === "overview" && (
        <Card>
          <div class="grid">
            <div><div class="muted small">Status</div>{u.is_active ? <Badge kind="ok">active</Badge> : <Badge kind="bad">inactive</Badge>}</div>
            <div><div class="muted small">Email</div>{u.email || "–"}</div>
            <div><div class="muted small">Superuser</div><YesNo value={u.is_superuser} /></div>
            <div><div class="muted small">Last login</div>{formatDate(u.last_login)}</div>
            <div><div class="muted small">Joined</div>{formatDate(u.date_joined)}</div>
            <div><div class="muted small">Path</div>{u.path}</div>
            <div><div class="muted small">Type</div>{u.type}</div>
          </div>
        </Card>
      )}
      {tab === "sessions" && <Card><UserSessions user={u} /></Card>}
      {tab === "devices" && <Card><UserDevices user={u} /></Card>}
      {tab === "groups" && (
        <Card>
          {(u.groups_obj ?? []).length === 0 ? (
            <p class="muted">Not a member of any group.</p>
          ) : (
            <ul>{u.groups_obj!.map((g) => <li key={g.pk}><Link href={`/groups/${g.pk}`}>{g.name}</Link></li>)}</ul>
          )}
        </Card>
      )}
      {modal === "edit" && (
        <Modal title={`Edit ${u.username}`} onClose={() => setModal(null)}>
          <SpecForm
            fields={userFields(groups.data ?? [], false)}
            initial={u as unknown as Values}
            onCancel={() => setModal(null)}
            onSubmit={async (body) => {
              await api(`core/users/${u.pk}/`, { method: "PATCH", body });
              await refresh("core/users");
              setModal(null);
            }}
          />
        </Modal>
      )}
      {modal === "password" && <SetPassword user={u} onClose={() => setModal(null)} />}
      {link && (
        <SecretOnce title="Recovery link" label={`Single-use link for ${u.username} (valid 30 minutes)`} value={link} onClose={() => setLink(null)} />
      )}
    </div>
  );
}
