import * as z from "zod";
import { CLIENT_SECRET_CONTEXT, oauth2Settings, randomAlnum } from "../../protocols/oauth2/settings.js";
import type { ProviderType } from "./types.js";

const writable = oauth2Settings.omit({ client_id: true, client_secret: true });

/** OAuth2 / OpenID Connect: client id generated, client secret generated and returned on create only. */
export const oauth2ProviderType: ProviderType = {
  type: "oauth2",
  path: "oauth2",
  app: "authentik_providers_oauth2",
  model: "oauth2provider",
  name: "OAuth2Provider",
  verboseName: "OAuth2/OpenID Provider",
  component: "ak-provider-oauth2-form",
  settings: writable,
  outputExtra: { client_id: z.string() },
  requiresAuthorizationFlow: true,
  show(settings) {
    const { client_secret: _secret, ...rest } = settings;
    return rest;
  },
  async prepare(deps, settings, existing) {
    if (existing) return { settings: { ...settings, client_id: existing.client_id, client_secret: existing.client_secret ?? "" } };
    const clientSecret = settings.client_type === "public" ? "" : randomAlnum(deps, 128);
    return {
      settings: {
        ...settings,
        client_id: randomAlnum(deps, 40),
        client_secret: clientSecret ? await deps.keys.wrap(clientSecret, CLIENT_SECRET_CONTEXT) : "",
      },
      extra: { client_secret: clientSecret },
    };
  },
  launchUrl(settings) {
    // authentik: the origin of the first strict redirect URI.
    const uris = Array.isArray(settings.redirect_uris) ? (settings.redirect_uris as { matching_mode?: string; url?: string; redirect_uri_type?: string }[]) : [];
    const first = uris.find((u) => u.matching_mode !== "regex" && u.redirect_uri_type !== "logout" && typeof u.url === "string");
    if (!first) return null;
    try {
      return new URL(first.url!).origin;
    } catch {
      return null;
    }
  },
};
