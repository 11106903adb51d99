/**
 * Creating proxy providers. As authentik's `ProxyProvider` (a subclass of `OAuth2Provider`), the
 * provider is at the same time the confidential OAuth2 client the outpost logs users in with:
 * its client id/secret, callback redirect URI and scopes are generated here, stored in the same
 * `settings`, and served by the OIDC endpoints like any OAuth2 provider's.
 */
import { base64url } from "../../core/encoding.js";
import type { Deps } from "../../deps.js";
import type { Provider } from "../../ports/outposts.js";
import { CLIENT_SECRET_CONTEXT, DEFAULT_SCOPE_MAPPINGS, randomAlnum } from "../oauth2/settings.js";
import { callbackUrl, parseProxySettings, PROXY_PROVIDER_TYPE } from "./settings.js";

/** KeyStore context of the wrapped secret the outpost encrypts session cookies with. */
export const COOKIE_SECRET_CONTEXT = "proxy.cookie_secret";

export interface CreatedProxyProvider {
  provider: Provider;
  clientId: string;
  /** Shown once; only the wrapped form is stored. */
  clientSecret: string;
}

export async function createProxyProvider(
  deps: Deps,
  input: {
    name: string;
    /** The authorization flow of the OIDC login (consent or implicit consent). */
    authorizationFlowPk: string;
    authenticationFlowPk?: string | null;
    invalidationFlowPk?: string | null;
    settings: Record<string, unknown>;
  },
): Promise<CreatedProxyProvider> {
  const proxy = parseProxySettings(input.settings);
  const clientId = randomAlnum(deps, 40);
  const clientSecret = randomAlnum(deps, 128);
  const settings = {
    ...proxy,
    client_type: "confidential",
    client_id: clientId,
    client_secret: await deps.keys.wrap(clientSecret, CLIENT_SECRET_CONTEXT),
    redirect_uris: [{ matching_mode: "strict", url: callbackUrl(proxy.external_host) }],
    property_mappings: DEFAULT_SCOPE_MAPPINGS,
    cookie_secret: await deps.keys.wrap(base64url(deps.random.bytes(32)), COOKIE_SECRET_CONTEXT),
  };
  const provider = await deps.store.outposts.createProvider({
    name: input.name,
    type: PROXY_PROVIDER_TYPE,
    authenticationFlowPk: input.authenticationFlowPk ?? null,
    authorizationFlowPk: input.authorizationFlowPk,
    invalidationFlowPk: input.invalidationFlowPk ?? null,
    settings,
  });
  return { provider, clientId, clientSecret };
}
