/**
 * Forms from the API's own OpenAPI document (`/api/v3/schema/`): the creatable types of a family
 * (`stages/*`, `policies/*`) and their fields come from the POST request bodies, so a stage or
 * policy type added to the API gets its admin form without UI changes.
 */
import useSWR from "swr";
import type { FieldSpec } from "../components/form";
import { api } from "./api";

type Json = Record<string, unknown>;
interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  format?: string;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  description?: string;
  default?: unknown;
  maxLength?: number;
}
export interface OpenApiDoc {
  paths: Record<string, Record<string, { summary?: string; requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>>;
  components: { schemas: Record<string, JsonSchema> };
}

export interface CreatableType {
  /** API collection, e.g. `policies/expression/`. */
  path: string;
  /** e.g. "Expression Policy". */
  title: string;
  /** Request schema name without "Request", lowercased: matches the model in `meta_model_name`. */
  model: string;
  schema: JsonSchema;
}

export function useOpenApi() {
  return useSWR<OpenApiDoc>("openapi-doc", () => api<OpenApiDoc>("schema/"), { revalidateOnFocus: false, revalidateIfStale: false });
}

function resolve(doc: OpenApiDoc, s: JsonSchema | undefined): JsonSchema {
  if (!s) return {};
  if (s.$ref) return resolve(doc, doc.components.schemas[s.$ref.split("/").pop()!]);
  return s;
}

/** Every `POST /<prefix>/<type>/` except `all`, with its request schema. */
export function creatableTypes(doc: OpenApiDoc, prefix: string): CreatableType[] {
  const out: CreatableType[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    const m = new RegExp(`^/${prefix}/(.+)/$`).exec(path);
    if (!m || m[1]!.includes("{") || m[1] === "all" || m[1] === "bindings" || !ops.post) continue;
    const ref = ops.post.requestBody?.content?.["application/json"]?.schema?.$ref ?? "";
    const name = ref.split("/").pop() ?? "";
    out.push({
      path: path.slice(1),
      title: (ops.post.summary ?? name).replace(/^Create an? /, ""),
      model: name.replace(/Request$/, "").toLowerCase(),
      schema: resolve(doc, ops.post.requestBody?.content?.["application/json"]?.schema),
    });
  }
  return out.sort((a, b) => a.title.localeCompare(b.title));
}

/** The typed collection of a row from `…/all/` (`meta_model_name` = `<app>.<model>`). */
export function typeOfRow(types: CreatableType[], row: { meta_model_name?: string }): CreatableType | undefined {
  const model = row.meta_model_name?.split(".").pop();
  return types.find((t) => t.model === model);
}

const label = (name: string) => name.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());

/** One form field per request property (enums → selects, booleans → checkboxes, objects → JSON). */
export function fieldsFromSchema(schema: JsonSchema, doc: OpenApiDoc): FieldSpec[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([name, raw]): FieldSpec => {
    const variants = (raw.anyOf ?? raw.oneOf ?? [raw]).map((v) => resolve(doc, v));
    const nullable = variants.some((v) => v.type === "null" || (Array.isArray(v.type) && v.type.includes("null")));
    const s = variants.find((v) => v.type !== "null") ?? {};
    const type = Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type;
    const base = { name, label: label(name), required: required.has(name) && !nullable, help: raw.description ?? s.description };
    if (s.enum) return { ...base, type: "select", options: s.enum.filter((v) => v !== null).map((v) => ({ value: String(v), label: String(v) })) };
    if (type === "boolean") return { ...base, type: "checkbox" };
    if (type === "integer" || type === "number") return { ...base, type: "number" };
    if (type === "array") {
      const items = resolve(doc, s.items);
      if (items.enum) return { ...base, type: "multiselect", options: items.enum.map((v) => ({ value: String(v), label: String(v) })) };
      if (items.type === "string") return { ...base, type: "lines", help: [base.help, "One per line."].filter(Boolean).join(" ") };
      return { ...base, type: "json" };
    }
    if (type === "object" || !type) return { ...base, type: "json" };
    if (s.format === "uri") return { ...base, type: "url" };
    if (/expression|template|message|css/.test(name) && !s.maxLength) return { ...base, type: "textarea" };
    return { ...base, type: "text", help: base.help ?? (s.format === "uuid" ? "A UUID." : undefined) };
  });
}

/** Defaults declared in the schema, as initial form values. */
export function defaultsFromSchema(schema: JsonSchema): Json {
  const out: Json = {};
  for (const [name, s] of Object.entries(schema.properties ?? {})) if (s.default !== undefined) out[name] = s.default;
  return out;
}
