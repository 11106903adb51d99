/** Helpers for the admin API tests: an app with a superuser, a read-only admin and a plain user. */
import { createApp } from "../../src/app.js";
import { bootstrap } from "../../src/services/bootstrap.js";
import { makeTestDeps, type TestDeps } from "./app-deps.js";

export const ADMIN_TOKEN = "api-admin-token-".padEnd(48, "a");
export const READER_TOKEN = "api-reader-token-".padEnd(48, "r");
export const USER_TOKEN = "api-user-token-".padEnd(48, "u");

export interface ApiHarness {
  deps: TestDeps;
  /** `fetch`-like call with a token (or none) and a JSON body. */
  call(method: string, path: string, opts?: { token?: string | null; body?: unknown; raw?: string; headers?: Record<string, string> }): Promise<Response>;
  readerPk: number;
  userPk: number;
}

export async function apiHarness(): Promise<ApiHarness> {
  const deps = await makeTestDeps();
  await bootstrap(deps, { password: "bootstrap-pass-1", token: ADMIN_TOKEN, email: "admin@example.com" });
  const readers = await deps.store.groups.create({ name: "auditors", attributes: { "threshold.roles": ["read_only"] } });
  const reader = await deps.store.users.create({ username: "reader", email: "reader@example.com" });
  await deps.store.groups.addMember(readers.pk, reader.pk);
  await deps.store.tokens.create({ identifier: "reader-api", intent: "api", userPk: reader.pk, key: READER_TOKEN });
  const user = await deps.store.users.create({ username: "plain", email: "plain@example.com" });
  await deps.store.tokens.create({ identifier: "plain-api", intent: "api", userPk: user.pk, key: USER_TOKEN });
  const app = createApp();
  return {
    deps,
    readerPk: reader.pk,
    userPk: user.pk,
    call(method, path, opts = {}) {
      const token = opts.token === undefined ? ADMIN_TOKEN : opts.token;
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (token) headers.Authorization = `Bearer ${token}`;
      let body: string | undefined;
      if (opts.raw !== undefined) body = opts.raw;
      else if (opts.body !== undefined) body = JSON.stringify(opts.body);
      if (body !== undefined) headers["Content-Type"] ??= "application/json";
      return Promise.resolve(app.request(path, { method, headers, ...(body !== undefined ? { body } : {}) }, deps));
    },
  };
}
