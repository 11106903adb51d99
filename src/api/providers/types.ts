/**
 * A provider type as the API sees it: one small file per type plus one line in `registry.ts`
 * (SAML, proxy and later types plug in the same way). Settings are stored in `providers.settings`
 * (authentik's field names); the type says which fields the API accepts, which it shows, what a
 * create adds (generated secrets, shown once) and where an application using it is launched.
 */
import type * as z from "zod";
import type { Deps } from "../../deps.js";
import type { Repositories } from "../../ports/store.js";
import type { ActionDef } from "../resource.js";

export interface ProviderType {
  /** `providers.type`. */
  type: string;
  /** Path under `providers/` (authentik's: `oauth2`, `saml`, `ldap`, `proxy`). */
  path: string;
  /** authentik's app label and model name: `authentik_providers_oauth2`, `oauth2provider`. */
  app: string;
  model: string;
  /** OpenAPI component name (`OAuth2Provider`) and authentik's `verbose_name`. */
  name: string;
  verboseName: string;
  /** The admin UI form component authentik uses (`component` field). */
  component: string;
  /** Writable settings (top-level API fields), with defaults. */
  settings: z.ZodObject;
  /** Read-only fields shown besides the settings (e.g. `client_id`). */
  outputExtra?: z.ZodRawShape;
  /** Stored settings → the fields shown (never secrets). Default: the stored settings. */
  show?(settings: Record<string, unknown>): Record<string, unknown>;
  /**
   * Settings to store on create (`existing` null) or update (merged stored + sent); `extra` is
   * added to the create response only (e.g. a generated client secret, shown once).
   */
  prepare?(deps: Deps, settings: Record<string, unknown>, existing: Record<string, unknown> | null): Promise<{ settings: Record<string, unknown>; extra?: Record<string, unknown> }>;
  /** Cross-object checks of the settings (e.g. the key pairs they name), in the request's transaction. */
  validate?(settings: Record<string, unknown>, repos: Repositories): Promise<void>;
  /** Where an application using this provider starts (authentik's `launch_url`), or null. */
  launchUrl?(settings: Record<string, unknown>, app: { slug: string }, origin: string): string | null;
  /** Requires an authorization flow (authentik: every provider except LDAP/RAC-style ones). */
  requiresAuthorizationFlow?: boolean;
  /** Extra endpoints of the type (SAML's `import_metadata/`), after the generic ones. */
  actions?: ActionDef[];
}
