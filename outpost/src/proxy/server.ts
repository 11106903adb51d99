/**
 * The proxy outpost's HTTP server (authentik's `proxyv2`): the `/outpost.goauthentik.io/*`
 * endpoints on every protected host, forward auth for nginx (`auth_request`), Traefik
 * (`forwardAuth`), Caddy (`forward_auth`) and Envoy (`ext_authz`), and in proxy mode the reverse
 * proxy to the internal host, WebSockets included. Incoming `X-authentik-*` headers never reach
 * an upstream through this proxy; identity headers are always the outpost's own.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { createProxyServer } from "http-proxy-3";
import type { ThresholdApi } from "../api.js";
import type { Logger } from "../log.js";
import { OUTPOST_PATH, type ProxyApplication } from "./application.js";
import { Authenticator, identityHeaders, isAuthentikHeader, type Authenticated } from "./identity.js";
import { callback, page, signOut, start, startUrl } from "./login.js";
import { SignedOut } from "./session.js";

export interface ProxyServerDeps {
  api: ThresholdApi;
  log: Logger;
  applications: () => ProxyApplication[];
  outpostName: () => string;
  /** Signed-out session ids (persisted by the caller when it keeps state). */
  signedOut?: SignedOut;
}

type ForwardKind = "nginx" | "traefik" | "caddy" | "envoy";
const FORWARD = /^\/outpost\.goauthentik\.io\/auth\/(nginx|traefik|caddy|envoy)(\/.*)?$/;

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.split(",")[0]?.trim();

/** The URL of this request as the client sent it (behind a reverse proxy: its X-Forwarded-* headers). */
function requestUrl(req: IncomingMessage): URL {
  const proto = first(req.headers["x-forwarded-proto"]) ?? ((req.socket as { encrypted?: boolean }).encrypted ? "https" : "http");
  const host = first(req.headers["x-forwarded-host"]) ?? req.headers.host ?? "localhost";
  return new URL(`${proto === "https" ? "https" : "http"}://${host}${req.url ?? "/"}`);
}

/** The URL the user asked for, as each forward-auth client reports it. */
function originalUrl(kind: ForwardKind, req: IncomingMessage, rest: string | undefined): URL | null {
  const h = req.headers;
  try {
    if (kind === "nginx") {
      const full = first(h["x-original-url"]);
      if (full) return new URL(full);
      return new URL(`http://${h.host ?? "localhost"}${first(h["x-original-uri"]) ?? "/"}`);
    }
    if (kind === "envoy") return new URL(`${first(h["x-forwarded-proto"]) ?? "http"}://${h.host ?? "localhost"}${rest ?? "/"}`);
    const proto = first(h["x-forwarded-proto"]) ?? "http";
    return new URL(`${proto}://${first(h["x-forwarded-host"]) ?? h.host ?? "localhost"}${first(h["x-forwarded-uri"]) ?? "/"}`);
  } catch {
    return null;
  }
}

