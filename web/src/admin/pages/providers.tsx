/**
 * Providers, one form per type (authentik's `providers/<type>/`). OAuth2 client secrets come back
 * only in the create response and are shown once; SAML metadata is downloadable.
 */
import { useState } from "preact/hooks";
import { Link, useLocation, useParams } from "wouter-preact";
import { SpecForm, type FieldSpec, type Option, type Values } from "../../components/form";
import { Modal } from "../../components/modal";
import { confirmDelete, SecretOnce, useRefresh } from "../../components/resource";
import { DataTable } from "../../components/table";
import { Card, ErrorBox, Loading, PageHeader } from "../../components/ui";
import { api, useAll, useApi } from "../../lib/api";
import type { CertificateKeyPair, Flow, Group, Provider } from "../../lib/types";

export type ProviderKind = "oauth2" | "saml" | "ldap" | "proxy";
export const KINDS: [ProviderKind, string, string][] = [
  ["oauth2", "OAuth2 / OpenID Connect", "Modern web and mobile apps, APIs."],
  ["saml", "SAML 2.0", "Enterprise apps that speak SAML."],
  ["ldap", "LDAP", "Legacy apps binding over LDAP, through an outpost."],
  ["proxy", "Proxy / forward auth", "Apps without SSO, behind the proxy outpost or nginx/Traefik/Caddy."],
];

/** `authentik_providers_oauth2.oauth2provider` / `ak-provider-oauth2-form` → oauth2. */
export function kindOf(p: Provider): ProviderKind | null {
  const s = `${p.meta_model_name ?? ""} ${p.component ?? ""}`.toLowerCase();
  for (const k of ["oauth2", "saml", "ldap", "proxy"] as const) if (s.includes(k)) return k;
  return null;
}

const opts = (values: string[]): Option[] => values.map((v) => ({ value: v, label: v }));

interface Pickers {
  flows: Flow[];
  keys: CertificateKeyPair[];
  groups: Group[];
  /** OAuth2 providers (JWT federation). */
  oauth2: { pk: number; name: string }[];
}

function flowOptions(flows: Flow[], designation: string): Option[] {
  return flows.filter((f) => f.designation === designation).map((f) => ({ value: f.pk, label: `${f.name} (${f.slug})` }));
}

