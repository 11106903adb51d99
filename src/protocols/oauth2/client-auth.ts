/**
 * Client authentication at the token, introspection and revocation endpoints (RFC 6749 §2.3.1):
 * `client_secret_basic` or `client_secret_post`, never both; public clients send only
 * `client_id`. Secrets are compared in constant time after unwrapping.
 */
import { timingSafeEqual } from "../../core/encoding.js";
import { OAuthError } from "../../core/errors.js";
import type { Deps } from "../../deps.js";
import { providerByClientId } from "./provider.js";
import { CLIENT_SECRET_CONTEXT, type OAuth2Provider } from "./settings.js";

const BASIC_CHALLENGE = 'Basic realm="threshold"';

function invalidClient(): OAuthError {
  return new OAuthError("invalid_client", "Client authentication failed.", 401, BASIC_CHALLENGE);
}

/** `Authorization: Basic` credentials, form-urlencoded inside (RFC 6749 §2.3.1). */
function basicCredentials(header: string | undefined): { id: string; secret: string } | null {
  if (!header || !/^basic /i.test(header)) return null;
  let decoded: string;
  try {
    decoded = atob(header.slice(6).trim());
  } catch {
    throw invalidClient();
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) throw invalidClient();
  try {
    return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
  } catch {
    throw invalidClient();
  }
}

export interface AuthenticatedClient {
  provider: OAuth2Provider;
  /** Whether a secret was verified (false for public clients). */
  confidential: boolean;
}

/** Authenticates the client of a back-channel request or throws `invalid_client` (401). */
export async function authenticateClient(deps: Deps, authorization: string | undefined, form: URLSearchParams): Promise<AuthenticatedClient> {
  const basic = basicCredentials(authorization);
  const postId = form.get("client_id");
  const postSecret = form.get("client_secret");
  if (basic && postSecret !== null) throw new OAuthError("invalid_request", "Use one client authentication method.");
  if (basic && postId !== null && postId !== basic.id) throw invalidClient();
  const id = basic?.id ?? postId ?? "";
  const secret = basic?.secret ?? postSecret;
  const provider = await providerByClientId(deps, id);
  if (!provider) throw invalidClient();
  if (provider.settings.client_type === "public") {
    if (secret) throw invalidClient();
    return { provider, confidential: false };
  }
  if (!secret || !provider.settings.client_secret) throw invalidClient();
  const expected = await deps.keys.unwrapText(provider.settings.client_secret, CLIENT_SECRET_CONTEXT);
  if (!timingSafeEqual(expected, secret)) throw invalidClient();
  return { provider, confidential: true };
}
