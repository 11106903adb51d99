/**
 * SAML request errors (STYLE habit 4: one hierarchy). Raised while the request cannot be trusted
 * (unknown provider, bad encoding, bad signature, unregistered ACS URL): rendered as an HTML page
 * at our origin, never sent to an SP, so no assertion can leak to an unregistered URL.
 */
import { ThresholdError } from "../../core/errors.js";

export class SamlRequestError extends ThresholdError {
  readonly status: number;
  readonly code = "saml_invalid_request";
  constructor(message: string, status = 400) {
    super(message);
    this.status = status;
  }
}
