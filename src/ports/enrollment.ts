/**
 * Enrollment data (authentik's `authentik_stages_invitation`, `authentik_stages_consent`) and the
 * user writes the enrollment stages need (user_write, user_delete). Part of {@link Repositories}
 * as `enrollment`.
 */
import type { User, UserType } from "./store.js";

/** authentik's `Invitation`: its pk is the token users receive (`?itoken=`). */
export interface Invitation {
  pk: string;
  name: string;
  /** When set, the invitation only works in this flow. */
  flowPk: string | null;
  expiring: boolean;
  expires: Date | null;
  /** Merged into `prompt_data` when the invitation is used. */
  fixedData: Record<string, unknown>;
  /** Deleted on first use. */
  singleUse: boolean;
  createdByPk: number | null;
  created: Date;
}

export interface NewInvitation {
  name: string;
  flowPk?: string | null;
  expiring?: boolean;
  expires?: Date | null;
  fixedData?: Record<string, unknown>;
  singleUse?: boolean;
  createdByPk?: number | null;
}

/** authentik's `UserConsent`: what a user allowed an application. */
export interface UserConsent {
  pk: string;
  userPk: number;
  applicationPk: string;
  /** Permission ids (authentik stores them space-separated). */
  permissions: string[];
  expiring: boolean;
  expires: Date | null;
}

export interface NewUserConsent {
  userPk: number;
  applicationPk: string;
  permissions: string[];
  /** Null (with `expiring: false`) for permanent consent. */
  expires: Date | null;
}

/** Fields user_write may change; omitted fields stay as they are. */
export interface UserPatch {
  username?: string;
  name?: string;
  email?: string;
  emailVerified?: boolean;
  isActive?: boolean;
  type?: UserType;
  path?: string;
  /** Replaces the attributes object (callers merge first). */
  attributes?: Record<string, unknown>;
  /** A new hash also sets `password_change_date` to `passwordChangedAt`. */
  passwordHash?: string | null;
  passwordChangedAt?: Date;
}

export interface EnrollmentRepository {
  createInvitation(invitation: NewInvitation): Promise<Invitation>;
  /** The invitation with this token if it has not expired at `now`; null otherwise (or for malformed tokens). */
  validInvitation(pk: string, now: Date): Promise<Invitation | null>;
  /**
   * Uses a single-use invitation: one conditional `DELETE … RETURNING`, so of concurrent uses
   * exactly one gets the invitation and the others get null.
   */
  consumeInvitation(pk: string, now: Date): Promise<Invitation | null>;
  /** Deletes expired invitations; returns how many. */
  deleteExpiredInvitations(now: Date): Promise<number>;

  /** The user's consent for the application if it has not expired at `now`. */
  consentOf(userPk: number, applicationPk: string, now: Date): Promise<UserConsent | null>;
  /** Creates or replaces the user's consent for the application. */
  saveConsent(consent: NewUserConsent): Promise<UserConsent>;
  /** Cleanup: deletes expiring consents whose `expires` is before `now`; how many. */
  deleteExpiredConsents(now: Date): Promise<number>;

  /** Case-insensitive email lookup (the first match). */
  userByEmail(email: string): Promise<User | null>;
  /** Applies `patch`; throws `ConflictError` for a taken username, `NotFoundError` for a missing user. */
  updateUser(pk: number, patch: UserPatch): Promise<User>;
  /** Deletes the user (sessions, tokens, memberships cascade); false when there was none. */
  deleteUser(pk: number): Promise<boolean>;

  /**
   * Makes `targetPk` (a prompt stage's uuid) a policy binding target (engine mode "all", as
   * authentik evaluates `validation_policies`) bound to exactly `policyPks`, in that order.
   * Writes only when the stored bindings differ; one transaction.
   */
  syncValidationTarget(targetPk: string, policyPks: string[]): Promise<void>;
}
