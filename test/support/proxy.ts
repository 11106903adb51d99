/**
 * Proxy outpost test support: a user and a proxy provider (with its application and outpost
 * token) seeded through a running host's store; an upstream that echoes the headers it got
 * (HTTP and WebSocket); nginx and Caddy started as our own processes from configs written to a
 * temp dir (authentik's documented snippets); Chromium with `*.test` names mapped to 127.0.0.1,
 * so the issuer and each protected site have their own cookie jar.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { WebSocketServer } from "ws";
import type { Deps } from "../../src/deps.js";
import type { User } from "../../src/ports/store.js";
import { createProxyProvider } from "../../src/protocols/proxy/providers.js";
import { createOutpost } from "../../src/protocols/ldap/outposts.js";
import { CHROMIUM, type LaunchedBrowser } from "./browser.js";
import { start, waitForHttp, type Spawned } from "./process.js";

export const PROXY_PASSWORD = "proxy-Test-passphrase-9";

/** Headers the upstream received, as it echoes them. */
export interface Echo {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

export interface Upstream {
  port: number;
  url: string;
  /** Every request it received (HTTP and WebSocket upgrades). */
  seen: Echo[];
  close(): Promise<void>;
}

/** An HTTP server answering every request with the request's method, URL and headers as JSON; WebSockets get the same as their first message and then an echo of what they send. */
export async function startUpstream(): Promise<Upstream> {
  const seen: Echo[] = [];
  const server: Server = createServer((req, res) => {
    const echo = { method: req.method ?? "", url: req.url ?? "", headers: req.headers };
    seen.push(echo);
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(echo));
  });
  const wss = new WebSocketServer({ server });
  wss.on("connection", (socket, req) => {
    const echo = { method: "WEBSOCKET", url: req.url ?? "", headers: req.headers };
    seen.push(echo);
    socket.send(JSON.stringify(echo));
    socket.on("message", (data) => socket.send(`echo:${data.toString()}`));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export interface SeededProxy {
  providerPk: number;
  appSlug: string;
  clientId: string;
}

/** A user (in group "staff", with attributes for Basic auth) who may log in. */
export async function seedProxyUser(deps: Deps, username = "pat"): Promise<User> {
  const user = await deps.store.users.create({
    username,
    name: "Pat Proxy",
    email: `${username}@example.com`,
    passwordHash: await deps.passwords.hash(PROXY_PASSWORD),
    attributes: { legacy_user: `${username}-legacy`, legacy_password: "upstream-secret" },
  });
  const staff = (await deps.store.groups.byName("staff")) ?? (await deps.store.groups.create({ name: "staff" }));
  await deps.store.groups.addMember(staff.pk, user.pk);
  return user;
}

/** A proxy provider and its application. */
export async function seedProxyProvider(deps: Deps, input: { name: string; slug: string; settings: Record<string, unknown> }): Promise<SeededProxy> {
  const flow = await deps.store.flows.bySlug("default-provider-authorization-implicit-consent");
  const created = await createProxyProvider(deps, { name: input.name, authorizationFlowPk: flow!.pk, settings: input.settings });
  await deps.store.outposts.createApplication({ name: input.name, slug: input.slug, providerPk: created.provider.pk });
  return { providerPk: created.provider.pk, appSlug: input.slug, clientId: created.clientId };
}

/** An outpost (type proxy) serving `providerPks`; returns its token. */
export async function seedProxyOutpost(deps: Deps, name: string, providerPks: number[]): Promise<string> {
  return (await createOutpost(deps, { name, type: "proxy", providerPks })).token;
}

/** A raw HTTP GET (node:http, so the Host header can name a `*.test` site), without following redirects. */
export function rawGet(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers, method: "GET" }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** A process whose config lives in a temp dir removed on stop. */
export interface Served {
  port: number;
  proc: Spawned;
  stop(): Promise<void>;
}

/** nginx with `auth_request` in front of `upstreamPort` (authentik's documented nginx snippet). */
export async function startNginx(port: number, outpostPort: number, upstreamPort: number): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), "threshold-nginx-"));
  const headers = ["username", "groups", "email", "name", "uid", "jwt"];
  const conf = `
worker_processes 1;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 128; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    proxy_buffers 8 16k;
    proxy_buffer_size 32k;
    location / {
      proxy_pass http://127.0.0.1:${upstreamPort};
      auth_request /outpost.goauthentik.io/auth/nginx;
      error_page 401 = @goauthentik_proxy_signin;
      auth_request_set $auth_cookie $upstream_http_set_cookie;
      add_header Set-Cookie $auth_cookie;
${headers.map((h) => `      auth_request_set $authentik_${h} $upstream_http_x_authentik_${h};\n      proxy_set_header X-authentik-${h} $authentik_${h};`).join("\n")}
    }
    location /outpost.goauthentik.io {
      proxy_pass http://127.0.0.1:${outpostPort};
      proxy_set_header Host $host;
      proxy_set_header X-Original-URL $scheme://$http_host$request_uri;
      add_header Set-Cookie $auth_cookie;
      auth_request_set $auth_cookie $upstream_http_set_cookie;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
    }
    location @goauthentik_proxy_signin {
      internal;
      add_header Set-Cookie $auth_cookie;
      return 302 /outpost.goauthentik.io/start?rd=$scheme://$http_host$request_uri;
    }
  }
}
`;
  writeFileSync(join(dir, "nginx.conf"), conf);
  const proc = start("/usr/sbin/nginx", ["-p", dir, "-c", join(dir, "nginx.conf"), "-g", "daemon off;"], process.env);
  await waitForHttp(`http://127.0.0.1:${port}/outpost.goauthentik.io/ping`, { status: 204, proc, timeoutMs: 20_000 });
  return {
    port,
    proc,
    async stop() {
      await proc.stop("SIGQUIT");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Caddy with `forward_auth` in front of `upstreamPort` (authentik's documented Caddyfile). */
export async function startCaddy(port: number, outpostPort: number, upstreamPort: number): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), "threshold-caddy-"));
  const copied = ["Username", "Groups", "Email", "Name", "Uid", "Jwt", "Meta-Jwks", "Meta-Outpost", "Meta-Provider", "Meta-App", "Meta-Version"].map((h) => `X-Authentik-${h}`);
  const caddyfile = `{
  admin off
  auto_https off
  storage file_system ${dir}/data
}
http://:${port} {
  bind 127.0.0.1
  route {
    reverse_proxy /outpost.goauthentik.io/* 127.0.0.1:${outpostPort}
    # Only the outpost's answer may carry identity headers.
    request_header -X-Authentik-*
    forward_auth 127.0.0.1:${outpostPort} {
      uri /outpost.goauthentik.io/auth/caddy
      copy_headers ${copied.join(" ")}
      trusted_proxies private_ranges
    }
    reverse_proxy 127.0.0.1:${upstreamPort}
  }
}
`;
  writeFileSync(join(dir, "Caddyfile"), caddyfile);
  const proc = start("/usr/bin/caddy", ["run", "--config", join(dir, "Caddyfile"), "--adapter", "caddyfile"], { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir });
  await waitForHttp(`http://127.0.0.1:${port}/outpost.goauthentik.io/ping`, { status: 204, proc, timeoutMs: 20_000 });
  return {
    port,
    proc,
    async stop() {
      await proc.stop("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Headless Chromium (flags as test/support/browser.ts) resolving every `*.test` name to 127.0.0.1. */
export async function launchChromiumWithHosts(): Promise<LaunchedBrowser> {
  const profile = mkdtempSync(join(tmpdir(), "threshold-chromium-"));
  const args = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP *.test 127.0.0.1",
  ];
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args, headless: true });
  return {
    browser: context.browser()!,
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