export function providerFields(kind: ProviderKind, p: Pickers): FieldSpec[] {
  const common: FieldSpec[] = [
    { name: "name", label: "Name", required: true },
    kind === "ldap"
      ? { name: "authorization_flow", label: "Bind flow", type: "select", options: flowOptions(p.flows, "authentication"), help: "LDAP binds run this authentication flow headlessly." }
      : { name: "authorization_flow", label: "Authorization flow", type: "select", required: true, options: flowOptions(p.flows, "authorization"), help: "Runs when a user authorizes this provider (e.g. consent)." },
    { name: "invalidation_flow", label: "Invalidation flow", type: "select", options: flowOptions(p.flows, "invalidation"), help: "Runs on logout from this provider." },
  ];
  // Signing needs a private key; a verification certificate does not.
  const keys = p.keys.filter((k) => k.private_key_available).map((k) => ({ value: k.pk, label: k.name }));
  const certs = p.keys.map((k) => ({ value: k.pk, label: k.name }));
  switch (kind) {
    case "oauth2":
      return [
        ...common,
        { name: "client_type", label: "Client type", type: "select", required: true, options: [{ value: "confidential", label: "Confidential (has a client secret)" }, { value: "public", label: "Public (SPA, mobile; PKCE)" }] },
        { name: "redirect_uris_text", label: "Redirect URIs", type: "lines", required: true, help: "One per line. Prefix a line with regex: for a regular expression." },
        { name: "logout_uris_text", label: "Post-logout redirect URIs", type: "lines", help: "Where end-session may send the browser (post_logout_redirect_uri), one per line, regex: as above. Empty: the redirect URIs." },
        { name: "signing_key", label: "Signing key", type: "select", options: keys, help: "Empty: the install's default key." },
        { name: "allowed_resources", label: "Allowed resources", type: "lines", help: "APIs this client may ask tokens for with the resource parameter (RFC 8707), one exact URI per line; the token's audience. Empty: none, tokens are for the client itself." },
        { name: "jwt_federation_providers", label: "Federated OIDC providers", type: "multiselect", options: p.oauth2.map((o) => ({ value: String(o.pk), label: o.name })), help: "Access tokens these providers issued to a user can be exchanged here for this provider's tokens for that user (token exchange, RFC 8693, or client_credentials with the token as client_assertion)." },
        { name: "sub_mode", label: "Subject mode", type: "select", required: true, options: opts(["hashed_user_id", "user_id", "user_uuid", "user_username", "user_email", "user_upn"]) },
        { name: "include_claims_in_id_token", label: "Include claims in the ID token", type: "checkbox" },
        { name: "access_code_validity", label: "Access code validity", help: "e.g. minutes=1" },
        { name: "access_token_validity", label: "Access token validity", help: "e.g. hours=1" },
        { name: "refresh_token_validity", label: "Refresh token validity", help: "e.g. days=30" },
        { name: "refresh_token_threshold", label: "Refresh token threshold", help: "Replace the refresh token only once less than this is left of it, e.g. days=1; seconds=0: on every refresh." },
      ];
    case "saml":
      return [
        ...common,
        { name: "acs_url", label: "ACS URL", type: "url", required: true },
        { name: "audience", label: "Audience (SP entity ID)" },
        { name: "issuer", label: "Issuer", required: true },
        { name: "sp_binding", label: "Service provider binding", type: "select", required: true, options: opts(["redirect", "post"]) },
        { name: "sls_url", label: "SLS URL", type: "url" },
        { name: "signing_kp", label: "Signing certificate", type: "select", options: keys },
        { name: "verification_kp", label: "Verification certificate", type: "select", options: certs, help: "When set, requests must be signed by the SP." },
        { name: "sign_assertion", label: "Sign assertions", type: "checkbox" },
        { name: "sign_response", label: "Sign responses", type: "checkbox" },
        { name: "default_relay_state", label: "Default relay state" },
      ];
    case "ldap":
      return [
        ...common,
        { name: "base_dn", label: "Base DN", required: true },
        { name: "search_group", label: "Search group", type: "select", options: p.groups.map((g) => ({ value: g.pk, label: g.name })), help: "Members may search the whole directory." },
        { name: "bind_mode", label: "Bind mode", type: "select", required: true, options: opts(["direct", "cached"]) },
        { name: "search_mode", label: "Search mode", type: "select", required: true, options: opts(["direct", "cached"]) },
        { name: "mfa_support", label: "MFA with password;code binds", type: "checkbox" },
        { name: "uid_start_number", label: "uidNumber start", type: "number" },
        { name: "gid_start_number", label: "gidNumber start", type: "number" },
      ];
    case "proxy":
      return [
        ...common,
        { name: "mode", label: "Mode", type: "select", required: true, options: [{ value: "proxy", label: "Proxy" }, { value: "forward_single", label: "Forward auth (single application)" }, { value: "forward_domain", label: "Forward auth (domain level)" }] },
        { name: "external_host", label: "External host", type: "url", required: true },
        { name: "internal_host", label: "Internal host", type: "url", when: (v) => v.mode === "proxy" },
        { name: "internal_host_ssl_validation", label: "Validate the internal host's TLS certificate", type: "checkbox", when: (v) => v.mode === "proxy" },
        { name: "cookie_domain", label: "Cookie domain", when: (v) => v.mode === "forward_domain" },
        { name: "skip_path_regex", label: "Unauthenticated paths (regex per line)", type: "textarea" },
        { name: "basic_auth_enabled", label: "Send HTTP Basic credentials upstream", type: "checkbox" },
        { name: "intercept_header_auth", label: "Intercept Authorization headers", type: "checkbox" },
        { name: "access_token_validity", label: "Session validity", help: "e.g. hours=24" },
      ];
  }
}

const DEFAULTS: Record<ProviderKind, Values> = {
  oauth2: { client_type: "confidential", jwt_federation_providers: [], sub_mode: "hashed_user_id", include_claims_in_id_token: true, access_code_validity: "minutes=1", access_token_validity: "hours=1", refresh_token_validity: "days=30", refresh_token_threshold: "seconds=0" },
  saml: { issuer: "authentik", sp_binding: "redirect", sign_assertion: true, sign_response: false },
  ldap: { base_dn: "DC=ldap,DC=goauthentik,DC=io", bind_mode: "direct", search_mode: "direct", mfa_support: true, uid_start_number: 2000, gid_start_number: 4000 },
  proxy: { mode: "proxy", internal_host_ssl_validation: true, intercept_header_auth: true, access_token_validity: "hours=24" },
};

