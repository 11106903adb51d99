/**
 * Every stage type, one line each (STYLE habit 2). `test/integration/flows-registry.test.ts`
 * fails when a file in `stages/` is missing here or a type id repeats.
 */
import type { AnyStage } from "./stage.js";
import { authenticatorEmailStage } from "./stages/authenticator-email.js";
import { authenticatorStaticStage } from "./stages/authenticator-static.js";
import { authenticatorTotpStage } from "./stages/authenticator-totp.js";
import { authenticatorValidateStage } from "./stages/authenticator-validate.js";
import { captchaStage } from "./stages/captcha.js";
import { consentStage } from "./stages/consent.js";
import { invitationStage } from "./stages/invitation.js";
import { promptStage } from "./stages/prompt.js";
import { userDeleteStage } from "./stages/user-delete.js";
import { userWriteStage } from "./stages/user-write.js";
import { authenticatorWebauthnStage } from "./stages/authenticator-webauthn.js";
import { denyStage } from "./stages/deny.js";
import { dummyStage } from "./stages/dummy.js";
import { emailStage } from "./stages/email.js";
import { identificationStage } from "./stages/identification.js";
import { passwordStage } from "./stages/password.js";
import { redirectStage } from "./stages/redirect.js";
import { userLoginStage } from "./stages/user-login.js";
import { userLogoutStage } from "./stages/user-logout.js";

export const STAGES: readonly AnyStage[] = [
  authenticatorValidateStage,
  authenticatorTotpStage,
  authenticatorStaticStage,
  authenticatorEmailStage,
  promptStage,
  userWriteStage,
  userDeleteStage,
  invitationStage,
  consentStage,
  captchaStage,
  identificationStage,
  passwordStage,
  userLoginStage,
  userLogoutStage,
  denyStage,
  dummyStage,
  redirectStage,
  authenticatorWebauthnStage,
  emailStage,
];

const byType = new Map(STAGES.map((s) => [s.type, s]));

/** The stage implementation for a `stages.type` value, or undefined for unknown types. */
export function stageType(type: string): AnyStage | undefined {
  return byType.get(type);
}
