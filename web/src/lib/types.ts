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
export type Flow = Schemas["Flow"];
export interface Stage {
  pk: string;
  name: string;
  component?: string;
  verbose_name?: string;
  meta_model_name?: string;
  [key: string]: unknown;
}
export type FlowStageBinding = Schemas["FlowStageBinding"];
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
export type PolicyBinding = Schemas["PolicyBinding"];
export type Event = Schemas["Event"];
export type EventVolume = Schemas["EventVolume"][number];
export type Notification = Schemas["Notification"];
export type Outpost = Schemas["Outpost"];
export type OutpostHealth = Schemas["OutpostHealth"][number];
export type CertificateKeyPair = Schemas["CertificateKeyPair"];