/** Form values ↔ API body (redirect URIs are `{matching_mode, url}` objects in authentik). */
function toForm(kind: ProviderKind, p: Values): Values {
  if (kind !== "oauth2") return p;
  const uris = (p.redirect_uris as { matching_mode: string; url: string; redirect_uri_type?: string }[] | undefined) ?? [];
  const text = (list: typeof uris) => list.map((u) => (u.matching_mode === "regex" ? `regex:${u.url}` : u.url)).join("\n");
  return {
    ...p,
    redirect_uris_text: text(uris.filter((u) => u.redirect_uri_type !== "logout")),
    logout_uris_text: text(uris.filter((u) => u.redirect_uri_type === "logout")),
  };
}
function toApi(kind: ProviderKind, body: Values): Values {
  const out = { ...body };
  for (const k of ["signing_key", "signing_kp", "verification_kp", "search_group", "invalidation_flow"]) if (out[k] === "") out[k] = null;
  if (kind === "ldap" && out.authorization_flow === "") out.authorization_flow = null;
  if (kind === "oauth2") {
    out.jwt_federation_providers = ((out.jwt_federation_providers as (string | number)[] | undefined) ?? []).map(Number);
    const entries = (field: string, redirect_uri_type: string) =>
      ((out[field] as string[] | undefined) ?? []).map((l) => (l.startsWith("regex:") ? { matching_mode: "regex", url: l.slice(6), redirect_uri_type } : { matching_mode: "strict", url: l, redirect_uri_type }));
    out.redirect_uris = [...entries("redirect_uris_text", "authorization"), ...entries("logout_uris_text", "logout")];
    delete out.redirect_uris_text;
    delete out.logout_uris_text;
  }
  return out;
}

function usePickers(): { pickers: Pickers | null; error: unknown } {
  const flows = useAll<Flow>("flows/instances/");
  const keys = useAll<CertificateKeyPair>("crypto/certificatekeypairs/");
  const groups = useAll<Group>("core/groups/");
  const oauth2 = useAll<{ pk: number; name: string }>("providers/oauth2/");
  const error = flows.error ?? groups.error;
  if (!flows.data || !groups.data) return { pickers: null, error };
  return { pickers: { flows: flows.data, keys: keys.data ?? [], groups: groups.data, oauth2: oauth2.data ?? [] }, error: null };
}

export function ProviderForm(props: { kind: ProviderKind; provider?: Values; onClose: () => void; onSaved: (saved: Provider & { client_secret?: string }) => void }) {
  const { pickers, error } = usePickers();
  if (error) return <ErrorBox error={error} />;
  if (!pickers) return <Loading />;
  const fields = providerFields(props.kind, pickers);
  const initial = props.provider
    ? toForm(props.kind, props.provider)
    : { ...DEFAULTS[props.kind], authorization_flow: fields.find((f) => f.name === "authorization_flow")?.options?.[0]?.value ?? "" };
  return (
    <div data-testid={`provider-form-${props.kind}`}>
      <SpecForm
        fields={fields}
        initial={initial}
        submitLabel={props.provider ? "Save" : "Create"}
        onCancel={props.onClose}
        onSubmit={async (body) => {
          const path = `providers/${props.kind}/`;
          const saved = props.provider
            ? await api<Provider>(`${path}${props.provider.pk}/`, { method: "PATCH", body: toApi(props.kind, body) })
            : await api<Provider & { client_secret?: string }>(path, { method: "POST", body: toApi(props.kind, body) });
          props.onSaved(saved);
        }}
      />
    </div>
  );
}

