import { BlockList, isIP } from "node:net";
import type { ClientInfo } from "../deps.js";

/**
 * Who the client is, on the Node host. Proxy headers are only believed when the TCP peer is a
 * trusted proxy (authentik's `trusted_proxy_cidrs`), otherwise anyone could pick their own IP
 * and walk around rate limits and reputation.
 */
export function createClientResolver(cidrs: string): (request: Request, peer: string | undefined) => ClientInfo {
  const trusted = new BlockList();
  for (const cidr of cidrs.split(",").map((c) => c.trim()).filter(Boolean)) {
    const [net, bits] = cidr.split("/");
    const family = isIP(net!) === 6 ? "ipv6" : "ipv4";
    trusted.addSubnet(net!, Number(bits), family);
  }
  const isTrusted = (ip: string) => {
    const v4mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
    const addr = v4mapped ? v4mapped[1]! : ip;
    const family = isIP(addr);
    return family !== 0 && trusted.check(addr, family === 6 ? "ipv6" : "ipv4");
  };
  return (request, peer) => {
    const socketIp = peer ? peer.replace(/^::ffff:(?=\d+\.)/i, "") : null;
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
