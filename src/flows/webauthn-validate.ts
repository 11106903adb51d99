/**
 * WebAuthn ceremonies shared by the stages (authentik `authenticator_validate/challenge.py` and
 * `authenticator_webauthn/utils.py`): the relying party id and origin of a request, challenges
 * kept in the cache (single use), the `webauthn` device-class validator of authenticator_validate,
 * and passwordless login (identification's passkey autofill).
 *
 * Challenges are random bytes from the `Random` port, stored under `webauthn:challenge:<b64url>`
 * with what they were issued for (purpose, flow, stage, user) and consumed with `take` before
 * verification: a replayed or foreign response finds no challenge.
 */
import type { AuthenticationResponseJSON, PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { simpleWebAuthn } from "./webauthn-lib.js";
import * as z from "zod";
import { base64url, fromBase64url, utf8 } from "../core/encoding.js";
import type { User } from "../ports/store.js";
import type { WebAuthnDevice } from "../ports/webauthn.js";
import { recordLoginFailed } from "./credentials.js";
import { registerMfaValidator } from "./mfa.js";
import type { RequestInfo, StageContext } from "./stage.js";

/** authentik's `UserVerification` choices (WebAuthn `UserVerificationRequirement`). */
export const userVerification = z.enum(["required", "preferred", "discouraged"]);
export type UserVerification = z.infer<typeof userVerification>;

/** How long a client has to answer a WebAuthn challenge. */
export const WEBAUTHN_TIMEOUT_SECONDS = 300;

// ---------------------------------------------------------------------------------------------
// Relying party and origin

/** The RP id: the request's host name without port (authentik `get_rp_id`). */
export function rpIdOf(request: RequestInfo): string {
  const host = request.host.toLowerCase();
  if (host.startsWith("[")) return host.slice(0, host.indexOf("]") + 1);
  return host.replace(/:\d+$/, "");
}

function isLocalHost(hostname: string): boolean {
  return hostname === "localhost" || hostname.endsWith(".localhost") || hostname === "127.0.0.1" || hostname === "[::1]";
}

/**
 * Origins a browser may report for this request. Browsers offer WebAuthn only in secure contexts,
 * so `https://<host>`; plain http only for loopback hosts (local development).
 */
export function expectedOrigins(request: RequestInfo): string[] {
  const host = request.host.toLowerCase();
  const origins = [`https://${host}`];
  if (isLocalHost(rpIdOf(request))) origins.push(`http://${host}`);
  return origins;
}

// ---------------------------------------------------------------------------------------------
// Challenges

type Purpose = "registration" | "authentication" | "passkey";

interface IssuedChallenge {
  purpose: Purpose;
  flowPk: string;
  stagePk: string;
  userPk: number | null;
  rpId: string;
}

const challengeKey = (challenge: string) => `webauthn:challenge:${challenge}`;

/** New random challenge bytes, remembered for this flow, stage, user and purpose. */
export async function issueChallenge(ctx: StageContext<unknown>, purpose: Purpose, userPk: number | null): Promise<Uint8Array<ArrayBuffer>> {
  const bytes = new Uint8Array(ctx.deps.random.bytes(32));
  const issued: IssuedChallenge = { purpose, flowPk: ctx.flow.pk, stagePk: ctx.stage.pk, userPk, rpId: rpIdOf(ctx.request) };
  await ctx.deps.cache.set(challengeKey(base64url(bytes)), issued, WEBAUTHN_TIMEOUT_SECONDS);
  return bytes;
}

/**
 * Consumes the challenge a response's `clientDataJSON` names, if this flow and stage issued it for
 * `purpose` and `userPk`. Returns the challenge (base64url) or null. Any answer burns it.
 */
export async function consumeChallenge(ctx: StageContext<unknown>, clientDataJSON: string, purpose: Purpose, userPk: number | null): Promise<string | null> {
  let challenge: string;
  try {
    // WebAuthn §5.8.1 CollectedClientData (base64url JSON); the library verifies it fully later.
    challenge = (JSON.parse(utf8.decode(fromBase64url(clientDataJSON))) as { challenge: string }).challenge;
  } catch {
    return null;
  }
  if (typeof challenge !== "string" || !/^[A-Za-z0-9_-]{16,128}$/.test(challenge)) return null;
  const issued = await ctx.deps.cache.take<IssuedChallenge>(challengeKey(challenge));
  if (!issued) return null;
  const matches =
    issued.purpose === purpose &&
    issued.flowPk === ctx.flow.pk &&
    issued.stagePk === ctx.stage.pk &&
    issued.userPk === userPk &&
    issued.rpId === rpIdOf(ctx.request);
  return matches ? challenge : null;
}

// ---------------------------------------------------------------------------------------------
// Assertions (authentication)

/** What the client posts: an `AuthenticationResponseJSON` (shape checked loosely; the library verifies). */
export const authenticationResponse = z
  .object({
    id: z.string().min(1).max(1024),
    rawId: z.string().min(1).max(1024),
    type: z.literal("public-key"),
    response: z
      .object({
        clientDataJSON: z.string().min(1).max(8192),
        authenticatorData: z.string().min(1).max(8192),
        signature: z.string().min(1).max(8192),
        userHandle: z.string().max(1024).optional(),
      })
      .loose(),
    clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
    authenticatorAttachment: z.string().optional(),
  })
  .loose();

export type AssertionResult = { ok: true; device: WebAuthnDevice; user: User } | { ok: false; message: string };

const INVALID_DEVICE = "Invalid device";
const ASSERTION_FAILED = "Assertion failed";

async function allowCredentials(ctx: StageContext<unknown>, user: User) {
  const devices = await ctx.deps.store.webauthn.listByUser(user.pk);
  return devices.map((d) => ({ id: d.credentialId, transports: d.transports }));
}

/** Request options for `user`'s credentials (authenticator_validate), or for any passkey (`user` null). */
async function requestOptions(ctx: StageContext<unknown>, user: User | null, verification: UserVerification): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const challenge = await issueChallenge(ctx, user ? "authentication" : "passkey", user?.pk ?? null);
  return (await simpleWebAuthn()).generateAuthenticationOptions({
    rpID: rpIdOf(ctx.request),
    challenge,
    allowCredentials: user ? await allowCredentials(ctx, user) : [],
    userVerification: verification,
    timeout: WEBAUTHN_TIMEOUT_SECONDS * 1000,
  });
}

