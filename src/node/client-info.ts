import { BlockList, isIP } from "node:net";
import type { ClientInfo } from "../deps.js";

/**
 * Who the client is, on the Node host. Proxy headers are only believed when the TCP peer is a
 * trusted proxy (authentik's `trusted_proxy_cidrs`), otherwise anyone could pick their own IP
 * and walk around rate limits and reputation.
 */
export function createClientResolver(cidrs: string): (request: Request, peer: string | undefined) => ClientInfo {
  const trusted = new BlockList();
  const list = cidrs.split(",").map((c) => c.trim()).filter(Boolean);
  for (const cidr of list) {
    const [net, bits] = cidr.split("/");
    const family = isIP(net!) === 6 ? "ipv6" : "ipv4";
    trusted.addSubnet(net!, Number(bits), family);
  }
  // Per peer address: BlockList.check builds a SocketAddress each call (a few µs on every
  // request), while a host sees few distinct peers (proxies, keep-alive clients). Bounded.
  const verdicts = new Map<string, boolean>();
  const isTrusted = (ip: string) => {
    if (list.length === 0) return false;
    let v = verdicts.get(ip);
    if (v === undefined) {
      const family = isIP(ip);
      v = family !== 0 && trusted.check(ip, family === 6 ? "ipv6" : "ipv4");
      if (verdicts.size >= 4096) verdicts.clear();
      verdicts.set(ip, v);
    }
    return v;
  };
  return (request, peer) => {
    const socketIp = peer ? (peer.startsWith("::ffff:") || peer.startsWith("::FFFF:") ? peer.replace(/^::ffff:(?=\d+\.)/i, "") : peer) : null;
    if (!socketIp || !isTrusted(socketIp)) return { ip: socketIp, country: null, asn: null };
    const forwarded = request.headers.get("cf-connecting-ip") ?? request.headers.get("x-forwarded-for")?.split(",")[0];
    const ip = forwarded?.trim();
    const country = request.headers.get("cf-ipcountry")?.trim().toUpperCase();
    return {
      ip: ip && isIP(ip) ? ip : socketIp,
      country: country && /^[A-Z]{2}$/.test(country) && country !== "XX" ? country : null,
      asn: null,
    };
  };
}
