/**
 * Providers from SP metadata (SAML Metadata §2.4.4), uploaded or fetched from a URL, and refreshed
 * from it later: entityID → audience, AssertionConsumerService (POST/Redirect; the default or
 * lowest index first) → acs_url + acs_urls, SingleLogoutService → sls_url/sls_binding, a signing
 * certificate → verification_kp (when AuthnRequestsSigned="true"), an encryption certificate →
 * encryption_kp. Metadata is hardened input like any message (size limit, no DTD).
 */
import type { Element } from "@xmldom/xmldom";
import * as z from "zod";
import type { Deps } from "../../deps.js";
import type { NewSamlProvider, SamlProviderRecord } from "../../ports/saml.js";
import { SamlRequestError } from "./errors.js";
import { importCertificate } from "./keys.js";
import { BINDINGS, NAMEID_FORMATS, NS } from "./namespaces.js";
import { samlSettings, type SamlSettings } from "./settings.js";
import { checkedXmlText, child, children, MAX_XML_BYTES, parseXml } from "./xml.js";

export interface SpMetadata {
  entityId: string;
  acs: { url: string; binding: "post" | "redirect" }[];
  slo: { url: string; binding: "post" | "redirect" } | null;
  signingCertificate: string | null;
  encryptionCertificate: string | null;
  authnRequestsSigned: boolean;
  nameIdFormat: string | null;
}

const bindingOf = (uri: string | null): "post" | "redirect" | null => (uri === BINDINGS.post ? "post" : uri === BINDINGS.redirect ? "redirect" : null);

function certificates(sp: Element, use: "signing" | "encryption"): string | null {
  for (const kd of children(sp, NS.metadata, "KeyDescriptor")) {
    const u = kd.getAttribute("use");
    if (u && u !== use) continue;
    const cert = kd.getElementsByTagNameNS(NS.dsig, "X509Certificate")[0];
    const text = cert?.textContent?.replace(/\s+/g, "");
    if (text) return text;
  }
  return null;
}

/** Reads SP metadata; a `SamlRequestError` says what is missing. */
export function parseSpMetadata(xml: string): SpMetadata {
  const doc = parseXml(checkedXmlText(new TextEncoder().encode(xml)));
  let entity = doc.documentElement!;
  if (entity.namespaceURI === NS.metadata && entity.localName === "EntitiesDescriptor") {
    const all = children(entity, NS.metadata, "EntityDescriptor");
    if (all.length !== 1) throw new SamlRequestError("The metadata must describe exactly one entity.");
    entity = all[0]!;
  }
  if (entity.namespaceURI !== NS.metadata || entity.localName !== "EntityDescriptor") throw new SamlRequestError("Not SAML metadata (no EntityDescriptor).");
  const sp = child(entity, NS.metadata, "SPSSODescriptor");
  if (!sp) throw new SamlRequestError("The metadata has no SPSSODescriptor.");
  const acs = children(sp, NS.metadata, "AssertionConsumerService")
    .map((e) => ({ url: e.getAttribute("Location") ?? "", binding: bindingOf(e.getAttribute("Binding")), index: Number(e.getAttribute("index") ?? 0), isDefault: e.getAttribute("isDefault") === "true" }))
    .filter((a): a is typeof a & { binding: "post" | "redirect" } => a.binding !== null && URL.canParse(a.url))
    .sort((a, b) => Number(b.isDefault) - Number(a.isDefault) || a.index - b.index);
  if (acs.length === 0) throw new SamlRequestError("The metadata has no HTTP-POST or HTTP-Redirect AssertionConsumerService.");
  const slo = children(sp, NS.metadata, "SingleLogoutService")
    .map((e) => ({ url: e.getAttribute("Location") ?? "", binding: bindingOf(e.getAttribute("Binding")) }))
    .filter((s): s is { url: string; binding: "post" | "redirect" } => s.binding !== null && URL.canParse(s.url));
  const nameIdFormat = child(sp, NS.metadata, "NameIDFormat")?.textContent?.trim() ?? null;
  return {
    entityId: entity.getAttribute("entityID") ?? "",
    acs: acs.map(({ url, binding }) => ({ url, binding })),
    slo: slo.find((s) => s.binding === "redirect") ?? slo[0] ?? null,
    signingCertificate: certificates(sp, "signing"),
    encryptionCertificate: children(sp, NS.metadata, "KeyDescriptor").some((k) => k.getAttribute("use") === "encryption") ? certificates(sp, "encryption") : null,
    authnRequestsSigned: sp.getAttribute("AuthnRequestsSigned") === "true",
    nameIdFormat: nameIdFormat && (NAMEID_FORMATS as readonly string[]).includes(nameIdFormat) ? nameIdFormat : null,
  };
}

/** The settings metadata determines (certificates are stored as certificate-only pairs). */
export async function settingsFromMetadata(deps: Deps, name: string, xml: string): Promise<Partial<SamlSettings>> {
  const m = parseSpMetadata(xml);
  const cert = async (pem: string | null, use: string) => (pem ? (await importCertificate(deps, `${name} (${use}, from metadata ${m.entityId})`.slice(0, 200), pem)).pk : null);
  const out: Partial<SamlSettings> = {
    acs_url: m.acs[0]!.url,
    acs_urls: m.acs.slice(1).map((a) => a.url),
    sp_binding: m.acs[0]!.binding,
    audience: m.entityId,
    sls_url: m.slo?.url ?? "",
    sls_binding: m.slo?.binding ?? "redirect",
    verification_kp: m.authnRequestsSigned ? await cert(m.signingCertificate, "signing") : null,
    encryption_kp: await cert(m.encryptionCertificate, "encryption"),
  };
  if (m.nameIdFormat) out.default_name_id_policy = m.nameIdFormat as SamlSettings["default_name_id_policy"];
  return out;
}

/** Fetches metadata from `url` (http/https, at most 64 KB). */
export async function fetchMetadata(url: string, fetcher: typeof fetch = fetch): Promise<string> {
  if (!/^https?:\/\//.test(url)) throw new SamlRequestError("Metadata URLs must be http(s).");
  const res = await fetcher(url, { redirect: "follow", headers: { Accept: "application/samlmetadata+xml, application/xml, text/xml" } });
  if (!res.ok) throw new SamlRequestError(`Fetching metadata failed (HTTP ${res.status}).`);
  const text = await res.text();
  if (text.length > MAX_XML_BYTES) throw new SamlRequestError("The metadata is too large.");
  return text;
}

/** Creates a provider from SP metadata; `settings` override what the metadata says. */
export async function createSamlProviderFromMetadata(
  deps: Deps,
  input: Omit<NewSamlProvider, "settings"> & { metadata: string; settings?: Partial<z.input<typeof samlSettings>> },
): Promise<SamlProviderRecord> {
  const fromMetadata = await settingsFromMetadata(deps, input.name, input.metadata);
  const settings = samlSettings.parse({ ...fromMetadata, ...input.settings });
  const { metadata: _metadata, ...rest } = input;
  return deps.store.saml.createProvider({ ...rest, settings });
}

/** Re-reads the SP's metadata into an existing provider (other settings are kept). */
export async function refreshFromMetadata(deps: Deps, providerPk: number, metadata: string): Promise<SamlSettings> {
  const record = await deps.store.saml.providerByPk(providerPk);
  if (!record) throw new SamlRequestError("No such SAML provider.", 404);
  const settings = samlSettings.parse({ ...record.settings, ...(await settingsFromMetadata(deps, record.name, metadata)) });
  await deps.store.saml.updateSettings(providerPk, settings);
  return settings;
}
