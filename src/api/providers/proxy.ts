import { base64url } from "../../core/encoding.js";
import { CLIENT_SECRET_CONTEXT, DEFAULT_SCOPE_MAPPINGS, randomAlnum } from "../../protocols/oauth2/settings.js";
import { COOKIE_SECRET_CONTEXT } from "../../protocols/proxy/providers.js";
import { callbackUrl, PROXY_PROVIDER_TYPE, proxyProviderSettings } from "../../protocols/proxy/settings.js";
import type { ProviderType } from "./types.js";

/**
 * Proxy / forward auth (served by the outpost). As `createProxyProvider` does, the provider is
 * also the outpost's confidential OAuth2 client: id, secret (returned once), callback URI and
 * cookie secret are generated on create; the callback follows `external_host` on update.
 */
export const proxyProviderType: ProviderType = {
  type: PROXY_PROVIDER_TYPE,
  path: "proxy",
  app: "authentik_providers_proxy",
  model: "proxyprovider",
  name: "ProxyProvider",
  verboseName: "Proxy Provider",
  component: "ak-provider-proxy-form",
  settings: proxyProviderSettings,
  requiresAuthorizationFlow: true,
  show(settings) {
    const { client_secret: _s, cookie_secret: _c, ...rest } = settings;
    return rest;
  },
  async prepare(deps, settings, existing) {
    const redirect_uris = [{ matching_mode: "strict", url: callbackUrl(String(settings.external_host)) }];
    if (existing) return { settings: { ...existing, ...settings, redirect_uris } };
    const clientSecret = randomAlnum(deps, 128);
    return {
      settings: {
        ...settings,
        client_type: "confidential",
        client_id: randomAlnum(deps, 40),
        client_secret: await deps.keys.wrap(clientSecret, CLIENT_SECRET_CONTEXT),
        redirect_uris,
        property_mappings: DEFAULT_SCOPE_MAPPINGS,
        cookie_secret: await deps.keys.wrap(base64url(deps.random.bytes(32)), COOKIE_SECRET_CONTEXT),
      },
      extra: { client_secret: clientSecret },
    };
  },
  launchUrl: (settings) => (typeof settings.external_host === "string" ? settings.external_host : null),
};
