/**
 * IdP metadata (SAML Metadata §2.4.3) at `/application/saml/<slug>/metadata/`: entity ID (the
 * provider's issuer), the signing certificate, SSO and SLO endpoints for both bindings, NameID
 * formats, and WantAuthnRequestsSigned when the provider verifies requests.
 */
import type { Deps } from "../../deps.js";
import { certificateBody, samlSigningKey } from "./keys.js";
import { BINDINGS, NAMEID_FORMATS, NS } from "./namespaces.js";
import { BASE_PATH } from "./provider.js";
import type { SamlProvider } from "./settings.js";
import { esc } from "./xml.js";

export async function idpMetadata(deps: Deps, origin: string, provider: SamlProvider): Promise<string> {
  const key = await samlSigningKey(deps, provider.settings.signing_kp);
  const base = `${origin}${BASE_PATH}/${encodeURIComponent(provider.application!.slug)}`;
  const cert = certificateBody(key.certificatePem);
  const service = (el: string, path: string) =>
    (["redirect", "post"] as const).map((b) => `<md:${el} Binding="${BINDINGS[b]}" Location="${esc(`${base}/${path}/binding/${b}/`)}"/>`).join("");
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<md:EntityDescriptor xmlns:md="${NS.metadata}" xmlns:ds="${NS.dsig}" entityID="${esc(provider.settings.issuer)}">` +
    `<md:IDPSSODescriptor WantAuthnRequestsSigned="${provider.settings.verification_kp ? "true" : "false"}" protocolSupportEnumeration="${NS.protocol}">` +
    `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
    service("SingleLogoutService", "slo") +
    NAMEID_FORMATS.map((f) => `<md:NameIDFormat>${f}</md:NameIDFormat>`).join("") +
    service("SingleSignOnService", "sso") +
    `</md:IDPSSODescriptor></md:EntityDescriptor>`
  );
}
