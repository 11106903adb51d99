/**
 * Prompt stage (authentik `authentik/stages/prompt`): shows the fields listed in `fields`
 * (`stages` rows of type `prompt_field`), validates the answers per field type, checks that the
 * two password fields match, runs the stage's `validation_policies` (all must pass, as authentik's
 * list engine in mode "all"), and merges the answers into `prompt_data`.
 *
 * Field expressions (`initial_value_expression`, `placeholder_expression`) are Python in
 * authentik; here only plain paths are understood (`user.username`, `user.attributes.x`,
 * `prompt_context.key`); anything else yields an empty value.
 */
import * as z from "zod";
import type { FieldError } from "../../core/errors.js";
import type { User } from "../../ports/store.js";
import { CTX } from "../plan.js";
import { policyRequest } from "../planner.js";
import { defineStage, next, nonFieldError, retry, type ResponseErrors, type StageContext } from "../stage.js";

export const FIELD_TYPES = [
  "text",
  "text_area",
  "text_read_only",
  "text_area_read_only",
  "username",
  "email",
  "password",
  "number",
  "checkbox",
  "radio-button-group",
  "dropdown",
  "date",
  "date-time",
  "file",
  "separator",
  "hidden",
  "static",
  "ak-locale",
] as const;

/** One prompt (authentik's `Prompt` model), stored as a `prompt_field` stage's config. */
export const promptFieldConfig = z.object({
  field_key: z.string().min(1),
  label: z.string().default(""),
  type: z.enum(FIELD_TYPES).default("text"),
  required: z.boolean().default(true),
  /** Placeholder text; for radio-button-group/dropdown the choices (a list, or one value). */
  placeholder: z.union([z.string(), z.array(z.string())]).default(""),
  placeholder_expression: z.boolean().default(false),
  initial_value: z.string().default(""),
  initial_value_expression: z.boolean().default(false),
  sub_text: z.string().default(""),
  order: z.number().int().default(0),
});
export type PromptField = z.infer<typeof promptFieldConfig>;

export const promptConfig = z.object({
  /** Prompt field uuids (`prompt_field` stages). */
  fields: z.array(z.uuid()).default([]),
  /** Policy uuids; every one must pass (messages become `non_field_errors`). */
  validation_policies: z.array(z.uuid()).default([]),
});
type PromptConfig = z.infer<typeof promptConfig>;

/** Answers are typed per field; the schema only requires an object. */
const response = z.record(z.string(), z.unknown());

/** Types the client never answers: their value is the server's initial value or nothing. */
const SERVER_VALUED = new Set(["text_read_only", "text_area_read_only", "hidden"]);
const NO_VALUE = new Set(["separator", "static"]);
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

async function loadFields(ctx: StageContext<PromptConfig>): Promise<PromptField[]> {
  const fields: PromptField[] = [];
  for (const pk of ctx.config.fields) {
    const stage = await ctx.deps.store.flows.stageByPk(pk);
    const parsed = stage?.type === "prompt_field" ? promptFieldConfig.safeParse(stage.config) : null;
    if (parsed?.success) fields.push(parsed.data);
    else ctx.deps.logger.warn("prompt field missing or invalid", { stage: ctx.stage.pk, field: pk });
  }
  return fields.sort((a, b) => a.order - b.order);
}

