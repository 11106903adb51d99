import type { Deps } from "../deps.js";
import type { Logger } from "../ports/logger.js";
import type { User } from "../ports/store.js";

/** Hono environment: deps arrive as bindings per request; variables are set by middleware. */
export type AppEnv = {
  Bindings: Deps;
  Variables: {
    requestId: string;
    logger: Logger;
    /** Set by API authentication. */
    user?: User;
  };
};
