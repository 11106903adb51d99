/**
 * Durable data (DESIGN §3). Repositories are the only door to Postgres; their implementation in
 * `src/adapters/postgres/` is the only place drizzle is used. One implementation serves every
 * driver (Neon serverless, `pg`, PGlite); a shared contract suite runs against each.
 *
 * Domain types here are plain objects (no drizzle types), named like authentik's models.
 */
import type { AdminRepository } from "./admin.js";
import type { BrandRepository } from "./brands.js";
import type { CryptoRepository } from "./crypto.js";
import type { OAuth2Repository } from "./oauth2.js";
import type { DeviceRepository } from "./devices.js";
import type { EnrollmentRepository } from "./enrollment.js";
import type { FlowRepository } from "./flows.js";
import type { OutpostRepository } from "./outposts.js";
import type { NotificationRepository } from "./notifications.js";
import type { PolicyRepository } from "./policies.js";
import type { SamlRepository } from "./saml.js";
import type { WebAuthnRepository } from "./webauthn.js";

export type UserType = "internal" | "external" | "service_account" | "internal_service_account";

export interface User {
  /** Numeric primary key (authentik's `pk`; LDAP uidNumber is derived from it). */
  pk: number;
  uuid: string;
  username: string;
  name: string;
  email: string;
  emailVerified: boolean;
  type: UserType;
  isActive: boolean;
  path: string;
  attributes: Record<string, unknown>;
  /** PHC / Django-style hash string, or null for users without a usable password. */
  passwordHash: string | null;
  passwordChangeDate: Date | null;
  lastLogin: Date | null;
  dateJoined: Date;
}

export interface NewUser {
  username: string;
  name?: string;
  email?: string;
  emailVerified?: boolean;
  type?: UserType;
  isActive?: boolean;
  path?: string;
  attributes?: Record<string, unknown>;
  passwordHash?: string | null;
}

export interface Group {
  /** UUID primary key (authentik's `group_uuid`). */
  pk: string;
  name: string;
  isSuperuser: boolean;
  attributes: Record<string, unknown>;
  /** Direct parents (nested groups). */
  parentPks: string[];
}

export interface NewGroup {
  name: string;
  isSuperuser?: boolean;
  attributes?: Record<string, unknown>;
  parentPks?: string[];
}

export type TokenIntent = "verification" | "api" | "recovery" | "app_password";

export interface Token {
  /** UUID primary key. */
  pk: string;
  /** Human-readable unique name (authentik's `identifier`). */
  identifier: string;
  intent: TokenIntent;
  userPk: number;
  description: string;
  expiring: boolean;
  expires: Date | null;
  /** SHA-256 of the secret key (hex); the key itself is never stored. */
  keyHash: string;
}

export interface NewToken {
  identifier: string;
  intent: TokenIntent;
  userPk: number;
  /** The secret value handed to the user once; the repository stores only its hash. */
  key: string;
  description?: string;
  expiring?: boolean;
  expires?: Date | null;
}

export interface AuthenticatedSession {
  /** UUID primary key; the cookie carries an opaque key whose hash is `sessionKeyHash`. */
  uuid: string;
  sessionKeyHash: string;
  userPk: number;
  lastIp: string;
  lastUserAgent: string;
  lastUsed: Date;
  expires: Date;
}

export interface NewAuthenticatedSession {
  sessionKeyHash: string;
  userPk: number;
  lastIp: string;
  lastUserAgent: string;
  expires: Date;
}

/** authentik's event actions (the subset used so far; free-form strings are accepted). */
export type EventAction =
  | "login"
  | "login_failed"
  | "logout"
  | "user_write"
  | "suspicious_request"
  | "password_set"
  | "secret_view"
  | "secret_rotate"
  | "invitation_used"
  | "authorize_application"
  | "flow_execution"
  | "policy_execution"
  | "policy_exception"
  | "configuration_error"
  | "model_created"
  | "model_updated"
  | "model_deleted"
  | "email_sent"
  | "system_task_execution"
  | (string & {});

export interface Event {
  /** UUID primary key (authentik's `event_uuid`). */
  pk: string;
  action: EventAction;
  /** Snapshot of who did it: `{pk, username, email}` or `{}` for anonymous. */
  user: Record<string, unknown>;
  app: string;
  context: Record<string, unknown>;
  clientIp: string | null;
  brand: Record<string, unknown>;
  created: Date;
  /** Retention: the cron removes the event after this instant. */
  expires: Date;
  /** When the queue consumer processed it; null while pending. */
  processedAt: Date | null;
}

