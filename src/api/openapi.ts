/**
 * The OpenAPI 3.1 document, generated from the routes as they are defined: every route the API
 * registers (through `resource.ts` or `OpenApiRegistry.add`) names its parameters and its zod
 * request/response schemas, which zod 4 turns into JSON Schema 2020-12 — the dialect OpenAPI 3.1
 * uses — so the document cannot drift from the validation that actually runs.
 */
import * as z from "zod";

export type HttpMethod = "get" | "post" | "put" | "patch" | "delete";

export interface OperationParam {
  name: string;
  in: "path" | "query";
  description?: string;
  required?: boolean;
  schema: Record<string, unknown>;
}

export interface Operation {
  method: HttpMethod;
  /** OpenAPI path under `/api/v3`, with `{param}` placeholders and authentik's trailing slash. */
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  params?: OperationParam[];
  /** Request body schema (JSON). */
  body?: z.ZodType;
  /** Component name for `body` (reused across operations). */
  bodyName?: string;
  /** Success status and its schema; null = no body (204). */
  status: number;
  response: z.ZodType | null;
  responseName?: string;
}

export const LIST_PARAMS: OperationParam[] = [
  { name: "page", in: "query", description: "A page number within the paginated result set.", schema: { type: "integer", minimum: 1 } },
  { name: "page_size", in: "query", description: "Number of results to return per page.", schema: { type: "integer", minimum: 1, maximum: 1000 } },
  { name: "search", in: "query", description: "A search term.", schema: { type: "string" } },
  { name: "ordering", in: "query", description: "Which field to use when ordering the results (comma-separated, `-` for descending).", schema: { type: "string" } },
];

function jsonSchema(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  const out = z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any" }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}

const ERROR_RESPONSES = {
  "400": {
    description: "Validation error: field name → messages",
    content: { "application/json": { schema: { $ref: "#/components/schemas/ValidationError" } } },
  },
  "401": { description: "Not authenticated", content: { "application/problem+json": { schema: { $ref: "#/components/schemas/GenericError" } } } },
  "403": { description: "Permission denied", content: { "application/problem+json": { schema: { $ref: "#/components/schemas/GenericError" } } } },
};

export class OpenApiRegistry {
  readonly operations: Operation[] = [];
  private cached: Record<string, unknown> | null = null;

  add(op: Operation): void {
    if (this.operations.some((o) => o.operationId === op.operationId)) throw new Error(`operationId ${op.operationId} registered twice`);
    this.operations.push(op);
    this.cached = null;
  }

  document(): Record<string, unknown> {
    if (this.cached) return this.cached;
    const schemas: Record<string, unknown> = {
      ValidationError: {
        type: "object",
        additionalProperties: { type: "array", items: { type: "string" } },
        description: "authentik's validation error: field → messages; `non_field_errors` for the object.",
      },
      GenericError: {
        type: "object",
        properties: { detail: { type: "string" }, code: { type: "string" }, title: { type: "string" }, status: { type: "integer" } },
        required: ["detail"],
      },
    };
    const ref = (schema: z.ZodType, name: string | undefined, io: "input" | "output") => {
      if (!name) return jsonSchema(schema, io);
      schemas[name] ??= jsonSchema(schema, io);
      return { $ref: `#/components/schemas/${name}` };
    };
    const paths: Record<string, Record<string, unknown>> = {};
    const tags = new Set<string>();
    for (const op of this.operations) {
      tags.add(op.tag);
      const operation: Record<string, unknown> = {
        operationId: op.operationId,
        summary: op.summary,
        tags: [op.tag],
        security: [{ authentik: [] }, { session: [] }],
        parameters: (op.params ?? []).map((p) => ({ ...p, required: p.in === "path" ? true : (p.required ?? false) })),
        responses: {
          [String(op.status)]: op.response
            ? { description: "", content: { "application/json": { schema: ref(op.response, op.responseName, "output") } } }
            : { description: "No response body" },
          ...ERROR_RESPONSES,
        },
      };
      if (op.body) {
        operation.requestBody = { required: true, content: { "application/json": { schema: ref(op.body, op.bodyName, "input") } } };
      }
      (paths[op.path] ??= {})[op.method] = operation;
    }
    this.cached = {
      openapi: "3.1.0",
      info: {
        title: "Threshold",
        version: "3.0.0",
        description: "Threshold's admin and user API, compatible with authentik's `/api/v3/`.",
        license: { name: "MIT", identifier: "MIT" },
      },
      servers: [{ url: "/api/v3" }],
      tags: [...tags].sort().map((name) => ({ name })),
      paths,
      components: {
        schemas,
        securitySchemes: {
          authentik: { type: "http", scheme: "bearer", description: "API token (`core/tokens`, intent api)" },
          session: { type: "apiKey", in: "cookie", name: "authentik_session", description: "Browser session; writes also need the `X-authentik-CSRF` header" },
        },
      },
    };
    return this.cached;
  }
}
