/**
 * Logout fan-out to relying parties when a browser session ends:
 * - back-channel (OIDC Back-Channel Logout 1.0): a signed logout token POSTed to the client's
 *   `backchannel_logout_uri` by the queue consumer, retried with backoff by the queue;
 * - front-channel (OIDC Front-Channel Logout 1.0): one iframe per client on the end-session page,
 *   loading `frontchannel_logout_uri?iss=…&sid=…`.
 *
 * Settings, in `providers.settings`: authentik's `logout_uri` + `logout_method`
 * (`backchannel` default | `frontchannel`), or the OIDC registration names
 * `backchannel_logout_uri` / `frontchannel_logout_uri` (which win when both are set). Who to
 * notify: every provider that was issued a code in the ending session (`sid`).
 */
import { signJwt } from "../../core/jws.js";
import * as z from "zod";
import { sha256Hex } from "../../core/encoding.js";
import type { Deps } from "../../deps.js";
import type { QueueOutcome } from "../../ports/queue.js";
import { subjectOf } from "./claims.js";
import { issuerOf } from "./provider.js";
import { parseProvider, type OAuth2Provider } from "./settings.js";
import { providerKey } from "./tokens.js";

/** OIDC Back-Channel Logout 1.0 §2.4: the event member of a logout token. */
export const BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout";
/** Logout tokens are short-lived (§2.4 recommends minutes); each delivery attempt signs a fresh one. */
const LOGOUT_TOKEN_TTL_S = 120;
/** A receiver that does not answer within this is retried. */
export const BACKCHANNEL_TIMEOUT_MS = 10_000;

const httpUrl = z.string().refine((v) => {
  try {
    return ["http:", "https:"].includes(new URL(v).protocol);
  } catch {
    return false;
  }
});

const logoutSettings = z.object({
  logout_uri: httpUrl.or(z.literal("")).catch(""),
  logout_method: z.enum(["backchannel", "frontchannel"]).catch("backchannel"),
  backchannel_logout_uri: httpUrl.or(z.literal("")).catch(""),
  frontchannel_logout_uri: httpUrl.or(z.literal("")).catch(""),
});

export interface LogoutChannels {
  backchannel: string | null;
  frontchannel: string | null;
}

/** The logout URIs of a provider's raw settings (invalid values are ignored). */
export function logoutChannels(raw: Record<string, unknown>): LogoutChannels {
  const s = logoutSettings.parse({
    logout_uri: raw.logout_uri ?? "",
    logout_method: raw.logout_method ?? "backchannel",
    backchannel_logout_uri: raw.backchannel_logout_uri ?? "",
    frontchannel_logout_uri: raw.frontchannel_logout_uri ?? "",
  });
  return {
    backchannel: s.backchannel_logout_uri || (s.logout_method === "backchannel" && s.logout_uri) || null,
    frontchannel: s.frontchannel_logout_uri || (s.logout_method === "frontchannel" && s.logout_uri) || null,
  };
}

/** The ID token's `sid` for a browser session (as authorize.ts computes it from the session key hash). */
export async function sessionSid(keyHash: string): Promise<string> {
  return (await sha256Hex(`sid:${keyHash}`)).slice(0, 32);
}

/**
 * For a browser session that ends: enqueues one back-channel delivery per provider that has a
 * `backchannel_logout_uri` and returns the front-channel iframe URLs (either can be left out).
 * `issuerFor` gives the issuer of a provider as the relying party knows it.
 */
