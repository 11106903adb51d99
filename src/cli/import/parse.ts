/**
 * Reads user exports into one shape (`ImportUser`): CSV/JSON (ours), authentik (the
 * `/api/v3/core/users/` JSON or a blueprint's `authentik_core.user` entries) and Keycloak realm
 * exports (`users[].credentials[]` → the `keycloak$<json>` encoding of `core/passwords/keycloak.ts`).
 */
import { parse as parseCsv } from "csv-parse/sync";
import { parseBlueprint } from "../../blueprints/parse.js";
import { BlueprintTag, type BlueprintValue } from "../../blueprints/types.js";
import { encodeKeycloakCredential, type KeycloakCredentialInput } from "../../core/passwords/index.js";

export const IMPORT_FORMATS = ["csv", "json", "authentik", "keycloak"] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** One user to import; `line` (1-based record number) names it in skip reasons. */
export interface ImportUser {
  line: number;
  username: string;
  email?: string;
  name?: string;
  /** A stored hash in any format the hasher verifies; absent: no usable password. */
  passwordHash?: string;
  groups: string[];
  isActive?: boolean;
  attributes?: Record<string, unknown>;
  /** Set by a parser for records that are not people to import (reported as skipped). */
  skipReason?: string;
}

/** An input file that cannot be read as the given format. */
export class ImportFormatError extends Error {
  override name = "ImportFormatError";
}

/** Guesses the format from the file name and content. */
export function detectFormat(file: string, text: string): ImportFormat {
  if (/\.csv$/i.test(file)) return "csv";
  if (/\.ya?ml$/i.test(file)) return "authentik";
  const t = text.trimStart();
  if (!t.startsWith("{") && !t.startsWith("[")) return t.startsWith("version:") ? "authentik" : "csv";
  try {
    const data = JSON.parse(t) as unknown;
    if (Array.isArray(data)) return "json";
    const o = data as Record<string, unknown>;
    if ("realm" in o || (Array.isArray(o.users) && o.users.some((u) => u && typeof u === "object" && "credentials" in u))) return "keycloak";
    if (Array.isArray(o.results)) return "authentik";
  } catch {
    /* the chosen parser reports it */
  }
  return "json";
}

/** Parses `text` as `format`. Throws `ImportFormatError`. */
export function parseUsers(text: string, format: ImportFormat): ImportUser[] {
  switch (format) {
    case "csv":
      return fromCsv(text);
    case "json":
      return records(json(text), "a JSON array of users (or {\"users\": [...]})", ["users"]).map(fromRecord);
    case "authentik":
      return text.trimStart().startsWith("{") ? fromAuthentikApi(json(text)) : fromBlueprint(text);
    case "keycloak":
      return fromKeycloak(json(text));
  }
}

function json(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ImportFormatError(`not valid JSON: ${(e as Error).message}`);
  }
}

function records(data: unknown, what: string, keys: string[]): Array<Record<string, unknown>> {
  const list = Array.isArray(data) ? data : keys.map((k) => (data as Record<string, unknown> | null)?.[k]).find(Array.isArray);
  if (!Array.isArray(list)) throw new ImportFormatError(`expected ${what}`);
  return list.map((r, i) => {
    if (!r || typeof r !== "object" || Array.isArray(r)) throw new ImportFormatError(`record ${i + 1} is not an object`);
    return r as Record<string, unknown>;
  });
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined);
const splitGroups = (v: unknown): string[] =>
  Array.isArray(v) ? v.map(String).filter(Boolean) : typeof v === "string" ? v.split(/[;|]/).map((g) => g.trim()).filter(Boolean) : [];

/**
 * Django marks users without a usable password with a hash starting with "!" (authentik's
 * akadmin before setup, LDAP-synced users): import them without a password.
 */
const usableHash = (v: string | undefined): string | undefined => (v && !v.startsWith("!") ? v : undefined);

function fromRecord(r: Record<string, unknown>, i: number): ImportUser {
  const active = r.is_active ?? r.isActive;
  return {
    line: i + 1,
    username: (str(r.username) ?? "").trim(),
    email: str(r.email),
    name: str(r.name),
    passwordHash: usableHash(str(r.password_hash) || str(r.password)),
    groups: splitGroups(r.groups),
    isActive: typeof active === "boolean" ? active : typeof active === "string" ? !/^(false|f|0|no|n)$/i.test(active.trim()) : undefined,
    attributes: r.attributes && typeof r.attributes === "object" ? (r.attributes as Record<string, unknown>) : undefined,
  };
}

