import { useState } from "preact/hooks";
import { useMe } from "../../components/shell";
import { ago, Badge, Card, ErrorBox, Loading, PageHeader } from "../../components/ui";
import { api, useList } from "../../lib/api";
import type { AuthenticatedSession } from "../../lib/types";

export function describeAgent(s: AuthenticatedSession): string {
  // authentik nests ua-parser results (`user_agent.user_agent.family`); flat names are accepted too.
  const ua = s.user_agent as unknown as Record<string, unknown> | null;
  const name = (v: unknown) => {
    const n = typeof v === "string" ? v : (v as { family?: string } | undefined)?.family;
    return n && n !== "Other" ? n : undefined;
  };
  const browser = name(ua?.user_agent) ?? name(ua?.browser);
  const os = name(ua?.os);
  if (browser || os) return [browser, os].filter(Boolean).join(" on ");
  return s.last_user_agent ? s.last_user_agent.slice(0, 60) : "Unknown device";
}

/** The user's sessions (authentik's `core/authenticated_sessions`); revoking one logs it out. */
export function Sessions() {
  const me = useMe();
  const pk = me.data?.user.pk;
  const list = useList<AuthenticatedSession>(pk === undefined ? null : "core/authenticated_sessions/", { user: pk, ordering: "-last_used", page_size: 100 });
  const [error, setError] = useState<unknown>(null);
  async function revoke(s: AuthenticatedSession) {
    setError(null);
    try {
      await api(`core/authenticated_sessions/${s.uuid}/`, { method: "DELETE" });
      if (s.current) location.assign("/if/flow/default-authentication-flow/");
      else await list.mutate();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <div class="stack">
      <PageHeader title="Sessions" description="Where you are signed in. Revoke a session to sign that device out." />
      <Card>
        <ErrorBox error={list.error ?? error} />
        {!list.data && !list.error && <Loading />}
        {list.data && (
          <table class="data" aria-label="Sessions">
            <thead><tr><th>Device</th><th>IP address</th><th>Last used</th><th /></tr></thead>
            <tbody>
              {list.data.results.map((s) => (
                <tr key={s.uuid} data-session={s.uuid}>
                  <td data-label="Device">
                    {describeAgent(s)} {s.current && <Badge kind="ok">this session</Badge>}
                  </td>
                  <td data-label="IP address">{s.last_ip || "–"}</td>
                  <td data-label="Last used">{ago(s.last_used)}</td>
                  <td class="actions">
                    <button type="button" class="btn small danger" onClick={() => revoke(s)}>
                      {s.current ? "Sign out" : "Revoke"}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}
