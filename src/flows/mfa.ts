/**
 * MFA shared by the authenticator stages and the LDAP bind path (authentik
 * `authentik/stages/authenticator/` + `authenticator_validate/challenge.py`):
 *
 * - TOTP (RFC 6238) with otplib: seeds are made from the `Random` port and stored wrapped
 *   (`KeyStore`, context {@link TOTP_KEY_CONTEXT}); an accepted time step is recorded with a
 *   compare-and-set, so a code is accepted once (authentik/django-otp behave the same).
 * - {@link validateCode}: a code against every code device of a user (TOTP, then recovery codes),
 *   as authentik's `match_token` — reused by LDAP's `password;123456` binds.
 * - The device-class validator hook ({@link registerMfaValidator}) through which WebAuthn plugs
 *   into authenticator_validate without this module knowing about it.
 * - `last_auth_threshold` bookkeeping ({@link rememberMfa} / {@link recentMfa}).
 */
import { generate, generateURI, verify } from "otplib";
import { sha256Hex } from "../core/encoding.js";
import type { Deps } from "../deps.js";
import type { DeviceClass, TotpDevice } from "../ports/devices.js";
import type { User } from "../ports/store.js";
import type { StageContext } from "./stage.js";

/** KeyStore context TOTP seeds are wrapped under (a seed cannot be unwrapped as anything else). */
export const TOTP_KEY_CONTEXT = "totp.seed";

/** authentik's `auth_method` after authenticator_validate. */
export const MFA_AUTH_METHOD = "auth_mfa";

/** Accepted clock drift, in time steps each way (django-otp's default tolerance is 1). */
const TOTP_TOLERANCE_STEPS = 1;