/**
 * Verifies an assertion for `user` (or, with `user` null, for whoever owns the credential:
 * passwordless) and records the new signature counter. Expected failures are values.
 */
async function verifyAssertion(ctx: StageContext<unknown>, user: User | null, data: unknown, verification: UserVerification): Promise<AssertionResult> {
  const parsed = authenticationResponse.safeParse(data);
  if (!parsed.success) return { ok: false, message: INVALID_DEVICE };
  const response = parsed.data as unknown as AuthenticationResponseJSON;
  const purpose = user ? "authentication" : "passkey";
  const challenge = await consumeChallenge(ctx, response.response.clientDataJSON, purpose, user?.pk ?? null);
  const device = await ctx.deps.store.webauthn.byCredentialId(response.id);
  if (!device || (user && device.userPk !== user.pk)) return { ok: false, message: INVALID_DEVICE };
  const owner = user ?? (await ctx.deps.store.users.byPk(device.userPk));
  if (!owner || !owner.isActive) return { ok: false, message: INVALID_DEVICE };
  const fail = async (reason: string, error?: unknown): Promise<AssertionResult> => {
    ctx.deps.logger.warn("webauthn assertion failed", { reason, device_pk: device.pk, error: error instanceof Error ? error.message : undefined });
    await recordLoginFailed(ctx, owner.username, owner);
    return { ok: false, message: ASSERTION_FAILED };
  };
  if (!challenge) return fail("unknown, used or foreign challenge");
  let newCounter: number;
  try {
    const result = await (await simpleWebAuthn()).verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: expectedOrigins(ctx.request),
      expectedRPID: rpIdOf(ctx.request),
      credential: { id: device.credentialId, publicKey: fromBase64url(device.publicKey) as Uint8Array<ArrayBuffer>, counter: device.signCount, transports: device.transports },
      requireUserVerification: verification === "required",
    });
    if (!result.verified) return fail("signature");
    newCounter = result.authenticationInfo.newCounter;
  } catch (error) {
    return fail("verification", error);
  }
  // The library rejects a lower counter; the conditional update also rejects a racing equal one.
  if (!(await ctx.deps.store.webauthn.recordUse(device.pk, newCounter, ctx.deps.clock.now()))) return fail("sign count regression");
  return { ok: true, device: { ...device, signCount: newCounter }, user: owner };
}

/**
 * The `webauthn` device class for authenticator_validate (authentik `DeviceClasses.WEBAUTHN`):
 * `challenge` is the `PublicKeyCredentialRequestOptionsJSON` for all of the user's credentials,
 * `validate` checks the client's `webauthn` field (an `AuthenticationResponseJSON`).
 */
export const webauthnValidator = {
  deviceClass: "webauthn" as const,
  /** The user's devices of this class. */
  devices: (ctx: StageContext<unknown>, user: User): Promise<WebAuthnDevice[]> => ctx.deps.store.webauthn.listByUser(user.pk),
  challenge: (ctx: StageContext<unknown>, user: User, verification: UserVerification = "preferred") => requestOptions(ctx, user, verification),
  validate: (ctx: StageContext<unknown>, user: User, response: unknown, verification: UserVerification = "preferred") =>
    verifyAssertion(ctx, user, response, verification),
};

// Plugs the webauthn device class into authenticator_validate (the stage registry imports this module).
registerMfaValidator(webauthnValidator);

// ---------------------------------------------------------------------------------------------
// Passwordless (identification with `webauthn_stage`)

/** Request options for conditional UI: any discoverable credential, user verification required. */
export function passkeyChallenge(ctx: StageContext<unknown>): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return requestOptions(ctx, null, "required");
}

/** Verifies a passkey assertion; on success the credential's owner is authenticated. */
export function verifyPasskey(ctx: StageContext<unknown>, response: unknown): Promise<AssertionResult> {
  return verifyAssertion(ctx, null, response, "required");
}

/** authentik's `auth_method` for a passwordless WebAuthn login. */
export const PASSKEY_AUTH_METHOD = "auth_webauthn_pwl";

/** `auth_method_args` describing the device used (no secrets). */
export function deviceArgs(device: WebAuthnDevice): Record<string, unknown> {
  return { device: { pk: device.pk, name: device.name, aaguid: device.aaguid }, device_class: "webauthn" };
}
