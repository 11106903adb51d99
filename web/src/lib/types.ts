/**
 * API shapes, named as authentik's OpenAPI schema names them. Resources the API documents come
 * from the generated `schema.d.ts` (`npm run gen:types -w web`, from `/api/v3/schema/`); the rest
 * are written by hand after authentik's schema until the API documents them too.
 */
import type { components } from "./schema";

type Schemas = components["schemas"];
export interface Pagination {
  next: number;
  previous: number;
  count: number;
  current: number;
  total_pages: number;
  start_index: number;
  end_index: number;
}
export interface Paginated<T> {
  pagination: Pagination;
  results: T[];
}

export interface GroupRef {
  pk: string;
  name: string;
  is_superuser?: boolean;
}
export type User = Schemas["User"];
export type SessionUser = Schemas["SessionUser"];
export type Group = Schemas["Group"];
export type Application = Schemas["Application"];
export interface Provider {
  pk: number;
  name: string;
  component?: string;
  assigned_application_slug?: string | null;
  assigned_application_name?: string | null;
  verbose_name?: string;
  meta_model_name?: string;
  authorization_flow?: string;
  invalidation_flow?: string;
  [key: string]: unknown;
}
export type Token = Schemas["Token"];
export type Brand = Schemas["Brand"];
export type AuthenticatedSession = Schemas["AuthenticatedSession"];
export type Device = Schemas["DeviceList"][number];
export interface Flow {
  pk: string;
  slug: string;
  name: string;
  title: string;
  designation: string;
  authentication?: string;
  policy_engine_mode?: "all" | "any";
  denied_action?: string;
  layout?: string;
  export_url?: string;
}
export interface Stage {
  pk: string;
  name: string;
  component?: string;
  verbose_name?: string;
  meta_model_name?: string;
  [key: string]: unknown;
}
export interface FlowStageBinding {
  pk: string;
  target: string;
  stage: string;
  stage_obj?: Stage;
  order: number;
  evaluate_on_plan?: boolean;
  re_evaluate_policies?: boolean;
  policy_engine_mode?: "all" | "any";
  invalid_response_action?: string;
}
export interface Policy {
  pk: string;
  name: string;
  component?: string;
  verbose_name?: string;
  meta_model_name?: string;
  bound_to?: number;
  execution_logging?: boolean;
  [key: string]: unknown;
}
export interface PolicyBinding {
  pk: string;
  policy: string | null;
  group: string | null;
  user: number | null;
  policy_obj?: Policy | null;
  group_obj?: Group | null;
  user_obj?: User | null;
  target: string;
  negate: boolean;
  enabled: boolean;
  order: number;
  timeout: number;
  failure_result?: boolean;
}
export interface Event {
  pk: string;
  action: string;
  app?: string;
  user: { pk?: number; username?: string; email?: string } & Record<string, unknown>;
  context: Record<string, unknown>;
  client_ip: string | null;
  created: string;
  expires?: string;
  brand?: Record<string, unknown>;
}
export interface EventVolume {
  action: string;
  time: string;
  count: number;
}
export interface Notification {
  pk: string;
  severity: "notice" | "warning" | "alert";
  body: string;
  created: string;
  event?: Event | null;
  seen: boolean;
}
export interface Outpost {
  pk: string;
  name: string;
  type: "ldap" | "proxy" | "radius" | "rac";
  providers: number[];
  providers_obj?: Provider[];
  service_connection?: string | null;
  token_identifier?: string;
  config?: Record<string, unknown>;
  managed?: string | null;
}
export interface OutpostHealth {
  uid: string;
  last_seen: string | null;
  healthy?: boolean;
  version?: string | null;
  version_should?: string;
  version_outdated?: boolean;
  hostname?: string;
}
export interface CertificateKeyPair {
  pk: string;
  name: string;
  fingerprint_sha256: string | null;
  fingerprint_sha1?: string | null;
  cert_expiry: string | null;
  cert_subject?: string | null;
  private_key_available: boolean;
  key_type?: string | null;
  certificate_data?: string;
  managed?: string | null;
}
