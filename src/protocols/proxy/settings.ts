/**
 * Proxy provider settings (authentik's `ProxyProvider` fields), stored in `providers.settings`
 * next to the OAuth2 fields the provider logs in with: as in authentik, a proxy provider *is*
 * a confidential OAuth2 client of the edge issuer (client_id, wrapped client_secret,
 * redirect_uris, access_token_validity are read by `src/protocols/oauth2/settings.ts`).
 * Defaults are authentik's.
 */
import * as z from "zod";
import { isTimedelta } from "../../flows/timedelta.js";

export const PROXY_PROVIDER_TYPE = "proxy";

/** Where the outpost serves its own endpoints on every protected host. */
export const OUTPOST_PATH = "/outpost.goauthentik.io";
/**
 * The OIDC redirect URI. authentik appends `?X-authentik-auth-callback=true`; we register the
 * bare path because relying-party libraries (openid-client) send the callback URL without its
 * query as `redirect_uri`, which must equal the registered one exactly.
 */
export const callbackUrl = (externalHost: string) => `${externalHost.replace(/\/+$/, "")}${OUTPOST_PATH}/callback`;

const httpUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//i.test(u), { message: "expected an http(s) URL" })
  .transform((u) => u.replace(/\/+$/, ""));

export const proxyProviderSettings = z
  .object({
    /** The URL users open (scheme + host, optionally a path prefix). */
    external_host: httpUrl,
    /** proxy mode: the upstream the outpost forwards to. */
    internal_host: z.union([httpUrl, z.literal("")]).default(""),
    /** Verify the upstream's TLS certificate (proxy mode). */
    internal_host_ssl_validation: z.boolean().default(true),
    /** proxy: the outpost is the reverse proxy; forward_single: one host behind nginx/Traefik/Caddy; forward_domain: every host under `cookie_domain`. */
    mode: z.enum(["proxy", "forward_single", "forward_domain"]).default("proxy"),
    /** forward_domain: the session cookie's Domain (e.g. `example.com`). */
    cookie_domain: z.string().default(""),
    /** Newline-separated regular expressions; matching paths (and query) skip authentication. */
    skip_path_regex: z.string().default(""),
    /** Send `Authorization: Basic` built from two user attributes upstream. */
    basic_auth_enabled: z.boolean().default(false),
    basic_auth_user_attribute: z.string().default(""),
    basic_auth_password_attribute: z.string().default(""),
    /** Accept `Authorization: Bearer <access token>` and `Basic <username:app password>` instead of a session. */
    intercept_header_auth: z.boolean().default(true),
    /** Session (and access token) lifetime. */
    access_token_validity: z.string().refine(isTimedelta, { message: "expected a duration like 'hours=24'" }).default("hours=24"),
  })
  .superRefine((s, ctx) => {
    if (s.mode === "proxy" && !s.internal_host) ctx.addIssue({ code: "custom", path: ["internal_host"], message: "required in proxy mode" });
    if (s.mode === "forward_domain" && !s.cookie_domain) ctx.addIssue({ code: "custom", path: ["cookie_domain"], message: "required in forward_domain mode" });
    for (const line of s.skip_path_regex.split("\n").map((l) => l.trim()).filter(Boolean)) {
      try {
        new RegExp(line);
      } catch {
        ctx.addIssue({ code: "custom", path: ["skip_path_regex"], message: `invalid regular expression: ${line}` });
      }
    }
  });

export type ProxyProviderSettings = z.infer<typeof proxyProviderSettings>;

/** Settings with defaults applied; throws a zod error naming the bad key. */
export function parseProxySettings(settings: Record<string, unknown>): ProxyProviderSettings {
  return proxyProviderSettings.parse(settings);
}