/** CSV with a header row: username, email, name, password_hash, groups (`;`-separated), is_active. */
function fromCsv(text: string): ImportUser[] {
  let rows: Array<Record<string, string>>;
  try {
    rows = parseCsv(text, { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), skip_empty_lines: true, trim: true, bom: true });
  } catch (e) {
    throw new ImportFormatError(`not valid CSV: ${(e as Error).message}`);
  }
  if (rows.length > 0 && !("username" in rows[0]!)) throw new ImportFormatError("the CSV header has no 'username' column");
  return rows.map((r, i) => ({ ...fromRecord(r, i), line: i + 2 }));
}

/** authentik's `GET /api/v3/core/users/` body (`results`, groups as `groups_obj`), or a list of such users. */
function fromAuthentikApi(data: unknown): ImportUser[] {
  return records(data, "authentik's /api/v3/core/users/ JSON ({\"results\": [...]})", ["results"]).map((r, i) => {
    const groupsObj = Array.isArray(r.groups_obj) ? r.groups_obj.map((g) => str((g as Record<string, unknown>)?.name)).filter((g): g is string => !!g) : [];
    return { ...fromRecord({ ...r, groups: groupsObj.length > 0 ? groupsObj : [] }, i) };
  });
}

/** A blueprint's `authentik_core.user` entries; `groups` as `!KeyOf` (of a group entry) or `!Find`. */
function fromBlueprint(text: string): ImportUser[] {
  let bp;
  try {
    bp = parseBlueprint(text);
  } catch (e) {
    throw new ImportFormatError(`not a readable blueprint: ${(e as Error).message}`);
  }
  const groupNames = new Map<string, string>();
  for (const e of bp.entries) {
    const n = e.identifiers.name ?? e.attrs.name;
    if (e.model === "authentik_core.group" && e.id && typeof n === "string") groupNames.set(e.id, n);
  }
  const groupName = (v: BlueprintValue): string | undefined => {
    if (typeof v === "string") return v;
    if (v instanceof BlueprintTag && v.tag === "KeyOf") return groupNames.get(String(v.args[0]));
    if (v instanceof BlueprintTag && v.tag === "Find") {
      const cond = v.args.slice(1).find((c) => Array.isArray(c) && c[0] === "name") as BlueprintValue[] | undefined;
      return typeof cond?.[1] === "string" ? cond[1] : undefined;
    }
    return undefined;
  };
  return bp.entries
    .filter((e) => e.model === "authentik_core.user" && e.state !== "absent")
    .map((e, i) => {
      const a = { ...e.attrs, ...e.identifiers } as Record<string, BlueprintValue>;
      const plain = Object.fromEntries(Object.entries(a).filter(([, v]) => !(v instanceof BlueprintTag)));
      const groups = Array.isArray(a.groups) ? a.groups.map(groupName).filter((g): g is string => !!g) : [];
      return { ...fromRecord({ ...plain, groups }, i), line: e.index + 1 };
    });
}

/** A Keycloak realm export (`{"realm": …, "users": [...]}`) or a users file (`{"users": [...]}`). */
function fromKeycloak(data: unknown): ImportUser[] {
  return records(data, "a Keycloak realm export with \"users\"", ["users"]).map((u, i) => {
    const creds = Array.isArray(u.credentials) ? (u.credentials as Array<Record<string, unknown>>) : [];
    const password = creds.find((c) => (c.type ?? "password") === "password");
    const name = [str(u.firstName), str(u.lastName)].filter(Boolean).join(" ");
    const groups = Array.isArray(u.groups) ? u.groups.map((g) => String(g).split("/").filter(Boolean).pop() ?? "").filter(Boolean) : [];
    // Keycloak creates a `service-account-<client>` user per client with service accounts: a
    // client credential, not a person (Threshold's client_credentials makes its own).
    const service = str(u.serviceAccountClientId);
    return {
      ...(service ? { skipReason: `Keycloak service account of client '${service}'` } : {}),
      line: i + 1,
      username: (str(u.username) ?? "").trim(),
      email: str(u.email),
      name: name || undefined,
      passwordHash: password ? encodeKeycloakCredential(password as KeycloakCredentialInput) : undefined,
      groups,
      isActive: typeof u.enabled === "boolean" ? u.enabled : undefined,
      attributes: u.attributes && typeof u.attributes === "object" ? (u.attributes as Record<string, unknown>) : undefined,
    };
  });
}

