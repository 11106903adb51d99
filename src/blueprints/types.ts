/**
 * Blueprints in authentik's format (`authentik/blueprints/v1/common.py`): a typed document whose
 * YAML tags (`!KeyOf`, `!Find`, …) stay unresolved `BlueprintTag` nodes until an applier resolves
 * them against the database (see `resolve.ts`).
 */
import { ThresholdError } from "../core/errors.js";

/** The tags we understand. `!File` and `!FindObject` are refused: Workers cannot read files, and
 * we have no serializers to render a found object. */
export const TAG_NAMES = [
  "KeyOf",
  "Find",
  "Env",
  "Context",
  "Format",
  "If",
  "Condition",
  "Enumerate",
  "Value",
  "Index",
  "AtIndex",
  "ParseJSON",
] as const;
export type TagName = (typeof TAG_NAMES)[number];

/** A value in a blueprint: plain YAML data with tag nodes anywhere inside. */
export type BlueprintValue =
  | null
  | boolean
  | number
  | string
  | BlueprintTag
  | BlueprintValue[]
  | { [key: string]: BlueprintValue };

/** A YAML tag left for resolution. `args` is the tag's scalar (one element) or its sequence. */
export class BlueprintTag {
  constructor(
    readonly tag: TagName,
    readonly args: readonly BlueprintValue[],
    /** Where the tag sits, e.g. `entries[3].attrs.fields[0]`, for error messages. */
    readonly path: string,
  ) {}
}

/** authentik's `BlueprintEntryDesiredState`. */
export const ENTRY_STATES = ["present", "created", "must_created", "absent"] as const;
export type EntryState = (typeof ENTRY_STATES)[number];

export interface BlueprintEntry {
  /** Position in `entries` (sections flattened in order): errors and skip reports name it. */
  index: number;
  /** `app_label.model_name`, e.g. `authentik_flows.flow`. */
  model: string;
  /** present: create or update · created: create only if missing · must_created: error if it
   * exists · absent: delete. Default present. */
  state: EntryState;
  identifiers: Record<string, BlueprintValue>;
  attrs: Record<string, BlueprintValue>;
  /** Name later entries use in `!KeyOf`. */
  id?: string;
  /** The entry applies only if every condition is truthy (Python truthiness). */
  conditions: BlueprintValue[];
}

export interface Blueprint {
  version: 1;
  metadata?: { name: string; labels: Record<string, string> };
  context: Record<string, BlueprintValue>;
  entries: BlueprintEntry[];
}

/** A blueprint that cannot be read: malformed YAML, a wrong shape, an unknown tag or model name. */
export class BlueprintParseError extends ThresholdError {
  readonly status = 400;
  readonly code = "blueprint_invalid";
  constructor(
    message: string,
    /** Path of the offending node (`entries[2].model`), empty for the document. */
    readonly path: string,
    /** 1-based line, when the YAML source position is known. */
    readonly line?: number,
  ) {
    super(`${path ? `${path}: ` : ""}${message}${line ? ` (line ${line})` : ""}`);
  }
}

/** An entry failed while resolving or applying; the whole blueprint was rolled back. */
export class BlueprintEntryError extends ThresholdError {
  readonly status = 400;
  readonly code = "blueprint_entry_failed";
  constructor(
    readonly entryIndex: number,
    readonly model: string,
    readonly identifiers: unknown,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`entry ${entryIndex} (${model} ${describe(identifiers)}): ${reason}`, options);
  }
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) =>
      v instanceof BlueprintTag ? `!${v.tag} ${JSON.stringify(v.args)}` : v,
    );
  } catch {
    return String(value);
  }
}
