/**
 * The outpost in cached bind/search mode and under faults: repeated binds are answered from the
 * bind cache, malformed BER closes only that connection, and with the issuer gone a cached bind
 * still succeeds while an uncached one fails fast with 52 unavailable (never hangs).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, UnavailableError } from "ldapts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/core/config.js";
import { startNodeServer, type NodeServer } from "../../src/node/server.js";
import { BASE_DN, LDAP_PASSWORD, ldapTool, seedLdapDirectory, startTestOutpost, userDn } from "../support/ldap.js";

describe("LDAP outpost: cached mode and faults", () => {
  let server: NodeServer;
  let outpost: Awaited<ReturnType<typeof startTestOutpost>>;
  let dataDir: string;
  let url: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "threshold-ldap-faults-"));
    const config = { ...loadConfig({ THRESHOLD_ENVIRONMENT: "test", THRESHOLD_DATA_DIR: dataDir, THRESHOLD_SECRET_KEY: "s".repeat(40) }), PORT: 0 };
    server = await startNodeServer(config, { hostname: "127.0.0.1" });
    const fx = await seedLdapDirectory(server.deps, { bindMode: "cached", searchMode: "cached" });
    outpost = await startTestOutpost(`http://127.0.0.1:${server.port}`, fx.token);
    url = `ldap://127.0.0.1:${outpost.ldapPort}`;
  });
  afterAll(async () => {
    await outpost?.close(100);
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const bindLogs = () => outpost.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === "bind");

  it("answers a repeated bind from the cache", async () => {
    for (let i = 0; i < 2; i++) {
      const client = new Client({ url });
      await client.bind(userDn("alice"), LDAP_PASSWORD);
      const { searchEntries } = await client.search(`ou=users,${BASE_DN}`, { filter: "(cn=alice)", attributes: ["cn"] });
      expect(searchEntries.map((e) => e.dn)).toEqual([userDn("alice")]);
      await client.unbind();
    }
    expect(bindLogs().map((l) => l.cached)).toEqual([false, true]);
  });

  it("malformed BER closes that connection and the server keeps serving", async () => {
    const closed = await new Promise<boolean>((resolve) => {
      const socket = connect(outpost.ldapPort, "127.0.0.1", () => socket.write(Buffer.from([0x30, 0x05, 0x02, 0x01, 0x01, 0x77, 0xff, 0x00, 0x13])));
      socket.on("data", () => {});
      socket.on("close", () => resolve(true));
      socket.on("error", () => {});
      setTimeout(() => resolve(false), 5_000).unref();
    });
    expect(closed).toBe(true);
    const who = await ldapTool("ldapwhoami", ["-x", "-H", url, "-D", userDn("alice"), "-w", LDAP_PASSWORD]);
    expect(who.stdout.trim()).toBe(`dn:${userDn("alice")}`);
  });

  it("with the issuer unreachable: cached binds succeed, others fail fast with 52", async () => {
    await server.close();
    const client = new Client({ url });
    await client.bind(userDn("alice"), LDAP_PASSWORD);
    await client.unbind();
    const started = Date.now();
    const other = new Client({ url });
    await expect(other.bind(userDn("bob"), LDAP_PASSWORD)).rejects.toBeInstanceOf(UnavailableError);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
