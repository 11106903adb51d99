import { useState } from "preact/hooks";
import { useDebounced, DataTable } from "../../components/table";
import { ago, Badge, formatDate, PageHeader } from "../../components/ui";
import type { Event } from "../../lib/types";

const ACTIONS = [
  "login", "login_failed", "logout", "user_write", "suspicious_request", "password_set", "secret_view", "secret_rotate",
  "invitation_used", "authorize_application", "flow_execution", "policy_execution", "policy_exception",
  "configuration_error", "model_created", "model_updated", "model_deleted", "email_sent", "system_exception",
];

function kind(action: string): "ok" | "bad" | "warn" | undefined {
  if (action === "login" || action === "authorize_application") return "ok";
  if (/failed|exception|suspicious|error/.test(action)) return "bad";
  if (/deleted|secret|password/.test(action)) return "warn";
  return undefined;
}

/** The audit log (authentik's `events/events`), filterable by action, user and client IP. */
export function EventsPage() {
  const [action, setAction] = useState("");
  const [username, setUsername] = useState("");
  const [ip, setIp] = useState("");
  const [open, setOpen] = useState<string | null>(null);
  const user = useDebounced(username);
  const clientIp = useDebounced(ip);
  return (
    <div class="stack">
      <PageHeader title="Audit log" description="Every login, change and failure, newest first." />
      <section class="card">
        <DataTable<Event>
          path="events/events/"
          label="Events"
          ordering="-created"
          query={{ action, username: user, client_ip: clientIp }}
          rowKey={(e) => e.pk}
          toolbar={
            <>
              <select aria-label="Action" value={action} onChange={(e) => setAction(e.currentTarget.value)} style={{ maxWidth: "220px" }}>
                <option value="">All actions</option>
                {ACTIONS.map((a) => <option key={a} value={a}>{a}</option>)}
              </select>
              <input aria-label="Username" placeholder="Username" value={username} onInput={(e) => setUsername(e.currentTarget.value)} style={{ maxWidth: "180px" }} />
              <input aria-label="Client IP" placeholder="Client IP" value={ip} onInput={(e) => setIp(e.currentTarget.value)} style={{ maxWidth: "160px" }} />
            </>
          }
          columns={[
            { title: "Action", sort: "action", render: (e) => <Badge kind={kind(e.action)}>{e.action}</Badge> },
            { title: "User", render: (e) => e.user?.username ?? "–" },
            { title: "Created", sort: "created", render: (e) => <span title={formatDate(e.created)}>{ago(e.created)}</span> },
            { title: "Client IP", sort: "client_ip", render: (e) => e.client_ip ?? "–" },
            {
              title: "Context",
              render: (e) =>
                open === e.pk ? (
                  <pre style={{ maxWidth: "480px", margin: 0 }} onClick={() => setOpen(null)}>{JSON.stringify(e.context, null, 2)}</pre>
                ) : (
                  <button type="button" class="btn small" onClick={() => setOpen(e.pk)}>Show</button>
                ),
            },
          ]}
        />
      </section>
    </div>
  );
}
