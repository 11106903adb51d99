/**
 * Search evaluation over a directory snapshot: base/scope (RFC 4511 §4.5.1.2), the filter
 * (ldapjs filters match lowercase attribute names, case-insensitively: DESIGN §8), visibility
 * (a user without search permission sees only its own entry) and the size limit.
 */
import { lowercaseAttributes, normDn, selectAttributes, type LdapEntry } from "./entries.js";
import { compileFilter } from "./match.js";

export interface LdapFilter {
  matches(obj: Record<string, string[]>, strictAttrCase?: boolean): boolean;
}

export interface SearchInput {
  base: string;
  /** ldapjs `req.scopeName`: base | single (one) | subtree (sub). */
  scope: string;
  filter: LdapFilter;
  attributes: string[];
  /** 0 = no limit. */
  sizeLimit: number;
}

export type SearchOutcome =
  | { status: "ok"; entries: LdapEntry[] }
  | { status: "size_limit"; entries: LdapEntry[] }
  | { status: "no_such_object" };

/** An entry with what matching needs precomputed (DN forms, lowercase attribute names). */
interface PreparedEntry {
  entry: LdapEntry;
  norm: string;
  /** Normalised DN of the parent ("" for a top entry). */
  parent: string;
  lower: Record<string, string[]>;
}

interface Prepared {
  entries: PreparedEntry[];
  dns: Set<string>;
}

/** Prepared once per entry list (the directory snapshot's entries are reused across searches). */
const preparedLists = new WeakMap<LdapEntry[], Prepared>();

function prepare(all: LdapEntry[]): Prepared {
  let p = preparedLists.get(all);
  if (!p) {
    const entries = all.map((entry) => {
      const norm = normDn(entry.dn);
      const comma = norm.search(/(?<!\\),/);
      return { entry, norm, parent: comma < 0 ? "" : norm.slice(comma + 1), lower: lowercaseAttributes(entry.attributes) };
    });
    p = { entries, dns: new Set(entries.map((e) => e.norm)) };
    preparedLists.set(all, p);
  }
  return p;
}

function inScope(e: PreparedEntry, base: string, scope: string): boolean {
  if (scope === "base") return e.norm === base;
  if (scope === "one" || scope === "single") return e.parent === base;
  return e.norm === base || e.norm.endsWith(`,${base}`);
}

/** Entries of `all` matching the search, limited to those `visible` returns true for. */
export function search(all: LdapEntry[], visible: (entry: LdapEntry) => boolean, input: SearchInput): SearchOutcome {
  const base = normDn(input.base);
  const prepared = prepare(all);
  if (!prepared.dns.has(base)) return { status: "no_such_object" };
  const matches = compileFilter(input.filter);
  const matched: LdapEntry[] = [];
  for (const e of prepared.entries) {
    if (!inScope(e, base, input.scope) || !visible(e.entry)) continue;
    if (!matches(e.lower)) continue;
    matched.push({ dn: e.entry.dn, attributes: selectAttributes(e.entry.attributes, input.attributes) });
  }
  if (input.sizeLimit > 0 && matched.length > input.sizeLimit) return { status: "size_limit", entries: matched.slice(0, input.sizeLimit) };
  return { status: "ok", entries: matched };
}
