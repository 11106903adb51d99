import { useState } from "preact/hooks";
import { Card, ErrorBox, formatDate, Loading, PageHeader } from "../../components/ui";
import { api, useApi } from "../../lib/api";
import type { Device } from "../../lib/types";
import { flowLink } from "./settings";

/** Device model → API collection, as authentik names them (`authenticators/<kind>/<pk>/`). */
export function deviceKind(d: Device): string {
  const s = `${d.meta_model_name ?? ""} ${d.type}`.toLowerCase();
  for (const k of ["webauthn", "totp", "static", "email", "sms", "duo"]) if (s.includes(k)) return k;
  return "unknown";
}
const LABEL: Record<string, string> = { webauthn: "Passkey / security key", totp: "Authenticator app (TOTP)", static: "Recovery codes", email: "Email codes", sms: "SMS", duo: "Duo" };

const ADD: [slug: string, label: string][] = [
  ["default-authenticator-webauthn-setup", "Add a passkey"],
  ["default-authenticator-totp-setup", "Add an authenticator app"],
  ["default-authenticator-static-setup", "Create recovery codes"],
  ["default-authenticator-email-setup", "Add email codes"],
];

export function Devices() {
  const list = useApi<Device[]>("authenticators/all/");
  const [error, setError] = useState<unknown>(null);
  async function remove(d: Device) {
    if (!confirm(`Remove “${d.name}”? You will no longer be able to sign in with it.`)) return;
    setError(null);
    try {
      await api(`authenticators/${deviceKind(d)}/${d.pk}/`, { method: "DELETE" });
      await list.mutate();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <div class="stack">
      <PageHeader title="MFA devices and passkeys" description="Second factors and passkeys you can sign in with." />
      <Card title="Add a device">
        <div class="row">
          {ADD.map(([slug, label]) => (
            <a key={slug} class="btn" href={flowLink(slug, "/if/user/devices")}>
              {label}
            </a>
          ))}
        </div>
      </Card>
      <Card title="Your devices">
        <ErrorBox error={list.error ?? error} />
        {!list.data && !list.error && <Loading />}
        {list.data?.length === 0 && <p class="muted">No devices yet.</p>}
        {list.data && list.data.length > 0 && (
          <table class="data" aria-label="Devices">
            <thead><tr><th>Name</th><th>Type</th><th>Created</th><th>Last used</th><th /></tr></thead>
            <tbody>
              {list.data.map((d) => (
                <tr key={`${d.type}-${d.pk}`}>
                  <td data-label="Name">{d.name}</td>
                  <td data-label="Type">{LABEL[deviceKind(d)] ?? d.verbose_name ?? d.type}</td>
                  <td data-label="Created">{formatDate(d.created)}</td>
                  <td data-label="Last used">{formatDate(d.last_used)}</td>
                  <td class="actions"><button type="button" class="btn small danger" onClick={() => remove(d)}>Remove</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}