/** A SAML provider from the SP's metadata (pasted XML or its URL): `providers/saml/import_metadata/`. */
export function SamlMetadataImportForm(props: { onClose: () => void; onSaved: (saved: { pk: number }) => void }) {
  const { pickers, error } = usePickers();
  if (error) return <ErrorBox error={error} />;
  if (!pickers) return <Loading />;
  const flows = flowOptions(pickers.flows, "authorization");
  const fields: FieldSpec[] = [
    { name: "name", label: "Name", required: true },
    { name: "authorization_flow", label: "Authorization flow", type: "select", required: true, options: flows },
    { name: "metadata", label: "SP metadata (XML)", type: "textarea", help: "Paste the service provider's metadata, or give its URL below." },
    { name: "metadata_url", label: "SP metadata URL", type: "url", help: "Fetched once now; refresh it later from the provider's page." },
  ];
  return (
    <div data-testid="provider-form-saml-metadata">
      <SpecForm
        fields={fields}
        initial={{ authorization_flow: flows[0]?.value ?? "" }}
        submitLabel="Import"
        onCancel={props.onClose}
        onSubmit={async (body) => {
          const sent = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== "" && v !== undefined && v !== null));
          props.onSaved(await api<{ pk: number }>("providers/saml/import_metadata/", { method: "POST", body: sent }));
        }}
      />
    </div>
  );
}

export function ProvidersPage() {
  const [kind, setKind] = useState<ProviderKind | "pick" | "saml-metadata" | null>(null);
  const [secret, setSecret] = useState<{ id: string; secret: string; pk: number } | null>(null);
  const refresh = useRefresh();
  const [, navigate] = useLocation();
  return (
    <div class="stack">
      <PageHeader title="Providers" description="How applications authenticate users: OIDC, SAML, LDAP or a proxy.">
        <button type="button" class="btn primary" onClick={() => setKind("pick")}>Create provider</button>
      </PageHeader>
      <section class="card">
        <DataTable<Provider>
          path="providers/all/"
          label="Providers"
          ordering="name"
          rowKey={(p) => p.pk}
          columns={[
            { title: "Name", sort: "name", render: (p) => <Link href={`/providers/${p.pk}`}>{p.name}</Link> },
            { title: "Type", render: (p) => p.verbose_name ?? p.component },
            { title: "Application", render: (p) => (p.assigned_application_slug ? <Link href={`/applications/${p.assigned_application_slug}`}>{p.assigned_application_name}</Link> : <span class="muted">not assigned</span>) },
          ]}
        />
      </section>
      {kind === "pick" && (
        <Modal title="Create provider: choose a type" onClose={() => setKind(null)}>
          <div class="stack">
            {KINDS.map(([k, label, help]) => (
              <button type="button" key={k} class="btn" style={{ justifyContent: "flex-start", width: "100%", whiteSpace: "normal", textAlign: "left" }} onClick={() => setKind(k)}>
                <span><strong>{label}</strong><br /><span class="small muted">{help}</span></span>
              </button>
            ))}
            <button type="button" class="btn" style={{ justifyContent: "flex-start", width: "100%", whiteSpace: "normal", textAlign: "left" }} onClick={() => setKind("saml-metadata")}>
              <span><strong>SAML 2.0 from SP metadata</strong><br /><span class="small muted">Reads ACS URLs, audience, logout URL and certificates from the app's metadata.</span></span>
            </button>
          </div>
        </Modal>
      )}
      {kind === "saml-metadata" && (
        <Modal title="Create SAML provider from metadata" onClose={() => setKind(null)} wide>
          <SamlMetadataImportForm
            onClose={() => setKind(null)}
            onSaved={async (p) => {
              setKind(null);
              await refresh("providers");
              navigate(`/providers/${p.pk}`);
            }}
          />
        </Modal>
      )}
      {kind && kind !== "pick" && kind !== "saml-metadata" && (
        <Modal title={`Create ${KINDS.find((k) => k[0] === kind)![1]} provider`} onClose={() => setKind(null)} wide>
          <ProviderForm
            kind={kind}
            onClose={() => setKind(null)}
            onSaved={async (p) => {
              setKind(null);
              await refresh("providers");
              if (p.client_secret) setSecret({ id: String(p.client_id ?? ""), secret: p.client_secret, pk: p.pk });
              else navigate(`/providers/${p.pk}`);
            }}
          />
        </Modal>
      )}
      {secret && (
        <SecretOnce title="Client secret" label="Client secret" value={secret.secret} onClose={() => navigate(`/providers/${secret.pk}`)}>
          <div>
            <div class="small muted">Client ID</div>
            <code data-testid="client-id">{secret.id}</code>
          </div>
        </SecretOnce>
      )}
    </div>
  );
}