// ---------------------------------------------------------------------------------------------
// Random secrets

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** RFC 4648 base32 without padding. */
function base32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** A new TOTP seed: 20 random bytes (160 bits, RFC 4226 §4's recommendation), base32. */
export function newTotpSecret(deps: Pick<Deps, "random">): string {
  return base32(deps.random.bytes(20));
}

/** `length` characters from `alphabet` (whose size divides 256, so there is no modulo bias). */
function randomString(deps: Pick<Deps, "random">, alphabet: string, length: number): string {
  const bytes = deps.random.bytes(length);
  let out = "";
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

/** A recovery code: lowercase base32 (no 0/1/8/9 to confuse with letters). */
export function newRecoveryCode(deps: Pick<Deps, "random">, length: number): string {
  return randomString(deps, BASE32.toLowerCase(), length);
}

/** A numeric one-time code (email), uniformly distributed (rejection sampling). */
export function newNumericCode(deps: Pick<Deps, "random">, digits = 6): string {
  const limit = 10 ** digits;
  const bound = Math.floor(2 ** 32 / limit) * limit;
  for (;;) {
    const b = deps.random.bytes(4);
    const n = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
    if (n < bound) return String(n % limit).padStart(digits, "0");
  }
}

/** Codes as people type them: spaces and dashes removed. */
export function normaliseCode(code: string): string {
  return code.replace(/[\s-]/g, "");
}

// ---------------------------------------------------------------------------------------------
// TOTP

/** The `otpauth://` URI authenticator apps import (Google Authenticator "Key Uri Format"). */
export function totpUri(opts: { secret: string; issuer: string; label: string; digits: number; period: number }): string {
  return generateURI({ strategy: "totp", ...opts });
}

/** The current code of a seed (tests, and the enrolment page never needs it). */
export function totpCode(secret: string, at: Date, digits = 6, period = 30): Promise<string> {
  return generate({ secret, epoch: Math.floor(at.getTime() / 1000), digits, period });
}

/**
 * Checks `code` against one TOTP device and, when it matches a time step newer than the last
 * accepted one, records that step (compare-and-set). True once per code.
 */
export async function verifyTotp(deps: Deps, device: TotpDevice, code: string): Promise<boolean> {
  const token = normaliseCode(code);
  if (!new RegExp(`^\\d{${device.digits}}$`).test(token)) return false;
  let secret: string;
  try {
    secret = await deps.keys.unwrapText(device.keyWrapped, TOTP_KEY_CONTEXT);
  } catch (error) {
    // The seed was wrapped under another THRESHOLD_SECRET_KEY (a restore without the key): the
    // device can never verify again, but the user's other devices (recovery codes) still can.
    deps.logger.error("totp seed cannot be unwrapped; was THRESHOLD_SECRET_KEY changed?", {
      device_pk: device.pk,
      error: error instanceof Error ? error.message : String(error),
    });
    return false;
  }
  const now = deps.clock.now();
  let result;
  try {
    result = await verify({
      secret,
      token,
      epoch: Math.floor(now.getTime() / 1000),
      epochTolerance: TOTP_TOLERANCE_STEPS * device.period,
      digits: device.digits,
      period: device.period,
      algorithm: device.algorithm.toLowerCase() as "sha1" | "sha256" | "sha512",
      ...(device.lastT !== null ? { afterTimeStep: device.lastT } : {}),
    });
  } catch (error) {
    deps.logger.warn("totp verification failed", { device_pk: device.pk, error: error instanceof Error ? error.message : String(error) });
    return false;
  }
  if (!result.valid || !("timeStep" in result)) return false;
  return deps.store.devices.acceptTotpStep(device.pk, result.timeStep, now);
}

// ---------------------------------------------------------------------------------------------
// Codes (TOTP + recovery codes), shared with LDAP binds

/** A device that passed validation, as recorded in `auth_method_args.mfa_devices`. */
export interface UsedDevice {
  deviceClass: DeviceClass;
  pk: number | string;
  name: string;
}

/**
 * Checks `code` against every code device of `user` — TOTP apps first, then recovery codes —
 * as authentik's `match_token` does (the user does not pick). Returns the device that accepted
 * it, or null. A recovery code is spent; a TOTP code is accepted once.
 */
export async function validateCode(
  deps: Deps,
  user: Pick<User, "pk">,
  code: string,
  classes: readonly string[] = ["totp", "static"],
): Promise<UsedDevice | null> {
  const token = normaliseCode(code);
  if (token.length === 0 || token.length > 64) return null;
  if (classes.includes("totp")) {
    for (const device of await deps.store.devices.totpOf(user.pk)) {
      if (await verifyTotp(deps, device, token)) return { deviceClass: "totp", pk: device.pk, name: device.name };
    }
  }
  if (classes.includes("static")) {
    const device = await deps.store.devices.consumeStaticToken(user.pk, token.toLowerCase(), deps.clock.now());
    if (device) return { deviceClass: "static", pk: device.pk, name: device.name };
  }
  return null;
}

/** authentik's model labels, for `auth_method_args.mfa_devices` (serialised like its events). */
const MODEL: Record<DeviceClass, { app: string; model_name: string }> = {
  totp: { app: "authentik_stages_authenticator_totp", model_name: "totpdevice" },
  static: { app: "authentik_stages_authenticator_static", model_name: "staticdevice" },
  email: { app: "authentik_stages_authenticator_email", model_name: "emaildevice" },
  webauthn: { app: "authentik_stages_authenticator_webauthn", model_name: "webauthndevice" },
};

/** The device as authentik writes it into `auth_method_args.mfa_devices` (no secrets). */
export function deviceArg(device: UsedDevice): Record<string, unknown> {
  return { ...MODEL[device.deviceClass], pk: device.pk, name: device.name };
}

// ---------------------------------------------------------------------------------------------
// Device-class validators (the WebAuthn hook)

/** WebAuthn `UserVerificationRequirement`. */
export type UserVerification = "required" | "preferred" | "discouraged";

/**
 * A device class whose challenge is not a typed code (WebAuthn). authenticator_validate calls
 * `challenge` for its `device_challenges` entry and `validate` for the matching response field
 * (`webauthn`). Expected failures are values.
 */
export interface MfaValidator {
  deviceClass: DeviceClass;
  challenge(ctx: StageContext<unknown>, user: User, verification: UserVerification): Promise<unknown>;
  validate(
    ctx: StageContext<unknown>,
    user: User,
    response: unknown,
    verification: UserVerification,
  ): Promise<{ ok: true; device: { pk: number | string; name: string } } | { ok: false; message: string }>;
}

const validators = new Map<DeviceClass, MfaValidator>();

/**
 * Plugs a device class into authenticator_validate. The WebAuthn module calls it once, at import:
 * `registerMfaValidator(webauthnValidator);` (the stage registry imports every stage, so it has
 * run before any request).
 */
export function registerMfaValidator(validator: MfaValidator): void {
  validators.set(validator.deviceClass, validator);
}

/** The registered validator for a device class, if any. */
export function mfaValidator(deviceClass: DeviceClass): MfaValidator | undefined {
  return validators.get(deviceClass);
}

// ---------------------------------------------------------------------------------------------
// last_auth_threshold

interface RecentMfa {
  deviceClass: DeviceClass;
  pk: number | string;
}

/**
 * Where a successful validation is remembered: per stage, user and client (IP + user agent).
 * authentik uses a signed `authentik_mfa` cookie; stages cannot set cookies here, so the client
 * binding stands in for it (a password alone from another client never skips MFA).
 */
async function recentKey(ctx: StageContext<unknown>, userPk: number): Promise<string> {
  const client = `${ctx.request.ip ?? "-"}\n${ctx.request.userAgent ?? "-"}`;
  return `mfa:last:${await sha256Hex(`${ctx.stage.pk}\n${userPk}\n${client}`)}`;
}

/** Records a successful validation for `thresholdMs` (nothing when the threshold is 0). */
export async function rememberMfa(ctx: StageContext<unknown>, userPk: number, device: UsedDevice, thresholdMs: number): Promise<void> {
  const ttl = Math.floor(thresholdMs / 1000);
  if (ttl <= 0) return;
  await ctx.deps.cache.set(await recentKey(ctx, userPk), { deviceClass: device.deviceClass, pk: device.pk } satisfies RecentMfa, ttl);
}

/** The device validated within the threshold on this client, if any. */
export async function recentMfa(ctx: StageContext<unknown>, userPk: number): Promise<RecentMfa | null> {
  return ctx.deps.cache.get<RecentMfa>(await recentKey(ctx, userPk));
}