export async function fanOutLogout(
  deps: Deps,
  sid: string,
  issuerFor: (p: OAuth2Provider) => string,
  only: { backchannel?: boolean; frontchannel?: boolean } = {},
): Promise<string[]> {
  const wantBack = only.backchannel ?? true;
  const wantFront = only.frontchannel ?? true;
  const frames: string[] = [];
  for (const login of await deps.store.oauth2.sessionLogins(sid)) {
    const record = await deps.store.oauth2.providerByPk(login.providerPk);
    const provider = parseProvider(deps, record);
    if (!record || !provider) continue;
    const channels = logoutChannels(record.settings);
    const iss = issuerFor(provider);
    if (channels.backchannel && wantBack) {
      try {
        await deps.queue.send({ kind: "oauth2.backchannel_logout", providerPk: provider.pk, userPk: login.userPk, sid, issuer: iss });
      } catch (error) {
        // The user is logged out here regardless; the relying party keeps its session.
        deps.logger.error("back-channel logout could not be enqueued", { provider: provider.pk, error: error instanceof Error ? error.message : String(error) });
      }
    }
    if (channels.frontchannel && wantFront) {
      const url = new URL(channels.frontchannel);
      url.searchParams.set("iss", iss);
      url.searchParams.set("sid", sid);
      frames.push(url.toString());
    }
  }
  return frames;
}

/**
 * A browser session ends, however (logout flow, end-session, SAML logout, revocation in the
 * portal or the admin API, a new login replacing it): every relying party it logged in to that
 * has a back-channel logout URI is told through the queue, as authentik does on any session
 * deletion. Never throws: the session ends regardless.
 */
export async function backchannelLogoutSession(deps: Deps, sessionKeyHash: string, origin: string): Promise<void> {
  try {
    await fanOutLogout(deps, await sessionSid(sessionKeyHash), (p) => issuerOf(origin, p), { frontchannel: false });
  } catch (error) {
    deps.logger.error("back-channel logout fan-out failed", { error: error instanceof Error ? error.message : String(error) });
  }
}

/** Signs a logout token (§2.4): iss, sub, aud, iat, exp, jti, events, sid; never a nonce. */
export async function logoutToken(deps: Deps, provider: OAuth2Provider, sub: string, sid: string | null, issuer: string): Promise<string> {
  const key = await providerKey(deps, provider);
  const now = Math.floor(deps.clock.now().getTime() / 1000);
  return signJwt(
    deps.signer,
    key,
    {
      iss: issuer,
      sub,
      aud: provider.settings.client_id,
      iat: now,
      exp: now + LOGOUT_TOKEN_TTL_S,
      jti: deps.random.token(16),
      events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
      ...(sid ? { sid } : {}),
    },
    "logout+jwt",
  );
}

/**
 * Queue consumer step: POSTs a fresh logout token (§2.5, form-encoded `logout_token`). A 2xx
 * answer acknowledges; anything else, a network error or a timeout is retried by the queue.
 * A provider or user deleted since, or a URI removed since, acknowledges (nothing to tell).
 */
export async function deliverBackchannelLogout(
  deps: Deps,
  msg: { providerPk: number; userPk: number; sid: string | null; issuer: string },
): Promise<QueueOutcome> {
  const record = await deps.store.oauth2.providerByPk(msg.providerPk);
  const provider = parseProvider(deps, record);
  const uri = record ? logoutChannels(record.settings).backchannel : null;
  const user = await deps.store.users.byPk(msg.userPk);
  if (!provider || !uri || !user) return "ack";
  const token = await logoutToken(deps, provider, await subjectOf(provider, user), msg.sid, msg.issuer);
  try {
    const res = await fetch(uri, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Cache-Control": "no-store" },
      body: new URLSearchParams({ logout_token: token }).toString(),
      redirect: "manual", // §2.8: the receiver answers; following redirects would post elsewhere
      signal: AbortSignal.timeout(BACKCHANNEL_TIMEOUT_MS),
    });
    await res.body?.cancel();
    if (res.ok) {
      deps.logger.info("back-channel logout delivered", { provider: provider.pk, status: res.status });
      return "ack";
    }
    deps.logger.warn("back-channel logout refused, will retry", { provider: provider.pk, status: res.status });
  } catch (error) {
    deps.logger.warn("back-channel logout failed, will retry", { provider: provider.pk, error: error instanceof Error ? error.message : String(error) });
  }
  return "retry";
}
