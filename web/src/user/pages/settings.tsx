import { useMe } from "../../components/shell";
import { Card, ErrorBox, formatDate, Loading, PageHeader } from "../../components/ui";

export const flowLink = (slug: string, next: string) => `/if/flow/${slug}/?next=${encodeURIComponent(next)}`;

export function Profile() {
  const me = useMe();
  const u = me.data?.user;
  return (
    <div class="stack">
      <PageHeader title="Profile" />
      <ErrorBox error={me.error} />
      {!u ? (
        <Loading />
      ) : (
        <div class="grid">
          <Card title="Your account">
            <dl class="stack">
              <div><dt class="muted small">Username</dt><dd style={{ margin: 0 }}>{u.username}</dd></div>
              <div><dt class="muted small">Name</dt><dd style={{ margin: 0 }}>{u.name || "–"}</dd></div>
              <div><dt class="muted small">Email</dt><dd style={{ margin: 0 }}>{u.email || "–"}</dd></div>
              <div><dt class="muted small">Last login</dt><dd style={{ margin: 0 }}>{formatDate(u.last_login)}</dd></div>
            </dl>
            <p>
              <a class="btn" href={flowLink("default-user-settings-flow", "/if/user/profile")}>Edit profile</a>
            </p>
          </Card>
          <Card title="Password">
            <p class="muted">Change the password you sign in with. You will be asked for it again.</p>
            <a class="btn primary" href={flowLink("default-password-change", "/if/user/profile")}>Change password</a>
          </Card>
        </div>
      )}
    </div>
  );
}
