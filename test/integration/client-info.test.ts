import { describe, expect, it } from "vitest";
import { createClientResolver } from "../../src/node/client-info.js";

const DEFAULT = "127.0.0.0/8,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fe80::/10,::1/128";
const req = (headers: Record<string, string>) => new Request("http://x/", { headers });

describe("Node host client resolution (trusted proxies)", () => {
  const resolve = createClientResolver(DEFAULT);

  it("ignores forwarding headers from an untrusted peer (no spoofing past rate limits)", () => {
    expect(resolve(req({ "X-Forwarded-For": "1.2.3.4", "CF-IPCountry": "DE" }), "203.0.113.7")).toEqual({ ip: "203.0.113.7", country: null, asn: null });
  });

  it("believes a trusted proxy's headers, IPv4-mapped peers included", () => {
    expect(resolve(req({ "X-Forwarded-For": "1.2.3.4, 10.0.0.2" }), "::ffff:10.0.0.2")).toEqual({ ip: "1.2.3.4", country: null, asn: null });
    expect(resolve(req({ "CF-Connecting-IP": "2001:db8::1", "CF-IPCountry": "de" }), "127.0.0.1")).toEqual({ ip: "2001:db8::1", country: "DE", asn: null });
    expect(resolve(req({}), "::1").ip).toBe("::1");
  });

  it("falls back to the peer when the forwarded value is not an IP", () => {
    expect(resolve(req({ "X-Forwarded-For": "<script>" }), "192.168.1.5").ip).toBe("192.168.1.5");
    expect(resolve(req({ "CF-IPCountry": "XX" }), "192.168.1.5").country).toBeNull();
  });

  it("trusts nobody with an empty-ish list", () => {
    const none = createClientResolver("192.0.2.0/32");
    expect(none(req({ "X-Forwarded-For": "1.2.3.4" }), "127.0.0.1").ip).toBe("127.0.0.1");
  });

  it("keeps each peer's verdict apart (verdicts are cached per peer address)", () => {
    for (let round = 0; round < 3; round++) {
      expect(resolve(req({ "X-Forwarded-For": "1.2.3.4" }), "10.1.2.3").ip).toBe("1.2.3.4");
      expect(resolve(req({ "X-Forwarded-For": "1.2.3.4" }), "11.1.2.3").ip).toBe("11.1.2.3");
      expect(resolve(req({ "X-Forwarded-For": "1.2.3.4" }), "::ffff:11.1.2.3").ip).toBe("11.1.2.3");
    }
    const empty = createClientResolver("");
    expect(empty(req({ "X-Forwarded-For": "1.2.3.4" }), "127.0.0.1").ip).toBe("127.0.0.1");
    expect(empty(req({}), undefined).ip).toBeNull();
  });
});
