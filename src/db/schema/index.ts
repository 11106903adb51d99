/** The one drizzle schema (pg-core) shared by every driver (DESIGN §3). */
export * from "./users.js";
export * from "./groups.js";
export * from "./policies.js";
export * from "./flows.js";
export * from "./brands.js";
export * from "./providers.js";
export * from "./applications.js";
export * from "./tokens.js";
export * from "./sessions.js";
export * from "./devices.js";
export * from "./crypto.js";
export * from "./events.js";
export * from "./outposts.js";
export * from "./enrollment.js";
export * from "./oauth2.js";
export * from "./relations.js";
export * from "./notifications.js";
