/** Brands, certificates & keys, API tokens. */
import { useState } from "preact/hooks";
import { SpecForm } from "../../components/form";
import { Modal } from "../../components/modal";
import { ResourcePage, SecretOnce, useRefresh } from "../../components/resource";
import { Badge, ErrorBox, formatDate, YesNo } from "../../components/ui";
import { api, useAll } from "../../lib/api";
import type { Brand, CertificateKeyPair, Flow, Token, User } from "../../lib/types";

export function BrandsPage() {
  const flows = useAll<Flow>("flows/instances/");
  const flowOpts = (d: string) => (flows.data ?? []).filter((f) => f.designation === d).map((f) => ({ value: f.pk, label: f.slug }));
  return (
    <ResourcePage<Brand>
      spec={{
        title: "Brands",
        description: "Per-domain title, logo and default flows.",
        path: "core/brands/",
        singular: "brand",
        id: (b) => b.brand_uuid,
        label: (b) => b.domain,
        ordering: "domain",
        defaults: { default: false, branding_title: "Threshold" },
        columns: [
          { title: "Domain", sort: "domain", render: (b) => b.domain },
          { title: "Title", render: (b) => b.branding_title },
          { title: "Default", sort: "default", render: (b) => <YesNo value={b.default} /> },
        ],
        fields: [
          { name: "domain", label: "Domain", required: true, help: "Matched against the request's host (suffix match)." },
          { name: "default", label: "Default brand", type: "checkbox" },
          { name: "branding_title", label: "Title", required: true },
          { name: "branding_logo", label: "Logo URL" },
          { name: "branding_favicon", label: "Favicon URL" },
          { name: "flow_authentication", label: "Authentication flow", type: "select", options: flowOpts("authentication") },
          { name: "flow_invalidation", label: "Invalidation flow", type: "select", options: flowOpts("invalidation") },
          { name: "flow_recovery", label: "Recovery flow", type: "select", options: flowOpts("recovery") },
          { name: "flow_user_settings", label: "User settings flow", type: "select", options: flowOpts("stage_configuration") },
        ],
      }}
    />
  );
}

function GenerateKey({ onClose }: { onClose: () => void }) {
  const refresh = useRefresh();
  const [mode, setMode] = useState<"generate" | "import">("generate");
  return (
    <Modal title="Certificate & key" onClose={onClose}>
      <div class="tabs">
        <button type="button" class={mode === "generate" ? "active" : ""} onClick={() => setMode("generate")}>Generate</button>
        <button type="button" class={mode === "import" ? "active" : ""} onClick={() => setMode("import")}>Import</button>
      </div>
      {mode === "generate" ? (
        <SpecForm
          key="g"
          fields={[
            { name: "common_name", label: "Common name", required: true, help: "A self-signed certificate valid for 10 years is created with the key." },
            { name: "alg", label: "Algorithm", type: "select", required: true, options: [{ value: "rsa", label: "RSA" }, { value: "ecdsa", label: "ECDSA (P-256)" }, { value: "ed25519", label: "Ed25519 (EdDSA; OIDC tokens only, not SAML)" }] },
          ]}
          initial={{ alg: "rsa" }}
          submitLabel="Generate"
          onCancel={onClose}
          onSubmit={async (body) => {
            await api("crypto/certificatekeypairs/generate/", { method: "POST", body });
            await refresh("crypto");
            onClose();
          }}
        />
      ) : (
        <SpecForm
          key="i"
          fields={[
            { name: "name", label: "Name", required: true },
            { name: "certificate_data", label: "Certificate (PEM)", type: "textarea", required: true },
            { name: "key_data", label: "Private key (PEM)", type: "textarea", help: "Optional: without it the certificate only verifies." },
          ]}
          submitLabel="Import"
          onCancel={onClose}
          onSubmit={async (body) => {
            await api("crypto/certificatekeypairs/", { method: "POST", body });
            await refresh("crypto");
            onClose();
          }}
        />
      )}
    </Modal>
  );
}

