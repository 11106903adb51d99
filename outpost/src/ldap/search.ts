/**
 * Search evaluation over a directory snapshot: base/scope (RFC 4511 §4.5.1.2), the filter
 * (ldapjs filters match lowercase attribute names, case-insensitively: DESIGN §8), visibility
 * (a user without search permission sees only its own entry) and the size limit.
 */
import { lowercaseAttributes, normDn, selectAttributes, type LdapEntry } from "./entries.js";

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

function inScope(dn: string, base: string, scope: string): boolean {
  if (scope === "base") return dn === base;
  if (!dn.endsWith(`,${base}`)) return scope !== "one" && scope !== "single" && dn === base;
  if (scope === "one" || scope === "single") return !dn.slice(0, -(base.length + 1)).split(/(?<!\\),/).some((_, i) => i > 0);
  return true;
}

/** Entries of `all` matching the search, limited to those `visible` returns true for. */
export function search(all: LdapEntry[], visible: (entry: LdapEntry) => boolean, input: SearchInput): SearchOutcome {
  const base = normDn(input.base);
  if (!all.some((e) => normDn(e.dn) === base)) return { status: "no_such_object" };
  const matched: LdapEntry[] = [];
  for (const entry of all) {
    if (!inScope(normDn(entry.dn), base, input.scope) || !visible(entry)) continue;
    if (!input.filter.matches(lowercaseAttributes(entry.attributes), false)) continue;
    matched.push({ dn: entry.dn, attributes: selectAttributes(entry.attributes, input.attributes) });
  }
  if (input.sizeLimit > 0 && matched.length > input.sizeLimit) return { status: "size_limit", entries: matched.slice(0, input.sizeLimit) };
  return { status: "ok", entries: matched };
}
