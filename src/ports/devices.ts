/**
 * MFA devices (authentik's `authentik_stages_authenticator_*` device models): TOTP apps, static
 * recovery codes and email codes. WebAuthn credentials have their own repository (owned by the
 * WebAuthn stage); this port only lists them for authenticator_validate (`devicesOf`).
 *
 * Secrets never reach the database in clear: TOTP seeds are wrapped by the KeyStore before they
 * are handed to {@link DeviceRepository.createTotp}; static and email codes are stored as SHA-256
 * hashes by the repository itself. Single-use things are consumed with one conditional statement,
 * so two concurrent redemptions cannot both win (DESIGN §3).
 */

/** authentik's `DeviceClasses` (the ones Threshold implements). */
export type DeviceClass = "static" | "totp" | "webauthn" | "email";

/** A confirmed device of any class, as authenticator_validate lists them. */
export interface DeviceSummary {
  deviceClass: DeviceClass;
  /** Primary key within its class's table. */
  pk: number;
  userPk: number;
  name: string;
  created: Date;
  lastUsed: Date | null;
}

export interface TotpDevice {
  pk: number;
  userPk: number;
  name: string;
  confirmed: boolean;
  /** The base32 seed wrapped by the KeyStore (context `"totp.seed"`). */
  keyWrapped: string;
  digits: 6 | 8;
  period: number;
  algorithm: "SHA1" | "SHA256" | "SHA512";
  /** Last accepted RFC 6238 time step; codes of this step or earlier are refused. */
  lastT: number | null;
  created: Date;
  lastUsed: Date | null;
}

export interface NewTotpDevice {
  userPk: number;
  name: string;
  keyWrapped: string;
  digits?: 6 | 8;
  period?: number;
  /** Devices are created unconfirmed by enrolment and confirmed by the first valid code. */
  confirmed?: boolean;
}

export interface StaticDevice {
  pk: number;
  userPk: number;
  name: string;
  confirmed: boolean;
  created: Date;
  lastUsed: Date | null;
}

export interface NewStaticDevice {
  userPk: number;
  name: string;
  /** The recovery codes in clear; only their SHA-256 hashes are stored. */
  tokens: string[];
  confirmed?: boolean;
}

export interface EmailDevice {
  pk: number;
  userPk: number;
  name: string;
  confirmed: boolean;
  email: string;
  /** When the outstanding code expires (null when none is outstanding). */
  validUntil: Date | null;
  created: Date;
  lastUsed: Date | null;
}

export interface NewEmailDevice {
  userPk: number;
  name: string;
  email: string;
  confirmed?: boolean;
}

export interface DeviceRepository {
  /** Confirmed devices of every class of a user (WebAuthn included), oldest first. */
  devicesOf(userPk: number): Promise<DeviceSummary[]>;

  createTotp(device: NewTotpDevice): Promise<TotpDevice>;
  totpByPk(pk: number): Promise<TotpDevice | null>;
  /** The user's TOTP devices; only confirmed ones unless `includeUnconfirmed`. */
  totpOf(userPk: number, opts?: { includeUnconfirmed?: boolean }): Promise<TotpDevice[]>;
  /**
   * Records an accepted code: sets `last_t = step` only when the stored step is older (compare
   * and set), so the same code — or an older one — is accepted once. False when it lost.
   */
  acceptTotpStep(pk: number, step: number, at: Date): Promise<boolean>;
  /** Confirms the user's device; false when it does not exist (or is someone else's). */
  confirmTotp(pk: number, userPk: number): Promise<boolean>;

  /** Creates the device and its hashed tokens in one transaction. */
  createStatic(device: NewStaticDevice): Promise<StaticDevice>;
  staticByPk(pk: number): Promise<StaticDevice | null>;
  confirmStatic(pk: number, userPk: number): Promise<boolean>;
  /**
   * Spends one recovery code of the user's confirmed static devices with a conditional
   * `DELETE … RETURNING`: exactly one concurrent caller gets the device, the others null.
   */
  consumeStaticToken(userPk: number, token: string, at: Date): Promise<StaticDevice | null>;
  /** How many unused codes the device has left. */
  staticTokenCount(pk: number): Promise<number>;

  createEmail(device: NewEmailDevice): Promise<EmailDevice>;
  emailByPk(pk: number): Promise<EmailDevice | null>;
  /** The user's email devices; only confirmed ones unless `includeUnconfirmed`. */
  emailOf(userPk: number, opts?: { includeUnconfirmed?: boolean }): Promise<EmailDevice[]>;
  /** Replaces the outstanding code (stored hashed) and its expiry; optionally the address. */
  setEmailToken(pk: number, token: string, validUntil: Date, email?: string): Promise<void>;
  /**
   * Spends the outstanding code when it matches and has not expired (conditional UPDATE):
   * true once; a second use, a wrong or expired code → false.
   */
  consumeEmailToken(pk: number, token: string, now: Date): Promise<boolean>;
  confirmEmail(pk: number, userPk: number): Promise<boolean>;

  /** Deletes a device of the given class owned by `userPk` (abandoned enrolments, user settings). */
  deleteDevice(deviceClass: Exclude<DeviceClass, "webauthn">, pk: number, userPk: number): Promise<boolean>;
}
