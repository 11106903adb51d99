import type { AppEnv } from "../http/env.js";
import type { Principal } from "./auth.js";

/** Hono environment of `/api/v3`: the app's, plus the authenticated principal. */
export type ApiEnv = {
  Bindings: AppEnv["Bindings"];
  Variables: AppEnv["Variables"] & { principal?: Principal };
};