export function KeysPage() {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [rotated, setRotated] = useState(false);
  const refresh = useRefresh();
  async function rotate() {
    if (!confirm("Rotate the token-signing key now? The next key (already published in JWKS) signs from now on.")) return;
    setError(null);
    await api("crypto/certificatekeypairs/rotate/", { method: "POST" });
    setRotated(true);
    await refresh("crypto");
  }
  return (
    <>
      <ErrorBox error={error} />
      {rotated && <div class="success-box">Signing key rotated.</div>}
      <ResourcePage<CertificateKeyPair>
        spec={{
          title: "Certificates & keys",
          description: "Signing keys for OIDC and SAML, certificates of service providers. Private keys are stored wrapped.",
          path: "crypto/certificatekeypairs/",
          singular: "key pair",
          id: (k) => k.pk,
          label: (k) => k.name,
          ordering: "name",
          canEdit: false,
          headerActions: (
            <>
              <button type="button" class="btn" onClick={() => rotate().catch(setError)}>Rotate signing key</button>
              <button type="button" class="btn primary" onClick={() => setOpen(true)}>Generate or import</button>
            </>
          ),
          columns: [
            { title: "Name", sort: "name", render: (k) => <>{k.name} {k.managed && <Badge>managed</Badge>}</> },
            { title: "Private key", render: (k) => (k.private_key_available ? <Badge kind="ok">{k.key_type ?? "yes"}</Badge> : <Badge>certificate only</Badge>) },
            { title: "Expires", sort: "cert_expiry", render: (k) => formatDate(k.cert_expiry) },
            { title: "SHA-256", render: (k) => <code class="small">{k.fingerprint_sha256?.slice(0, 23) ?? "–"}…</code> },
          ],
          extraActions: (k) =>
            k.certificate_data ? (
              <a class="btn small" href={`data:application/x-pem-file;charset=utf-8,${encodeURIComponent(k.certificate_data)}`} download={`${k.name}.pem`}>
                Certificate
              </a>
            ) : null,
        }}
      />
      {open && <GenerateKey onClose={() => setOpen(false)} />}
    </>
  );
}

export function TokensPage() {
  const users = useAll<User>("core/users/");
  const [shown, setShown] = useState<{ identifier: string; key: string } | null>(null);
  const view = (t: Token) => api<{ key: string }>(`core/tokens/${t.identifier}/view_key/`).then((r) => setShown({ identifier: t.identifier, key: r.key }));
  return (
    <>
      <ResourcePage<Token>
        spec={{
          title: "Tokens",
          description: "API tokens (Bearer) and app passwords. Viewing a key is logged.",
          path: "core/tokens/",
          singular: "token",
          id: (t) => t.identifier,
          label: (t) => t.identifier,
          ordering: "identifier",
          defaults: { intent: "api", expiring: true },
          columns: [
            { title: "Identifier", sort: "identifier", render: (t) => <code>{t.identifier}</code> },
            { title: "User", render: (t) => t.user_obj?.username ?? t.user ?? "–" },
            { title: "Intent", sort: "intent", render: (t) => <Badge>{t.intent}</Badge> },
            { title: "Expires", sort: "expires", render: (t) => (t.expiring ? formatDate(t.expires) : "never") },
          ],
          fields: [
            { name: "identifier", label: "Identifier", required: true },
            { name: "user", label: "User", type: "select", numeric: true, required: true, options: (users.data ?? []).map((u) => ({ value: String(u.pk), label: u.username })) },
            { name: "intent", label: "Intent", type: "select", required: true, options: [{ value: "api", label: "API token" }, { value: "app_password", label: "App password" }] },
            { name: "description", label: "Description" },
            { name: "expiring", label: "Expires", type: "checkbox" },
            { name: "expires", label: "Expiry", type: "text", placeholder: "2027-01-01T00:00:00Z", when: (v) => Boolean(v.expiring) },
          ],
          editFields: [
            { name: "description", label: "Description" },
            { name: "expiring", label: "Expires", type: "checkbox" },
            { name: "expires", label: "Expiry", type: "text", when: (v) => Boolean(v.expiring) },
          ],
          extraActions: (t) => <button type="button" class="btn small" onClick={() => view(t)}>View key</button>,
        }}
      />
      {shown && <SecretOnce title={`Token ${shown.identifier}`} label="Key" value={shown.key} onClose={() => setShown(null)} />}
    </>
  );
}
