/**
 * The default blueprints (flows, stages, the default brand), embedded as text so both hosts can
 * apply them: the Node host and the Worker (which cannot read files) import this module. The
 * texts are generated from `src/blueprints/default/*.yaml` by `scripts/blueprints-embed.ts`.
 */
import { DEFAULT_BLUEPRINT_FILES } from "./defaults.generated.js";
import { parseBlueprint } from "./parse.js";
import type { Blueprint } from "./types.js";

/**
 * Application order: a blueprint's `!Find` targets come from blueprints before it (the password
 * stage's `configure_flow` is the password change flow; the brand needs every flow).
 */
export const DEFAULT_BLUEPRINT_ORDER = [
  "flow-password-change.yaml",
  "flow-default-authenticator-static-setup.yaml",
  "flow-default-authenticator-totp-setup.yaml",
  "flow-default-authenticator-email-setup.yaml",
  "flow-default-authenticator-webauthn-setup.yaml",
  "flow-default-recovery-flow.yaml",
  "flow-default-authentication-flow.yaml",
  "flow-default-invalidation-flow.yaml",
  "flow-default-provider-authorization-explicit-consent.yaml",
  "flow-default-provider-authorization-implicit-consent.yaml",
  "flow-default-provider-invalidation.yaml",
  "flow-default-user-settings-flow.yaml",
  "flow-oobe.yaml",
  "flow-default-invitation-enrollment.yaml",
  "default-brand.yaml",
] as const;

export interface DefaultBlueprint {
  file: string;
  yaml: string;
}

/** The default blueprints' texts, in application order. */
export function defaultBlueprintTexts(): DefaultBlueprint[] {
  return DEFAULT_BLUEPRINT_ORDER.map((file) => {
    const yaml = DEFAULT_BLUEPRINT_FILES[file];
    if (yaml === undefined) throw new Error(`default blueprint ${file} is not embedded (run scripts/blueprints-embed.ts)`);
    return { file, yaml };
  });
}

/** The default blueprints, parsed, in application order. */
export function defaultBlueprints(): Array<DefaultBlueprint & { blueprint: Blueprint }> {
  return defaultBlueprintTexts().map((d) => ({ ...d, blueprint: parseBlueprint(d.yaml) }));
}
