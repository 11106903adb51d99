import { Link } from "wouter-preact";
import { BarChart } from "../../components/chart";
import { ago, Badge, Card, ErrorBox, Loading, PageHeader } from "../../components/ui";
import { useApi, useList } from "../../lib/api";
import type { Application, Event, EventVolume, Outpost, OutpostHealth, User } from "../../lib/types";

const DAYS = 7;

/** Per-day totals of one action over the last DAYS days (the API buckets by hour or day). */
export function perDay(volume: EventVolume[], action: string, days: number, now = new Date()): { labels: string[]; values: number[] } {
  const start = new Date(now.getFullYear(), now.getMonth(), now.getDate() - days + 1);
  const labels: string[] = [];
  const values = new Array<number>(days).fill(0);
  for (let i = 0; i < days; i++) {
    const d = new Date(start.getFullYear(), start.getMonth(), start.getDate() + i);
    labels.push(d.toLocaleDateString(undefined, { month: "short", day: "numeric" }));
  }
  for (const v of volume) {
    if (v.action !== action) continue;
    const t = new Date(v.time);
    const i = Math.floor((new Date(t.getFullYear(), t.getMonth(), t.getDate()).getTime() - start.getTime()) / 86_400_000);
    if (i >= 0 && i < days) values[i]! += v.count;
  }
  return { labels, values };
}

function OutpostRow({ outpost }: { outpost: Outpost }) {
  const health = useApi<OutpostHealth[]>(`outposts/instances/${outpost.pk}/health/`);
  const last = health.data?.map((h) => h.last_seen).filter(Boolean).sort().pop() ?? null;
  // The API's verdict: an instance called the API recently.
  const fresh = (health.data ?? []).some((h) => h.healthy);
  return (
    <tr>
      <td data-label="Outpost">{outpost.name}</td>
      <td data-label="Type">{outpost.type}</td>
      <td data-label="Status">
        {health.error ? <Badge kind="warn">unknown</Badge> : fresh ? <Badge kind="ok">healthy</Badge> : <Badge kind="bad">{last ? "stale" : "never seen"}</Badge>}
      </td>
      <td data-label="Last seen">{ago(last)}</td>
    </tr>
  );
}

export function Dashboard() {
  const volume = useApi<EventVolume[]>("events/events/volume/", { history_days: DAYS });
  const apps = useList<Application>("core/applications/", { page_size: 1 });
  const users = useList<User>("core/users/", { page_size: 1, is_active: true });
  const outposts = useList<Outpost>("outposts/instances/", { page_size: 20 });
  const events = useList<Event>("events/events/", { page_size: 8, ordering: "-created" });
  const logins = perDay(volume.data ?? [], "login", DAYS);
  const failed = perDay(volume.data ?? [], "login_failed", DAYS);
  return (
    <div class="stack">
      <PageHeader title="Overview" description="Logins, applications and outposts at a glance." />
      <div class="grid">
        <Card title="Applications">
          <div class="stat" data-testid="apps-count">{apps.data?.pagination.count ?? "–"}</div>
          <Link href="/applications">Manage applications →</Link>
        </Card>
        <Card title="Active users">
          <div class="stat">{users.data?.pagination.count ?? "–"}</div>
          <Link href="/users">Manage users →</Link>
        </Card>
        <Card title="Logins (7 days)">
          <div class="stat">{logins.values.reduce((a, b) => a + b, 0)}</div>
          <span class="muted">{failed.values.reduce((a, b) => a + b, 0)} failed</span>
        </Card>
      </div>
      <div class="grid-2">
        <Card title="Logins over the last 7 days">
          <ErrorBox error={volume.error} />
          {volume.data ? (
            <BarChart
              title="Logins and failed logins per day"
              labels={logins.labels}
              series={[
                { label: "Logins", color: "#1e8a4c", values: logins.values },
                { label: "Failed logins", color: "#c53030", values: failed.values },
              ]}
            />
          ) : (
            !volume.error && <Loading />
          )}
        </Card>
        <Card title="Outposts">
          <ErrorBox error={outposts.error} />
          {outposts.data?.results.length === 0 && <p class="muted">No outposts. LDAP and proxy providers need one.</p>}
          {outposts.data && outposts.data.results.length > 0 && (
            <table class="data">
              <tbody>
                {outposts.data.results.map((o) => (
                  <OutpostRow key={o.pk} outpost={o} />
                ))}
              </tbody>
            </table>
          )}
        </Card>
      </div>
      <Card title="Recent events" actions={<Link href="/events">All events →</Link>}>
        <ErrorBox error={events.error} />
        <table class="data">
          <tbody>
            {events.data?.results.map((e) => (
              <tr key={e.pk}>
                <td data-label="Action">
                  <Badge kind={e.action === "login_failed" ? "bad" : e.action === "login" ? "ok" : undefined}>{e.action}</Badge>
                </td>
                <td data-label="User">{e.user?.username ?? "–"}</td>
                <td data-label="When">{ago(e.created)}</td>
                <td data-label="IP">{e.client_ip ?? "–"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
    </div>
  );
}
