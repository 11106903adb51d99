/**
 * Device authorization grant (RFC 8628). `/application/o/device/` hands out a device code (the
 * client polls the token endpoint with it) and a short user code (the user enters it at
 * `/device`, then goes through the provider's authorization flow). Grants are short-lived state
 * in `deps.cache` (DESIGN §3); only hashes of device codes are keys. Approval is consumed with
 * `take`, so two concurrent polls cannot both receive tokens.
 */
import { sha256Hex } from "../../core/encoding.js";
import { OAuthError } from "../../core/errors.js";
import type { Deps } from "../../deps.js";
import type { AuthenticatedClient } from "./client-auth.js";
import { parseResources } from "./resource.js";
import type { AuthContext } from "./tokens.js";

export const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
/** Seconds a device code lives, and the polling interval (RFC 8628 §3.2 default 5). */
export const DEVICE_CODE_LIFETIME_S = 600;
export const DEVICE_POLL_INTERVAL_S = 5;
// RFC 8628 §6.1: base-20 consonants (no vowels, no look-alikes), 8 characters ≈ 34.5 bits.
const USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ";

const GRANT_PREFIX = "oauth2:device:";
const USER_CODE_PREFIX = "oauth2:device-user:";
const POLL_PREFIX = "oauth2:device-poll:";
const APPROVED_PREFIX = "oauth2:device-approved:";

/** A pending device authorization (JSON in the cache). */
export interface DeviceGrant {
  providerPk: number;
  scope: string[];
  resource: string[];
  userCode: string;
  /** Epoch ms. */
  expiresAt: number;
  interval: number;
  status: "pending" | "denied";
}

/** What the user's approval carries to the token endpoint. */
export interface DeviceApproval {
  userPk: number;
  auth: AuthContext;
}

function userCode(deps: Deps): string {
  let out = "";
  while (out.length < 8) {
    for (const b of deps.random.bytes(16)) if (b < 240 && out.length < 8) out += USER_CODE_ALPHABET[b % 20];
  }
  return out;
}

/** The user code as typed ("bcdf-ghjk", "BCDF GHJK") in canonical form, or null. */
export function normaliseUserCode(input: string): string | null {
  const code = input.toUpperCase().replace(/[\s-]/g, "");
  return code.length === 8 && [...code].every((ch) => USER_CODE_ALPHABET.includes(ch)) ? code : null;
}

export const formatUserCode = (code: string) => `${code.slice(0, 4)}-${code.slice(4)}`;

/** POST `/application/o/device/` (RFC 8628 §3.1–3.2). */
export async function deviceAuthorization(deps: Deps, origin: string, client: AuthenticatedClient, form: URLSearchParams): Promise<Record<string, unknown>> {
  const scopeParam = form.getAll("scope");
  if (scopeParam.length > 1) throw new OAuthError("invalid_request", "Parameter 'scope' is repeated.");
  const scope = [...new Set((scopeParam[0] ?? "").split(" ").filter((s) => s && client.provider.scopes.has(s)))];
  const resource = parseResources(form, client.provider);
  const deviceCode = deps.random.token(32);
  const hash = await sha256Hex(deviceCode);
  const ttl = DEVICE_CODE_LIFETIME_S;
  let code = "";
  // A user code names one grant at a time.
  for (let i = 0; i < 5 && !code; i++) {
    const candidate = userCode(deps);
    if (await deps.cache.setIfAbsent(USER_CODE_PREFIX + candidate, hash, ttl)) code = candidate;
  }
  if (!code) throw new OAuthError("server_error", "Could not allocate a user code.", 500);
  const grant: DeviceGrant = {
    providerPk: client.provider.pk,
    scope,
    resource,
    userCode: code,
    expiresAt: deps.clock.now().getTime() + ttl * 1000,
    interval: DEVICE_POLL_INTERVAL_S,
    status: "pending",
  };
  // Kept a while past expiry, so late polls learn `expired_token` rather than `invalid_grant`.
  await deps.cache.set(GRANT_PREFIX + hash, grant, ttl + 300);
  const verification = `${origin}/device`;
  return {
    device_code: deviceCode,
    user_code: formatUserCode(code),
    verification_uri: verification,
    verification_uri_complete: `${verification}?${new URLSearchParams({ code: formatUserCode(code) })}`,
    expires_in: ttl,
    interval: DEVICE_POLL_INTERVAL_S,
  };
}

/** The grant a user code names (for the `/device` page), with its device code hash. */
export async function grantByUserCode(deps: Deps, code: string): Promise<{ hash: string; grant: DeviceGrant } | null> {
  const hash = await deps.cache.get<string>(USER_CODE_PREFIX + code);
  if (typeof hash !== "string") return null;
  const grant = await deps.cache.get<DeviceGrant>(GRANT_PREFIX + hash);
  if (!grant || grant.status !== "pending" || grant.expiresAt <= deps.clock.now().getTime()) return null;
  return { hash, grant };
}

/** The user approved (after the authorization flow) or was denied. The user code is spent either way. */
export async function settleDeviceGrant(deps: Deps, hash: string, outcome: DeviceApproval | "denied"): Promise<boolean> {
  const grant = await deps.cache.get<DeviceGrant>(GRANT_PREFIX + hash);
  if (!grant || grant.status !== "pending") return false;
  const left = Math.ceil((grant.expiresAt - deps.clock.now().getTime()) / 1000);
  if (left <= 0) return false;
  await deps.cache.delete(USER_CODE_PREFIX + grant.userCode);
  if (outcome === "denied") {
    await deps.cache.set(GRANT_PREFIX + hash, { ...grant, status: "denied" }, left + 300);
    return true;
  }
  await deps.cache.set(APPROVED_PREFIX + hash, outcome, left);
  return true;
}

const pollError = (error: string, description: string) => new OAuthError(error, description);

/** Token endpoint, `grant_type=urn:ietf:params:oauth:grant-type:device_code` (RFC 8628 §3.4–3.5). */
export async function redeemDeviceCode(deps: Deps, client: AuthenticatedClient, deviceCode: string): Promise<{ grant: DeviceGrant; approval: DeviceApproval }> {
  if (deviceCode.length > 256) throw pollError("invalid_grant", "The device code is invalid.");
  const hash = await sha256Hex(deviceCode);
  const grant = await deps.cache.get<DeviceGrant>(GRANT_PREFIX + hash);
  if (!grant || grant.providerPk !== client.provider.pk) throw pollError("invalid_grant", "The device code is invalid.");
  if (grant.expiresAt <= deps.clock.now().getTime()) throw pollError("expired_token", "The device code has expired.");
  if (grant.status === "denied") {
    await deps.cache.delete(GRANT_PREFIX + hash);
    throw pollError("access_denied", "The user denied the authorization request.");
  }
  // One poll per interval; the window is a little shorter than the interval for timer jitter.
  if (!(await deps.cache.setIfAbsent(POLL_PREFIX + hash, 1, Math.max(grant.interval - 1, 1)))) {
    throw pollError("slow_down", "Polling too fast; wait longer between requests.");
  }
  const approval = await deps.cache.take<DeviceApproval>(APPROVED_PREFIX + hash);
  if (!approval) throw pollError("authorization_pending", "The user has not yet completed the authorization.");
  await deps.cache.delete(GRANT_PREFIX + hash);
  return { grant, approval };
}
