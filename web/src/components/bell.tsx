/** In-app notifications (authentik's `events/notifications`): unseen count, drawer, mark as seen. */
import { useState } from "preact/hooks";
import { api, useList } from "../lib/api";
import type { Notification } from "../lib/types";
import { ago, ErrorBox } from "./ui";

export function NotificationBell() {
  const [open, setOpen] = useState(false);
  const list = useList<Notification>("events/notifications/", { seen: false, ordering: "-created", page_size: 20 }, { refreshInterval: 60_000 });
  const count = list.data?.pagination.count ?? 0;
  async function markAll() {
    await api("events/notifications/mark_all_seen/", { method: "POST" });
    await list.mutate();
  }
  async function markOne(n: Notification) {
    await api(`events/notifications/${n.pk}/`, { method: "PATCH", body: { seen: true } });
    await list.mutate();
  }
  return (
    <div class="bell">
      <button type="button" class="btn icon" aria-label={`Notifications (${count} unread)`} aria-expanded={open} onClick={() => setOpen(!open)}>
        <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">
          <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" />
          <path d="M13.73 21a2 2 0 0 1-3.46 0" />
        </svg>
        {count > 0 && <span class="count">{count > 99 ? "99+" : count}</span>}
      </button>
      {open && (
        <div class="drawer" role="dialog" aria-label="Notifications">
          <div class="item row">
            <strong style={{ flex: 1 }}>Notifications</strong>
            {count > 0 && (
              <button type="button" class="btn small" onClick={markAll}>
                Mark all read
              </button>
            )}
          </div>
          <ErrorBox error={list.error} />
          {list.data?.results.length === 0 && <div class="item muted">You're all caught up.</div>}
          {list.data?.results.map((n) => (
            <div class="item" key={n.pk}>
              <div class="row">
                <span class={`badge ${n.severity === "alert" ? "bad" : n.severity === "warning" ? "warn" : ""}`}>{n.severity}</span>
                <span class="small muted" style={{ flex: 1 }}>
                  {ago(n.created)}
                </span>
                <button type="button" class="btn small" onClick={() => markOne(n)}>
                  Read
                </button>
              </div>
              <div>{n.body}</div>
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
