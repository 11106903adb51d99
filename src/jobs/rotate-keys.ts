import type { Deps } from "../deps.js";
import { rotateKeys, type RotationResult } from "../protocols/oauth2/rotation.js";

/**
 * The key-rotation cron (Worker `scheduled` every 5 minutes, a timer on the Node host): one
 * rotation step (src/protocols/oauth2/rotation.ts). Failures are logged and retried next run.
 */
export async function runKeyRotation(deps: Deps): Promise<RotationResult | null> {
  try {
    return await rotateKeys(deps);
  } catch (error) {
    deps.logger.error("signing key rotation failed", { error: error instanceof Error ? error.message : String(error) });
    return null;
  }
}
