/**
 * Everything heavy of the SAML IdP (xml-crypto, xmldom, xml-encryption, @peculiar/x509) behind
 * one module that `routes.ts` imports lazily, so a Worker isolate pays for it only when a SAML
 * request arrives (DESIGN §8).
 */
export { formParams, fulfil, ssoBinding, ssoInit, ssoResume, storedResponse } from "./sso.js";
export { sloBinding } from "./slo.js";
export { idpMetadata } from "./metadata.js";
export { providerBySlug } from "./provider.js";
