/**
 * WebAuthn setup stage (authentik `authentik/stages/authenticator_webauthn`): registers a passkey
 * or security key for the pending user. The challenge's `registration` is a
 * `PublicKeyCredentialCreationOptionsJSON` (the browser script hands it to `startRegistration`);
 * the response's `response` is the resulting `RegistrationResponseJSON`, verified against the
 * request's origin and RP id and a single-use challenge from the cache.
 */
import type { RegistrationResponseJSON } from "@simplewebauthn/server";
import { simpleWebAuthn } from "../webauthn-lib.js";
import * as z from "zod";
import { ConflictError } from "../../core/errors.js";
import { base64url, utf8 } from "../../core/encoding.js";
import type { Repositories } from "../../ports/store.js";
import type { WebAuthnTransport } from "../../ports/webauthn.js";
import { defineStage, next, nonFieldError, retry, type StageContext } from "../stage.js";
import { consumeChallenge, expectedOrigins, issueChallenge, rpIdOf, userVerification, WEBAUTHN_TIMEOUT_SECONDS } from "../webauthn-validate.js";

export const authenticatorWebauthnConfig = z.object({
  /** Whether the authenticator must verify the user (PIN, biometrics). Default `preferred`. */
  user_verification: userVerification.default("preferred"),
  /** Discoverable credential: `required` for passkeys (login without a username). Default `preferred`. */
  resident_key_requirement: userVerification.default("preferred"),
  /** `platform` (built into the device), `cross-platform` (security key), or null for either. */
  authenticator_attachment: z.enum(["platform", "cross-platform"]).nullable().default(null),
  /**
   * Reject a new credential from an authenticator model (AAGUID) the user has registered already.
   * authentik turned its equivalent off by default: keys of one batch look alike. Default false.
   */
  prevent_duplicate_devices: z.boolean().default(false),
  /** The name users see for this kind of device (settings UI); null = the stage name. */
  friendly_name: z.string().nullable().default(null),
  /** Flow a user runs to set up a device of this kind (UUID); null = none. */
  configure_flow: z.uuid().nullable().default(null),
});
type Config = z.infer<typeof authenticatorWebauthnConfig>;

/** `RegistrationResponseJSON`, checked loosely here; the library verifies the contents. */
const registrationResponse = z
  .object({
    id: z.string().min(1).max(1024),
    rawId: z.string().min(1).max(1024),
    type: z.literal("public-key"),
    response: z
      .object({
        clientDataJSON: z.string().min(1).max(8192),
        attestationObject: z.string().min(1).max(65536),
        transports: z.array(z.string().max(32)).max(16).optional(),
      })
      .loose(),
    clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
    authenticatorAttachment: z.string().optional(),
  })
  .loose();

const response = z.object({ response: registrationResponse });

const NO_USER = "No pending user.";
const FAILED = "Failed to register the device. Please try again.";
const ALREADY = "This authenticator has already been registered.";
const DEFAULT_DEVICE_NAME = "WebAuthn Device";
const ZERO_AAGUID = "00000000-0000-0000-0000-000000000000";
const TRANSPORTS = new Set<string>(["ble", "cable", "hybrid", "internal", "nfc", "smart-card", "usb"]);

async function rpName(ctx: StageContext<Config>): Promise<string> {
  // The brand title when brands exist, else the flow's title (authentik: brand.branding_title).
  const brands = (ctx.deps.store as Partial<Repositories>).brands;
  const brand = brands ? await brands.forHost(rpIdOf(ctx.request)).catch(() => null) : null;
  return brand?.brandingTitle || ctx.flow.title || "Threshold";
}

export const authenticatorWebauthnStage = defineStage({
  type: "authenticator_webauthn",
  component: "ak-stage-authenticator-webauthn",
  config: authenticatorWebauthnConfig,
  response,

  async challenge(ctx) {
    const user = await ctx.pendingUser();
    if (!user) return { registration: null };
    const devices = await ctx.deps.store.webauthn.listByUser(user.pk);
    const registration = await (await simpleWebAuthn()).generateRegistrationOptions({
      rpName: await rpName(ctx),
      rpID: rpIdOf(ctx.request),
      // The user handle is the user's UUID: stable, not personal data (WebAuthn §14.6.1).
      userID: utf8.encode(user.uuid) as Uint8Array<ArrayBuffer>,
      userName: user.username,
      userDisplayName: user.name || user.username,
      challenge: await issueChallenge(ctx, "registration", user.pk),
      timeout: WEBAUTHN_TIMEOUT_SECONDS * 1000,
      attestationType: "none",
      excludeCredentials: devices.map((d) => ({ id: d.credentialId, transports: d.transports })),
      authenticatorSelection: {
        residentKey: ctx.config.resident_key_requirement,
        requireResidentKey: ctx.config.resident_key_requirement === "required",
        userVerification: ctx.config.user_verification,
        ...(ctx.config.authenticator_attachment ? { authenticatorAttachment: ctx.config.authenticator_attachment } : {}),
      },
    });
    return { registration };
  },

  async submit(ctx, res) {
    const user = await ctx.pendingUser();
    if (!user) return retry(nonFieldError(NO_USER));
    const data = res.response as unknown as RegistrationResponseJSON;
    const challenge = await consumeChallenge(ctx, data.response.clientDataJSON, "registration", user.pk);
    if (!challenge) return retry(nonFieldError(FAILED));
    let info;
    try {
      const verified = await (await simpleWebAuthn()).verifyRegistrationResponse({
        response: data,
        expectedChallenge: challenge,
        expectedOrigin: expectedOrigins(ctx.request),
        expectedRPID: rpIdOf(ctx.request),
        requireUserVerification: ctx.config.user_verification === "required",
      });
      if (!verified.verified) return retry(nonFieldError(FAILED));
      info = verified.registrationInfo;
    } catch (error) {
      ctx.deps.logger.warn("webauthn registration failed", { error: error instanceof Error ? error.message : String(error) });
      return retry(nonFieldError(FAILED));
    }
    const credentialId = info.credential.id;
    if (await ctx.deps.store.webauthn.byCredentialId(credentialId)) return retry(nonFieldError(ALREADY));
    if (ctx.config.prevent_duplicate_devices && info.aaguid !== ZERO_AAGUID) {
      const mine = await ctx.deps.store.webauthn.listByUser(user.pk);
      if (mine.some((d) => d.aaguid === info.aaguid)) return retry(nonFieldError(ALREADY));
    }
    const transports = (info.credential.transports ?? data.response.transports ?? []).filter((t) => TRANSPORTS.has(t)) as WebAuthnTransport[];
    try {
      await ctx.deps.store.webauthn.create({
        userPk: user.pk,
        name: DEFAULT_DEVICE_NAME,
        credentialId,
        publicKey: base64url(info.credential.publicKey),
        signCount: info.credential.counter,
        aaguid: info.aaguid,
        transports,
        rpId: rpIdOf(ctx.request),
        deviceType: info.credentialDeviceType,
        backedUp: info.credentialBackedUp,
      });
    } catch (error) {
      // A concurrent registration of the same credential won the unique constraint.
      if (error instanceof ConflictError) return retry(nonFieldError(ALREADY));
      throw error;
    }
    return next();
  },
});