export interface NewEvent {
  action: EventAction;
  user?: Record<string, unknown>;
  app?: string;
  context?: Record<string, unknown>;
  clientIp?: string | null;
  brand?: Record<string, unknown>;
  expires: Date;
}

export interface UserRepository {
  create(user: NewUser): Promise<User>;
  /** Creates several users in one statement (all or none). */
  createMany(users: NewUser[]): Promise<User[]>;
  byPk(pk: number): Promise<User | null>;
  /** Case-insensitive username lookup. */
  byUsername(username: string): Promise<User | null>;
  setPassword(pk: number, passwordHash: string, changedAt: Date): Promise<void>;
  /** Replaces the hash only if it still equals `expected` (re-hash on login without lost updates). */
  upgradePasswordHash(pk: number, expected: string, next: string): Promise<boolean>;
  count(): Promise<number>;
  /** Marks the user's email verified (an email link was opened); `activate` also sets `is_active`. */
  markEmailVerified(pk: number, opts?: { activate?: boolean }): Promise<void>;
}

export interface GroupRepository {
  create(group: NewGroup): Promise<Group>;
  byName(name: string): Promise<Group | null>;
  addMember(groupPk: string, userPk: number): Promise<void>;
  /** Direct groups of a user. */
  groupsOf(userPk: number): Promise<Group[]>;
}

export interface TokenRepository {
  create(token: NewToken): Promise<Token>;
  /** Finds a token by its secret key (hashed before lookup, compared in constant time). */
  byKey(key: string, intent?: TokenIntent): Promise<Token | null>;
  byIdentifier(identifier: string): Promise<Token | null>;
  /**
   * Redeems a single-use token (recovery and verification links): deletes it and returns it only
   * when the key and intent match and it has not expired at `now`, in one conditional
   * `DELETE … RETURNING`, so two concurrent redemptions cannot both win. Null otherwise.
   */
  consume(key: string, intent: TokenIntent, now: Date): Promise<Token | null>;
  /** Deletes expiring tokens whose `expires` is before `now`; returns how many. */
  deleteExpired(now: Date): Promise<number>;
}

export interface SessionRepository {
  create(session: NewAuthenticatedSession): Promise<AuthenticatedSession>;
  byKeyHash(sessionKeyHash: string): Promise<AuthenticatedSession | null>;
  touch(uuid: string, at: Date, ip: string, userAgent: string): Promise<void>;
  delete(uuid: string): Promise<void>;
  /**
   * Ends every session of `userPk` except `keepUuid` (user_login `terminate_other_sessions`);
   * returns the ended sessions' key hashes (their relying parties are told).
   */
  deleteOthers(userPk: number, keepUuid: string): Promise<string[]>;
  /** Deletes sessions whose `expires` is before `now`; returns how many. */
  deleteExpired(now: Date): Promise<number>;
}

export interface EventRepository {
  create(event: NewEvent): Promise<Event>;
  byPk(pk: string): Promise<Event | null>;
  /** Marks the event processed once; returns false when it was already processed (idempotent). */
  markProcessed(pk: string, at: Date): Promise<boolean>;
  /** Deletes events whose retention `expires` is before `now`; returns how many. */
  deleteExpired(now: Date): Promise<number>;
  /** Unprocessed events created before `createdBefore`, oldest first (outbox re-delivery). */
  listUnprocessed(createdBefore: Date, limit: number): Promise<Event[]>;
  /** Newest first. */
  list(opts: { limit: number; action?: string }): Promise<Event[]>;
}

/** Repositories bound to one connection or one transaction. */
export interface Repositories {
  users: UserRepository;
  /** Generic table access for the admin API (`src/ports/admin.ts`). */
  admin: AdminRepository;
  brands: BrandRepository;
  groups: GroupRepository;
  tokens: TokenRepository;
  sessions: SessionRepository;
  events: EventRepository;
  flows: FlowRepository;
  policies: PolicyRepository;
  enrollment: EnrollmentRepository;
  devices: DeviceRepository;
  webauthn: WebAuthnRepository;
  crypto: CryptoRepository;
  oauth2: OAuth2Repository;
  outposts: OutpostRepository;
  notifications: NotificationRepository;
  saml: SamlRepository;
}

export interface Store extends Repositories {
  /**
   * Runs `fn` in one database transaction: every write through the `tx` repositories commits
   * together or not at all. An exception inside `fn` rolls back and is rethrown.
   */
  transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T>;
  /** Throws when the database is unreachable (readiness check). */
  ping(): Promise<void>;
  /** Releases connections. */
  close(): Promise<void>;
}
