/**
 * Non-public network addresses, for URLs the server fetches on a client's say (SSRF): a
 * self-registered client's `jwks_uri` must not point at this machine or its private network.
 */

/** A dotted IPv4 address in a non-public range (this host, private, loopback, CGNAT, link-local, multicast/reserved). */
export function internalIpv4(address: string): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  if (!m) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return (
    a === 0 || a === 10 || a === 127 || a >= 224 || // this host, private, loopback, multicast/reserved
    (a === 100 && b >= 64 && b <= 127) || // carrier-grade NAT
    (a === 169 && b === 254) || // link-local (cloud metadata)
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168)
  );
}

/**
 * An IPv6 address (no brackets) that is unspecified, loopback, unique-local or link-local, or an
 * IPv4-mapped address (`::ffff:7f00:1` as URLs normalize it, `::ffff:127.0.0.1` as resolvers
 * write it) of a non-public IPv4 address.
 */
export function internalIpv6(address: string): boolean {
  const v6 = address.toLowerCase();
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(v6);
  if (dotted) return internalIpv4(dotted[1]!);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6);
  if (mapped) {
    const hi = parseInt(mapped[1]!, 16);
    const lo = parseInt(mapped[2]!, 16);
    return internalIpv4(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
  }
  return v6 === "::" || v6 === "::1" || /^f[cd][0-9a-f]{0,2}:/.test(v6) || /^fe[89ab][0-9a-f]?:/.test(v6);
}

/** A resolved address (IPv4 or IPv6) that is not on the public internet. */
export function internalAddress(address: string): boolean {
  return address.includes(":") ? internalIpv6(address) : internalIpv4(address);
}

/**
 * Whether a URL's host is this machine or its private network by its name alone: IP literals by
 * range (WHATWG URL has normalized decimal, hex and mapped forms), local names by suffix, and
 * single-label names. A public name that resolves to a private address needs the resolver: the
 * Node host checks resolved addresses when it connects (`adapters/system/public-fetch.ts`).
 */
export function internalHost(url: URL): boolean {
  const host = url.hostname.toLowerCase();
  if (/^(localhost|.*\.localhost|.*\.local|.*\.internal|.*\.home\.arpa)$/.test(host) || (!host.includes(".") && !host.startsWith("["))) return true;
  return host.startsWith("[") ? internalIpv6(host.slice(1, -1)) : internalIpv4(host);
}