/** The subset of authentik's field expressions we understand: a dotted path. */
function pathValue(expr: string, user: User | null, promptContext: Record<string, unknown>): unknown {
  const m = /^\s*(?:return\s+)?(user|prompt_context)((?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*$/.exec(expr);
  if (!m) return undefined;
  let cur: unknown = m[1] === "user" ? user : promptContext;
  for (const key of m[2]!.slice(1).split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function initialValue(field: PromptField, user: User | null, promptContext: Record<string, unknown>): unknown {
  if (field.field_key in promptContext) return promptContext[field.field_key];
  if (!field.initial_value_expression) return field.initial_value;
  return pathValue(field.initial_value, user, promptContext) ?? "";
}

function choicesOf(field: PromptField, user: User | null, promptContext: Record<string, unknown>): string[] | null {
  if (field.type !== "radio-button-group" && field.type !== "dropdown") return null;
  const p = field.placeholder;
  const value = field.placeholder_expression && typeof p === "string" ? pathValue(p, user, promptContext) : p;
  if (Array.isArray(value)) return value.map(String);
  return value === undefined || value === "" ? [] : [String(value)];
}

const err = (string: string, code = "invalid"): FieldError[] => [{ string, code }];

/** Checks one answer; returns the cleaned value or the field's errors. */
function cleanValue(field: PromptField, raw: unknown, choices: string[] | null): { value: unknown } | { errors: FieldError[] } {
  const missing = raw === undefined || raw === null;
  if (field.type === "checkbox") {
    if (missing) return field.required ? { errors: err("This field is required.", "required") } : { value: false };
    if (typeof raw === "boolean") return { value: raw };
    if (raw === "true" || raw === "on") return { value: true };
    if (raw === "false" || raw === "") return { value: false };
    return { errors: err("Must be a valid boolean.") };
  }
  if (missing || raw === "") {
    if (!field.required) return { value: field.type === "number" ? null : "" };
    return { errors: err(missing ? "This field is required." : "This field may not be blank.", missing ? "required" : "blank") };
  }
  if (field.type === "number") {
    const n = typeof raw === "number" ? raw : typeof raw === "string" && /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
    return Number.isSafeInteger(n) ? { value: n } : { errors: err("A valid integer is required.") };
  }
  if (typeof raw !== "string") return { errors: err("Not a valid string.") };
  if (raw.length > 4096) return { errors: err("Ensure this field has no more than 4096 characters.", "max_length") };
  switch (field.type) {
    case "email":
      return EMAIL_RE.test(raw.trim()) ? { value: raw.trim() } : { errors: err("Enter a valid email address.") };
    case "date":
      return DATE_RE.test(raw) && !Number.isNaN(Date.parse(raw))
        ? { value: raw }
        : { errors: err("Date has wrong format. Use one of these formats instead: YYYY-MM-DD.") };
    case "date-time":
      return Number.isNaN(Date.parse(raw))
        ? { errors: err("Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].") }
        : { value: raw };
    case "radio-button-group":
    case "dropdown":
      return choices?.includes(raw) ? { value: raw } : { errors: err(`"${raw}" is not a valid choice.`, "invalid_choice") };
    default:
      return { value: raw };
  }
}

/** authentik's rule: with exactly two password fields, both answers must be equal. */
function passwordsMatch(fields: PromptField[], data: Record<string, unknown>): boolean {
  const keys = fields.filter((f) => f.type === "password").map((f) => f.field_key);
  return keys.length !== 2 || data[keys[0]!] === data[keys[1]!];
}

async function usernameTaken(ctx: StageContext<PromptConfig>, username: string): Promise<boolean> {
  const existing = await ctx.deps.store.users.byUsername(username);
  if (!existing) return false;
  const pending = await ctx.pendingUser();
  return existing.pk !== pending?.pk; // keeping one's own username is not a clash
}

async function validationMessages(ctx: StageContext<PromptConfig>, promptData: Record<string, unknown>): Promise<string[] | null> {
  const policies = ctx.config.validation_policies;
  if (policies.length === 0) return null;
  // The prompt stage's uuid is the policy binding target of its validation policies.
  await ctx.deps.store.enrollment.syncValidationTarget(ctx.stage.pk, policies);
  const user = (await ctx.pendingUser()) ?? (await ctx.session.user());
  const context = { ...ctx.plan.context, [CTX.promptData]: promptData };
  const result = await ctx.deps.policyEngine.evaluate(ctx.stage.pk, policyRequest(ctx.request, user, context));
  return result.passing ? null : result.messages.length > 0 ? result.messages : ["Validation policies did not pass."];
}

export const promptStage = defineStage({
  type: "prompt",
  component: "ak-stage-prompt",
  config: promptConfig,
  response,

  async challenge(ctx) {
    const user = await ctx.pendingUser();
    const promptContext = (ctx.plan.context[CTX.promptData] as Record<string, unknown> | undefined) ?? {};
    const fields = (await loadFields(ctx)).map((f) => ({
      field_key: f.field_key,
      label: f.label,
      type: f.type,
      required: f.required,
      placeholder: f.placeholder_expression || Array.isArray(f.placeholder) ? "" : f.placeholder,
      initial_value: f.type === "password" ? "" : initialValue(f, user, promptContext),
      order: f.order,
      sub_text: f.sub_text,
      choices: choicesOf(f, user, promptContext),
    }));
    return { fields };
  },

  async submit(ctx, answers) {
    const user = await ctx.pendingUser();
    const previous = (ctx.plan.context[CTX.promptData] as Record<string, unknown> | undefined) ?? {};
    const fields = await loadFields(ctx);
    const data: Record<string, unknown> = {};
    const errors: ResponseErrors = {};
    for (const field of fields) {
      if (NO_VALUE.has(field.type)) continue;
      if (SERVER_VALUED.has(field.type)) {
        data[field.field_key] = initialValue(field, user, previous);
        continue;
      }
      const cleaned = cleanValue(field, answers[field.field_key], choicesOf(field, user, previous));
      if ("errors" in cleaned) errors[field.field_key] = cleaned.errors;
      else data[field.field_key] = cleaned.value;
    }
    for (const field of fields.filter((f) => f.type === "username")) {
      const value = data[field.field_key];
      if (typeof value === "string" && value && (await usernameTaken(ctx, value))) {
        errors[field.field_key] = err("Username is already taken.");
      }
    }
    if (Object.keys(errors).length > 0) return retry(errors);
    if (!passwordsMatch(fields, data)) return retry(nonFieldError("Passwords don't match."));

    const promptData = { ...previous, ...data };
    const messages = await validationMessages(ctx, promptData);
    if (messages) return retry({ non_field_errors: messages.map((m) => ({ string: m, code: "invalid" })) });
    ctx.plan.context[CTX.promptData] = promptData;
    return next();
  },
});
