/**
 * OAuth2 test support: an install with alice, the default authentication flow, an authorization
 * flow (implicit or explicit consent), an OAuth2 provider + application, a browser-like client
 * (cookie jar, manual redirects) and openid-client 6 wired to `app.request` via `customFetch`.
 */
import * as oidc from "openid-client";
import { createApp } from "../../src/app.js";
import type { Group, User } from "../../src/ports/store.js";
import { createOAuth2Provider, type OAuth2SettingsInput } from "../../src/protocols/oauth2/settings.js";
import { makeTestDeps, type TestDeps } from "./app-deps.js";
import { FlowClient, seedAuthenticationFlow, seedFlow } from "./flows.js";

export const ORIGIN = "http://localhost";
export const REDIRECT = "https://app.example.com/callback";
export const PASSWORD = "correct horse";

export interface OAuth2Env {
  deps: TestDeps;
  app: ReturnType<typeof createApp>;
  user: User;
  groups: { parent: Group; child: Group };
  clientId: string;
  clientSecret: string;
  slug: string;
  issuer: string;
  providerPk: number;
  applicationPk: string;
  /** `fetch` for openid-client: every request goes to `app.request` in this process. */
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  browser(): FlowClient;
}

let seq = 0;

export async function setupOAuth2(
  opts: { consent?: "implicit" | "explicit"; settings?: Partial<OAuth2SettingsInput>; deps?: TestDeps } = {},
): Promise<OAuth2Env> {
  const deps = opts.deps ?? (await makeTestDeps());
  const app = createApp();
  const n = ++seq;
  let user = await deps.store.users.byUsername("alice");
  if (!user) {
    await seedAuthenticationFlow(deps);
    user = await deps.store.users.create({ username: "alice", name: "Alice A", email: "alice@example.com", emailVerified: true, passwordHash: await deps.passwords.hash(PASSWORD) });
  }
  const parent = (await deps.store.groups.byName("staff")) ?? (await deps.store.groups.create({ name: "staff" }));
  let child = await deps.store.groups.byName("engineers");
  if (!child) {
    child = await deps.store.groups.create({ name: "engineers", parentPks: [parent.pk] });
    await deps.store.groups.addMember(child.pk, user.pk);
  }
  const { flow } = await seedFlow(deps, {
    slug: `authz-${opts.consent ?? "implicit"}-${n}`,
    designation: "authorization",
    authentication: "require_authenticated",
    stages: opts.consent === "explicit" ? [{ type: "consent", config: { mode: "always_require" } }] : [],
  });
  const created = await createOAuth2Provider(deps, {
    name: `provider-${n}`,
    authorizationFlowPk: flow.pk,
    settings: { redirect_uris: [{ matching_mode: "strict", url: REDIRECT }], ...opts.settings },
  });
  const slug = `app-${n}`;
  const application = await deps.store.oauth2.createApplication({ name: `App ${n}`, slug, providerPk: created.provider.pk });
  const fetch = (url: string, init: RequestInit) =>
    Promise.resolve(app.request(url, { method: init.method, headers: init.headers, body: init.body }, deps));
  return {
    deps,
    app,
    user,
    groups: { parent, child },
    clientId: created.clientId,
    clientSecret: created.clientSecret,
    slug,
    issuer: `${ORIGIN}/application/o/${slug}/`,
    providerPk: created.provider.pk,
    applicationPk: application.pk,
    fetch,
    browser: () => new FlowClient(app, () => deps),
  };
}

/** openid-client configuration by discovery, talking to the app in-process. */
export async function discover(env: OAuth2Env, auth?: oidc.ClientAuth, secret = env.clientSecret): Promise<oidc.Configuration> {
  const config = await oidc.discovery(new URL(env.issuer), env.clientId, secret || undefined, auth, {
    execute: [oidc.allowInsecureRequests],
    [oidc.customFetch]: env.fetch as never,
  });
  config[oidc.customFetch] = env.fetch as never;
  oidc.enableNonRepudiationChecks(config);
  return config;
}

/** Logs alice in through the default authentication flow (executor API). */
export async function login(browser: FlowClient): Promise<void> {
  const slug = "default-authentication-flow";
  await browser.get(slug);
  await browser.post(slug, { component: "ak-stage-identification", uid_field: "alice" });
  const done = await browser.post(slug, { component: "ak-stage-password", password: PASSWORD });
  if (done.body.component !== "xak-flow-redirect") throw new Error(`login failed: ${JSON.stringify(done.body)}`);
}

/** Follows same-origin redirects until one leaves the app; returns that URL (or the last response). */
export async function follow(browser: FlowClient, start: string, max = 10): Promise<{ url: URL | null; res: Response }> {
  let path = start;
  for (let i = 0; i < max; i++) {
    const res = await browser.request(path);
    const location = res.headers.get("location");
    if (res.status < 300 || res.status >= 400 || !location) return { url: null, res };
    const next = new URL(location, ORIGIN);
    if (next.origin !== ORIGIN) return { url: next, res };
    path = next.pathname + next.search;
  }
  throw new Error("too many redirects");
}

/** A full code + PKCE authorization in the (logged-in) browser; returns the callback URL and PKCE/nonce values. */
export async function authorizeCode(env: OAuth2Env, config: oidc.Configuration, browser: FlowClient, scope = "openid email profile offline_access") {
  const verifier = oidc.randomPKCECodeVerifier();
  const nonce = oidc.randomNonce();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT,
    scope,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    nonce,
    state,
  });
  const { url: callback, res } = await follow(browser, url.pathname + url.search);
  if (!callback) throw new Error(`authorize did not redirect to the client: ${res.status} ${await res.text()}`);
  return { callback, verifier, nonce, state };
}

/** Form-encoded POST to the app. */
export function postForm(env: OAuth2Env, path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return Promise.resolve(
    env.app.request(
      `${ORIGIN}${path}`,
      { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers }, body: new URLSearchParams(form).toString() },
      env.deps,
    ),
  );
}

export const basic = (id: string, secret: string) => `Basic ${btoa(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`)}`;