export function createProxyHttpServer(deps: ProxyServerDeps): Server {
  const signedOut = deps.signedOut ?? new SignedOut();
  const auth = new Authenticator(deps.api, signedOut, deps.log.child({ component: "proxy.auth" }));
  const proxy = createProxyServer({ xfwd: true, ws: true });
  proxy.on("error", (err, _req, target) => {
    deps.log.warn("upstream unreachable", { error: err.message });
    if (target && "writeHead" in target && !target.headersSent) page(target as ServerResponse, 502, "Bad gateway", "The application is not reachable.");
    else (target as Duplex | undefined)?.destroy();
  });

  const select = (host: string): ProxyApplication | undefined => {
    const apps = deps.applications();
    return apps.find((a) => a.servesHost(host)) ?? (apps.length === 1 ? apps[0] : undefined);
  };

  /** Identity headers (and Basic auth) for a request that passed. */
  const upstreamHeaders = async (app: ProxyApplication, who: Authenticated): Promise<Record<string, string>> => {
    const headers = identityHeaders(app, who.identity, deps.outpostName());
    const basic = await auth.basicAuth(app, who);
    if (basic) headers.Authorization = basic;
    return headers;
  };

  async function forwardAuth(kind: ForwardKind, req: IncomingMessage, res: ServerResponse, rest: string | undefined): Promise<void> {
    const original = originalUrl(kind, req, rest);
    const app = original ? select(original.host) : undefined;
    if (!original || !app) return page(res, 400, "Unknown host", "No application is configured for this host.");
    if (app.isSkipped(original)) return void res.writeHead(200).end();
    const who = await auth.authenticate(app, req.headers);
    if (who) return void res.writeHead(200, await upstreamHeaders(app, who)).end();
    // nginx turns 401 into its own redirect (error_page); the others pass our answer to the browser.
    if (kind === "nginx") return void res.writeHead(401, { "Cache-Control": "no-store" }).end();
    res.writeHead(302, { Location: startUrl(app, original.href), "Cache-Control": "no-store" }).end();
  }

  /** Proxy mode: authenticate, then forward to the internal host with the outpost's headers only. */
  async function reverseProxy(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const app = select(url.host);
    if (!app || app.config.mode !== "proxy") return page(res, 404, "Not found", "No application is configured for this host.");
    for (const name of Object.keys(req.headers)) if (isAuthentikHeader(name)) delete req.headers[name];
    if (!app.isSkipped(url)) {
      const who = await auth.authenticate(app, req.headers);
      if (!who) {
        const browser = (req.method === "GET" || req.method === "HEAD") && /text\/html/.test(req.headers.accept ?? "");
        if (!browser) return void res.writeHead(401, { "Cache-Control": "no-store", "WWW-Authenticate": 'Bearer realm="threshold"' }).end();
        return void res.writeHead(302, { Location: startUrl(app, `${app.external.origin}${url.pathname}${url.search}`), "Cache-Control": "no-store" }).end();
      }
      Object.assign(req.headers, lower(await upstreamHeaders(app, who)));
    }
    proxy.web(req, res, { target: app.config.internal_host, secure: app.config.internal_host_ssl_validation });
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = requestUrl(req);
    const path = url.pathname;
    if (!path.startsWith(`${OUTPOST_PATH}/`)) return reverseProxy(req, res, url);
    if (path === `${OUTPOST_PATH}/ping`) return void res.writeHead(204).end();
    const forward = FORWARD.exec(path);
    if (forward) return forwardAuth(forward[1] as ForwardKind, req, res, forward[2] ? `${forward[2]}${url.search}` : undefined);
    const app = select(url.host);
    if (!app) return page(res, 400, "Unknown host", "No application is configured for this host.");
    if (path === `${OUTPOST_PATH}/start`) return start(app, url, res);
    if (path === `${OUTPOST_PATH}/callback`) return callback(app, req, url, res, deps.log);
    if (path === `${OUTPOST_PATH}/sign_out`) return signOut(app, req, res, auth, signedOut);
    return page(res, 404, "Not found", "This page does not exist.");
  }

  // Sessions of users in many groups span several cookies (session.ts): allow larger headers than Node's 16 KB.
  const server = createServer({ maxHeaderSize: 64 * 1024 }, (req, res) => {
    route(req, res).catch((err: Error) => {
      deps.log.error("proxy request failed", { error: err.message, path: req.url?.split("?")[0] });
      if (!res.headersSent) page(res, 503, "Unavailable", "The identity provider is not reachable. Try again shortly.");
      else res.destroy();
    });
  });

  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    socket.on("error", () => socket.destroy());
    (async () => {
      const url = requestUrl(req);
      const app = select(url.host);
      if (!app || app.config.mode !== "proxy") return refuse("404 Not Found");
      for (const name of Object.keys(req.headers)) if (isAuthentikHeader(name)) delete req.headers[name];
      if (!app.isSkipped(url)) {
        const who = await auth.authenticate(app, req.headers);
        if (!who) return refuse("401 Unauthorized");
        Object.assign(req.headers, lower(await upstreamHeaders(app, who)));
      }
      proxy.ws(req, socket, head, { target: app.config.internal_host, secure: app.config.internal_host_ssl_validation });
    })().catch((err: Error) => {
      deps.log.error("websocket upgrade failed", { error: err.message });
      refuse("503 Service Unavailable");
    });
  });
  return server;
}

const lower = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
