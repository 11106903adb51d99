import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from "node:dns";
import { request } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { internalAddress } from "../../core/net.js";

/** The resolver `createPublicFetch` asks (node:dns by default; tests pass their own). */
export type Resolver = (host: string, options: LookupAllOptions, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

const MAX_BODY = 512 * 1024;

function notPublic(host: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${host} is not a public address`), { code: "ENOTPUBLIC" });
}

/**
 * A `lookup` for sockets that resolves every address of the name and refuses the connection if
 * any of them is non-public: the socket connects to an address this check saw, so a name that
 * flips to an internal address between a check and the connection (DNS rebinding) cannot slip by.
 */
export function publicLookup(resolve: Resolver = dnsLookup as unknown as Resolver): LookupFunction {
  return (host, options, callback) => {
    resolve(host, { all: true, family: options.family ?? 0 }, (err, addresses) => {
      if (err) return callback(err, "", 0);
      if (addresses.length === 0 || addresses.some((a) => internalAddress(a.address))) return callback(notPublic(host), "", 0);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/**
 * `fetch` for URLs a client registered and the server fetches on its own (a DCR client's
 * `jwks_uri`): https only, public addresses only (checked on the resolved addresses, see
 * `publicLookup`), no redirects (a 3xx is returned as is), at most 512 KiB of body. The Worker
 * needs none of this: Workers reach only the public internet.
 */
export function createPublicFetch(opts: { resolve?: Resolver } = {}): typeof fetch {
  const lookup = publicLookup(opts.resolve);
  return (input, init) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.protocol !== "https:") return reject(new TypeError(`refusing to fetch ${url.protocol} URLs`));
      const literal = url.hostname.replace(/^\[|\]$/g, "");
      if (isIP(literal) && internalAddress(literal)) return reject(notPublic(literal)); // no lookup for IP literals
      const headers: Record<string, string> = {};
      new Headers(init?.headers).forEach((v, k) => (headers[k] = v));
      const req = request(url, { method: init?.method ?? "GET", headers, lookup, signal: init?.signal ?? undefined }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY) return req.destroy(new Error("response too large"));
          chunks.push(chunk);
        });
        res.on("end", () => {
          const out = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out.set(k, Array.isArray(v) ? v.join(", ") : v);
          const status = res.statusCode ?? 502;
          resolve(new Response(status === 204 || status === 304 ? null : Buffer.concat(chunks), { status, headers: out }));
        });
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end();
    });
}