function Endpoints({ provider, kind }: { provider: Provider; kind: ProviderKind }) {
  const slug = provider.assigned_application_slug;
  const origin = location.origin;
  if (!slug) return <p class="muted">Assign this provider to an application to get its URLs.</p>;
  const rows: [string, string][] =
    kind === "oauth2"
      ? [
          ["Issuer", `${origin}/application/o/${slug}/`],
          ["OpenID configuration", `${origin}/application/o/${slug}/.well-known/openid-configuration`],
          ["Authorize", `${origin}/application/o/authorize/`],
          ["Token", `${origin}/application/o/token/`],
          ["Userinfo", `${origin}/application/o/userinfo/`],
          ["JWKS", `${origin}/application/o/${slug}/jwks/`],
          ["Logout", `${origin}/application/o/${slug}/end-session/`],
        ]
      : kind === "saml"
        ? [
            ["Metadata", `${origin}/application/saml/${slug}/metadata/`],
            ["SSO (redirect)", `${origin}/application/saml/${slug}/sso/binding/redirect/`],
            ["SSO (POST)", `${origin}/application/saml/${slug}/sso/binding/post/`],
            ["IdP-initiated", `${origin}/application/saml/${slug}/sso/binding/init/`],
            ["SLO (redirect)", `${origin}/application/saml/${slug}/slo/binding/redirect/`],
          ]
        : [];
  if (rows.length === 0) return <p class="muted">Served by an outpost: see Outposts.</p>;
  return (
    <table class="data" aria-label="Endpoints">
      <tbody>
        {rows.map(([k, v]) => (
          <tr key={k}><td data-label="Endpoint">{k}</td><td data-label="URL"><code>{v}</code></td></tr>
        ))}
      </tbody>
    </table>
  );
}

export function ProviderDetail() {
  const { pk } = useParams<{ pk: string }>();
  const base = useApi<Provider>(`providers/all/${pk}/`);
  const kind = base.data ? kindOf(base.data) : null;
  const full = useApi<Provider>(kind ? `providers/${kind}/${pk}/` : null);
  const refresh = useRefresh();
  const [, navigate] = useLocation();
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (base.error || full.error) return <ErrorBox error={base.error ?? full.error} />;
  const p = full.data;
  if (!p || !kind) return <Loading />;
  return (
    <div class="stack">
      <PageHeader title={p.name} description={p.verbose_name ?? kind}>
        {kind === "saml" && p.assigned_application_slug && (
          // The IdP metadata the SP imports (public, per application, as authentik serves it).
          <a class="btn" href={`/application/saml/${p.assigned_application_slug}/metadata/?download`} download={`${p.assigned_application_slug}-idp-metadata.xml`}>
            Download metadata
          </a>
        )}
        <button type="button" class="btn" onClick={() => setEditing(true)}>Edit</button>
        <button type="button" class="btn danger" onClick={() => confirmDelete(`provider “${p.name}”`, `providers/${kind}/${p.pk}/`, async () => { await refresh("providers"); navigate("/providers"); }).catch(setError)}>Delete</button>
      </PageHeader>
      <ErrorBox error={error} />
      <div class="grid-2">
        <Card title="URLs">
          <Endpoints provider={p} kind={kind} />
        </Card>
        <Card title="Details">
          <div class="stack">
            <div><div class="muted small">Application</div>{p.assigned_application_slug ? <Link href={`/applications/${p.assigned_application_slug}`}>{p.assigned_application_name}</Link> : "not assigned"}</div>
            {kind === "oauth2" && <div><div class="muted small">Client ID</div><code data-testid="client-id">{String(p.client_id ?? "")}</code></div>}
            {kind === "oauth2" && <div><div class="muted small">Client type</div>{String(p.client_type ?? "")}</div>}
            {kind === "oauth2" && <div><div class="muted small">Client secret</div><span class="muted small">Shown once when the provider was created.</span></div>}
            {kind === "proxy" && <div><div class="muted small">External host</div>{String(p.external_host ?? "")}</div>}
            {kind === "ldap" && <div><div class="muted small">Base DN</div><code>{String(p.base_dn ?? "")}</code></div>}
          </div>
        </Card>
      </div>
      {editing && (
        <Modal title={`Edit ${p.name}`} onClose={() => setEditing(false)} wide>
          <ProviderForm
            kind={kind}
            provider={p as unknown as Values}
            onClose={() => setEditing(false)}
            onSaved={async () => {
              await refresh("providers");
              setEditing(false);
            }}
          />
        </Modal>
      )}
    </div>
  );
}
