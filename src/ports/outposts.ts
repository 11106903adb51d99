/**
 * Outposts, the providers they serve and the directory they read (authentik's
 * `authentik_outposts.outpost`, `authentik_core.provider` + typed subclasses, and the user/group
 * listing the LDAP outpost searches). Settings of a provider type live in `settings` (JSON),
 * validated by the protocol that owns the type (e.g. `src/protocols/ldap/settings.ts`).
 */
import type { User } from "./store.js";

export type OutpostType = "ldap" | "proxy";

export interface Provider {
  pk: number;
  name: string;
  /** "oauth2" | "saml" | "ldap" | "proxy". */
  type: string;
  authenticationFlowPk: string | null;
  authorizationFlowPk: string | null;
  invalidationFlowPk: string | null;
  settings: Record<string, unknown>;
}

export interface NewProvider {
  name: string;
  type: string;
  authenticationFlowPk?: string | null;
  authorizationFlowPk?: string | null;
  invalidationFlowPk?: string | null;
  settings?: Record<string, unknown>;
}

/** The application a provider serves (authentik's OneToOne `provider.application`). */
export interface ProviderApplication {
  /** Policy binding model pk: the policy engine's target for access checks. */
  pk: string;
  name: string;
  slug: string;
}

export interface NewApplication {
  name: string;
  slug: string;
  providerPk?: number | null;
}

export interface Outpost {
  /** UUID primary key. */
  pk: string;
  name: string;
  type: OutpostType;
  config: Record<string, unknown>;
  /** The API token (intent api) the outpost authenticates with. */
  tokenPk: string | null;
  providerPks: number[];
}

export interface NewOutpost {
  name: string;
  type: OutpostType;
  config?: Record<string, unknown>;
  tokenPk: string;
  providerPks?: number[];
}

/** A user as the directory lists it, with its direct group pks. */
export interface DirectoryUser extends User {
  groupPks: string[];
}

/** A group as the directory lists it, with direct parents and direct members. */
export interface DirectoryGroup {
  pk: string;
  name: string;
  isSuperuser: boolean;
  attributes: Record<string, unknown>;
  parentPks: string[];
  memberPks: number[];
}

export interface DirectoryPage<T> {
  items: T[];
  count: number;
}

export interface OutpostRepository {
  createProvider(provider: NewProvider): Promise<Provider>;
  providerByPk(pk: number): Promise<Provider | null>;
  /** Creates the policy binding model and the application in one transaction. */
  createApplication(app: NewApplication): Promise<ProviderApplication>;
  applicationOfProvider(providerPk: number): Promise<ProviderApplication | null>;
  applicationBySlug(slug: string): Promise<(ProviderApplication & { providerPk: number | null }) | null>;

  create(outpost: NewOutpost): Promise<Outpost>;
  byPk(pk: string): Promise<Outpost | null>;
  /** The outpost that authenticates with token `tokenPk`, if any. */
  byTokenPk(tokenPk: string): Promise<Outpost | null>;
  /** The providers an outpost serves, ordered by pk. */
  providersOf(outpostPk: string): Promise<Provider[]>;

  /** Users ordered by pk, with their direct groups; `page` starts at 1. */
  listUsers(opts: { page: number; pageSize: number; usernames?: string[] }): Promise<DirectoryPage<DirectoryUser>>;
  /** Groups ordered by name, with parents and direct members; `page` starts at 1. */
  listGroups(opts: { page: number; pageSize: number }): Promise<DirectoryPage<DirectoryGroup>>;
}
