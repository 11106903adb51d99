/**
 * The Node host's fetch for client-registered URLs (src/adapters/system/public-fetch.ts): every
 * resolved address is checked when the socket connects, IP literals without a lookup, and only
 * https is fetched.
 */
import type { LookupAddress } from "node:dns";
import { describe, expect, it } from "vitest";
import { createPublicFetch, publicLookup, type Resolver } from "../../src/adapters/system/public-fetch.js";
import { internalAddress } from "../../src/core/net.js";

const resolver = (addresses: string[], asked: string[] = []): Resolver => (host, _opts, cb) => {
  asked.push(host);
  cb(null, addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 })));
};

function lookupOf(addresses: string[], all: boolean): Promise<{ err: NodeJS.ErrnoException | null; result: unknown }> {
  return new Promise((resolve) =>
    publicLookup(resolver(addresses))("jwks.example.com", { all, family: 0 } as never, ((err: NodeJS.ErrnoException | null, a: string | LookupAddress[], f?: number) =>
      resolve({ err, result: all ? a : { address: a, family: f } })) as never),
  );
}

describe("public-only fetch for client-registered URLs", () => {
  it("classifies resolved addresses as resolvers write them", () => {
    for (const a of ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "::", "fd00::1", "fe80::1", "::ffff:127.0.0.1", "::ffff:a9fe:a9fe"]) {
      expect(internalAddress(a), a).toBe(true);
    }
    for (const a of ["8.8.8.8", "93.184.215.14", "172.32.0.1", "2001:db8::1", "2606:4700::1111", "::ffff:8.8.8.8"]) expect(internalAddress(a), a).toBe(false);
  });

  it("passes names whose every address is public, in both lookup forms", async () => {
    expect(await lookupOf(["93.184.215.14", "2606:4700::1111"], true)).toEqual({ err: null, result: [{ address: "93.184.215.14", family: 4 }, { address: "2606:4700::1111", family: 6 }] });
    expect(await lookupOf(["93.184.215.14"], false)).toEqual({ err: null, result: { address: "93.184.215.14", family: 4 } });
  });

  it("refuses a name if any of its addresses is private, loopback, link-local or mapped to one", async () => {
    for (const addresses of [["127.0.0.1"], ["93.184.215.14", "10.0.0.5"], ["::ffff:169.254.169.254"], ["fd12::3"], []]) {
      const { err } = await lookupOf(addresses, true);
      expect(err?.code, addresses.join(",")).toBe("ENOTPUBLIC");
    }
  });

  it("fetch: refuses before connecting (private resolution, IP literals, plain http)", async () => {
    const asked: string[] = [];
    const f = createPublicFetch({ resolve: resolver(["127.0.0.1"], asked) });
    await expect(f("https://rebind.example.com/jwks")).rejects.toMatchObject({ code: "ENOTPUBLIC" });
    expect(asked).toEqual(["rebind.example.com"]);
    await expect(f("https://127.0.0.1/jwks")).rejects.toMatchObject({ code: "ENOTPUBLIC" });
    await expect(f("https://[::1]/jwks")).rejects.toMatchObject({ code: "ENOTPUBLIC" });
    await expect(f("http://keys.example.com/jwks")).rejects.toThrow(/http:/);
    expect(asked).toEqual(["rebind.example.com"]); // literals and http never reach the resolver
  });
});
