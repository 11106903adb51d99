/**
 * A browser-like HTTP session for the web UI suites: a cookie jar, the CSRF header echoed from
 * the `authentik_csrf` cookie on writes, redirects not followed (so tests see them), and a login
 * through the authentication flow's executor API over real HTTP.
 */
export class HttpSession {
  readonly jar = new Map<string, string>();
  constructor(readonly base: string) {}

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.jar.size) headers.set("Cookie", [...this.jar].map(([k, v]) => `${k}=${v}`).join("; "));
    const method = (init.method ?? "GET").toUpperCase();
    const csrf = this.jar.get("authentik_csrf");
    if (method !== "GET" && method !== "HEAD" && csrf) headers.set("X-authentik-CSRF", csrf);
    const res = await fetch(this.base + path, { ...init, headers, redirect: "manual" });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/max-age=0/i.test(line) || value === "") this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return res;
  }

  async json(path: string, init: RequestInit & { body?: string } = {}): Promise<{ status: number; body: any }> {
    const res = await this.fetch(path, { ...init, headers: { "Content-Type": "application/json", Accept: "application/json", ...(init.headers as Record<string, string>) } });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  /** identification → password through `/api/v3/flows/executor/<slug>/`; throws unless the flow ends in a redirect. */
  async login(username: string, password: string, slug = "default-authentication-flow"): Promise<void> {
    const url = `/api/v3/flows/executor/${slug}/`;
    await this.json(url);
    await this.json(url, { method: "POST", body: JSON.stringify({ component: "ak-stage-identification", uid_field: username }) });
    const done = await this.json(url, { method: "POST", body: JSON.stringify({ component: "ak-stage-password", password }) });
    if (done.body?.component !== "xak-flow-redirect") throw new Error(`login of ${username} did not finish: ${JSON.stringify(done.body)}`);
  }
}
