import { sql } from "drizzle-orm";
import type { Repositories, Store } from "../../ports/store.js";
import type { Db, Driver } from "./db.js";
import { adminRepository } from "./admin.js";
import { brandRepository } from "./brands.js";
import { cryptoRepository } from "./crypto.js";
import { oauth2Repository } from "./oauth2.js";
import { deviceRepository } from "./devices.js";
import { enrollmentRepository } from "./enrollment.js";
import { eventRepository } from "./events.js";
import { flowRepository } from "./flows.js";
import { groupRepository } from "./groups.js";
import { outpostRepository } from "./outposts.js";
import { samlRepository } from "./saml.js";
import { notificationRepository } from "./notifications.js";
import { policyRepository } from "./policies.js";
import { sessionRepository } from "./sessions.js";
import { tokenRepository } from "./tokens.js";
import { userRepository } from "./users.js";
import { webauthnRepository } from "./webauthn.js";

/** A `Store` backed by drizzle; `db` and `driver` are exposed for the migrator only. */
export interface DrizzleStore extends Store {
  readonly db: Db;
  readonly driver: Driver;
}

/**
 * The repositories bound to one connection pool or one transaction. `cacheScope` names the
 * database for in-process read caches (default: `db` itself); a Worker makes a store per request,
 * so it passes one object per database URL to keep them across requests of the isolate.
 */
export function createRepositories(db: Db, cacheScope: object = db): Repositories {
  return {
    users: userRepository(db),
    admin: adminRepository(db),
    brands: brandRepository(db),
    groups: groupRepository(db),
    tokens: tokenRepository(db),
    sessions: sessionRepository(db),
    events: eventRepository(db),
    flows: flowRepository(db),
    policies: policyRepository(db),
    enrollment: enrollmentRepository(db),
    webauthn: webauthnRepository(db),
    devices: deviceRepository(db),
    crypto: cryptoRepository(db),
    oauth2: oauth2Repository(db, cacheScope),
    outposts: outpostRepository(db),
    saml: samlRepository(db),
    notifications: notificationRepository(db),
  };
}

/** Wraps a drizzle database (any pg driver) as a `Store`. `close` releases the driver. */
export function createDrizzleStore(db: Db, driver: Driver, close: () => Promise<void>, cacheScope: object = db): DrizzleStore {
  let closed: Promise<void> | undefined;
  return {
    ...createRepositories(db, cacheScope),
    db,
    driver,
    transaction: (fn) => db.transaction((tx) => fn(createRepositories(tx))),
    async ping() {
      await db.execute(sql`select 1`);
    },
    close() {
      closed ??= close();
      return closed;
    },
  };
}

export function isDrizzleStore(store: Store): store is DrizzleStore {
  const s = store as Partial<DrizzleStore>;
  return typeof s.driver === "string" && typeof s.db === "object" && s.db !== null;
}
