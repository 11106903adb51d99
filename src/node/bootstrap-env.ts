import type { Config } from "../core/config.js";
import type { BootstrapInput } from "../services/bootstrap.js";

/** The `THRESHOLD_BOOTSTRAP_*` settings as bootstrap input (host and CLI share it). */
export function bootstrapInput(config: Config): BootstrapInput {
  return {
    password: config.THRESHOLD_BOOTSTRAP_PASSWORD,
    token: config.THRESHOLD_BOOTSTRAP_TOKEN,
    email: config.THRESHOLD_BOOTSTRAP_EMAIL,
  };
}
