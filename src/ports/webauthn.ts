/**
 * WebAuthn credentials (passkeys and security keys), authentik's `WebAuthnDevice`. The
 * repository stores what a verified registration produced; verification itself lives in the
 * stages (`src/flows/stages/authenticator-webauthn.ts`, `src/flows/webauthn-validate.ts`).
 */

/** How a credential may travel to the client (WebAuthn `AuthenticatorTransport`). */
export type WebAuthnTransport = "ble" | "cable" | "hybrid" | "internal" | "nfc" | "smart-card" | "usb";

export interface WebAuthnDevice {
  /** Numeric primary key. */
  pk: number;
  userPk: number;
  /** User-visible name ("WebAuthn Device" unless the stage or user named it). */
  name: string;
  /** base64url credential id; unique across all users. */
  credentialId: string;
  /** base64url COSE public key. */
  publicKey: string;
  /** Last accepted signature counter (0 for authenticators that do not count). */
  signCount: number;
  /** Authenticator model (RFC 4122 string; all zeros when the authenticator does not say). */
  aaguid: string;
  transports: WebAuthnTransport[];
  /** The relying party id the credential is scoped to (host name, no port). */
  rpId: string;
  /** `multiDevice` for synced passkeys, `singleDevice` for device-bound credentials. */
  deviceType: "singleDevice" | "multiDevice";
  backedUp: boolean;
  created: Date;
  lastUsed: Date | null;
}

export interface NewWebAuthnDevice {
  userPk: number;
  name: string;
  credentialId: string;
  publicKey: string;
  signCount: number;
  aaguid: string;
  transports: WebAuthnTransport[];
  rpId: string;
  deviceType: "singleDevice" | "multiDevice";
  backedUp: boolean;
}

export interface WebAuthnRepository {
  /** Stores a verified credential. A credential id that exists already → `ConflictError`. */
  create(device: NewWebAuthnDevice): Promise<WebAuthnDevice>;
  /** The user's credentials, oldest first. */
  listByUser(userPk: number): Promise<WebAuthnDevice[]>;
  byCredentialId(credentialId: string): Promise<WebAuthnDevice | null>;
  /**
   * Records a successful assertion. The counter only moves forward (WebAuthn §6.1.1): the update
   * applies when `signCount` is greater than the stored counter, or when both are 0 (authenticators
   * without a counter). Returns false when the stored counter is ahead (a cloned authenticator or
   * a lost race), and nothing is changed.
   */
  recordUse(pk: number, signCount: number, at: Date): Promise<boolean>;
  /** Removes a credential of `userPk`; false when there was none. */
  delete(pk: number, userPk: number): Promise<boolean>;
}
