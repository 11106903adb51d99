/**
 * An outpost's LDAP binds run the flow on behalf of the LDAP client: with a valid outpost token
 * in `X-authentik-outpost-token`, `X-authentik-remote-ip` becomes the client IP the flow, its
 * events and its rate limits see (authentik's override). Without it — or with a person's API
 * token — the host's view (the outpost's address) stands, so nobody can choose their own IP.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import type { Deps } from "../../src/deps.js";
import { createOutpost } from "../../src/protocols/ldap/outposts.js";
import { makeTestDeps, type TestDeps } from "../support/app-deps.js";
import { FlowClient, seedAuthenticationFlow } from "../support/flows.js";

const PASSWORD = "outpost ip passphrase";
const OUTPOST_ADDRESS = "10.20.30.40";

describe("X-authentik-remote-ip from outposts", () => {
  let deps: TestDeps;
  let outpostToken: string;
  let personToken: string;
  const app = createApp();
  // The host saw the outpost's address.
  const hostDeps = (): Deps => ({ ...deps, client: { ip: OUTPOST_ADDRESS, country: null, asn: null } });

  beforeAll(async () => {
    deps = await makeTestDeps();
    await seedAuthenticationFlow(deps, { slug: "ldap-bind" });
    const user = await deps.store.users.create({ username: "ldapuser", email: "l@example.com", passwordHash: await deps.passwords.hash(PASSWORD) });
    outpostToken = (await createOutpost(deps, { name: "lan", type: "ldap", providerPks: [] })).token;
    personToken = deps.random.token(48);
    await deps.store.tokens.create({ identifier: "person-api", intent: "api", userPk: user.pk, key: personToken, expiring: false, description: "" });
  });
  afterAll(async () => {
    await deps.queue.drain();
    await deps.store.close();
  });

  async function bindAs(headers: Record<string, string>): Promise<string | null> {
    const client = new FlowClient(app, hostDeps, headers);
    await client.get("ldap-bind");
    await client.post("ldap-bind", { component: "ak-stage-identification", uid_field: "ldapuser" });
    const done = await client.post("ldap-bind", { component: "ak-stage-password", password: PASSWORD });
    expect(done.body.component).toBe("xak-flow-redirect");
    const events = await deps.store.events.listUnprocessed(new Date(Date.now() + 86_400_000), 1000);
    return events.filter((e) => e.action === "login").at(-1)!.clientIp;
  }

  it("believes the remote IP with a valid outpost token", async () => {
    expect(await bindAs({ "X-authentik-remote-ip": "198.51.100.23", "X-authentik-outpost-token": outpostToken })).toBe("198.51.100.23");
  });

  it("ignores it without a token, with a person's API token, with a wrong token, or when it is not an IP", async () => {
    expect(await bindAs({ "X-authentik-remote-ip": "198.51.100.24" })).toBe(OUTPOST_ADDRESS);
    expect(await bindAs({ "X-authentik-remote-ip": "198.51.100.25", "X-authentik-outpost-token": personToken })).toBe(OUTPOST_ADDRESS);
    expect(await bindAs({ "X-authentik-remote-ip": "198.51.100.26", "X-authentik-outpost-token": "x".repeat(48) })).toBe(OUTPOST_ADDRESS);
    expect(await bindAs({ "X-authentik-remote-ip": "not-an-ip", "X-authentik-outpost-token": outpostToken })).toBe(OUTPOST_ADDRESS);
  });
});
