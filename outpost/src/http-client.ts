/**
 * The outpost's HTTP client towards the issuer: node:http/https with keep-alive agents, returning
 * the small part of the fetch `Response` the API client uses. Global `fetch` (undici) costs about
 * 20 MB of resident memory once it has connected (its WASM HTTP parser), a third of the outpost's
 * idle budget; Node's own HTTP stack costs ~2 MB and reuses connections across binds.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";

/** What the API client reads of a response (a fetch `Response` satisfies it too). */
export interface ResponseLike {
  status: number;
  ok: boolean;
  headers: { get(name: string): string | null; getSetCookie(): string[] };
  text(): Promise<string>;
  json(): Promise<unknown>;
  body?: { cancel(): Promise<void> } | null;
}

export interface RequestInitLike {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  redirect?: "manual";
}

export type FetchLike = (url: string, init: RequestInitLike) => Promise<ResponseLike>;

class LiteHeaders {
  constructor(private readonly raw: IncomingHttpHeaders) {}

  get(name: string): string | null {
    const v = this.raw[name.toLowerCase()];
    if (v === undefined) return null;
    return Array.isArray(v) ? v.join(", ") : v;
  }

  getSetCookie(): string[] {
    return this.raw["set-cookie"] ?? [];
  }
}

/** A fetch-like function over node:http(s); `insecure` skips TLS verification (lab setups only). */
export function createNodeFetch(opts: { insecure?: boolean } = {}): FetchLike {
  const agents = {
    "http:": new HttpAgent({ keepAlive: true, maxSockets: 32 }),
    "https:": new HttpsAgent({ keepAlive: true, maxSockets: 32, rejectUnauthorized: !opts.insecure }),
  };
  return (url, init) =>
    new Promise((resolve, reject) => {
      const u = new URL(url);
      if (u.protocol !== "http:" && u.protocol !== "https:") return reject(new TypeError(`unsupported URL ${u.protocol}`));
      const send = u.protocol === "https:" ? httpsRequest : httpRequest;
      const headers: Record<string, string> = { ...init.headers };
      if (init.body !== undefined) headers["Content-Length"] = String(Buffer.byteLength(init.body));
      const req = send(u, { method: init.method ?? "GET", headers, agent: agents[u.protocol], signal: init.signal }, (res) => {
        const chunks: Buffer[] = [];
        const done = new Promise<string>((ok, fail) => {
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => ok(Buffer.concat(chunks).toString("utf8")));
          res.on("error", fail);
        });
        done.catch(() => undefined);
        const status = res.statusCode ?? 0;
        resolve({
          status,
          ok: status >= 200 && status < 300,
          headers: new LiteHeaders(res.headers),
          text: () => done,
          json: async () => JSON.parse(await done) as unknown,
          body: {
            cancel: async () => {
              res.resume();
            },
          },
        });
      });
      req.on("error", reject);
      req.end(init.body);
    });
}
