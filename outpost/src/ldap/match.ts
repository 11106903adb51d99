/**
 * Search filters compiled once per search into plain predicates over an entry's lowercase
 * attributes. Same semantics as ldapjs's `filter.matches(attrs, false)` (values compared exactly,
 * `objectClass` case-insensitively, substrings as a regular expression), but without its per-entry
 * allocations: matching 10,000 entries costs a few milliseconds instead of ~100.
 */
import type { LdapFilter } from "./search.js";

export type Predicate = (attrs: Record<string, string[]>) => boolean;

interface AnyFilter extends LdapFilter {
  type?: string;
  attribute?: string;
  value?: unknown;
  filters?: AnyFilter[];
  filter?: AnyFilter;
  initial?: string;
  any?: string[];
  final?: string;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const text = (v: unknown) => (Buffer.isBuffer(v) ? v.toString("utf8") : String(v));

export function compileFilter(filter: LdapFilter): Predicate {
  const f = filter as AnyFilter;
  const attr = f.attribute?.toLowerCase() ?? "";
  switch (f.type) {
    case "AndFilter": {
      const parts = (f.filters ?? []).map(compileFilter);
      return (a) => parts.every((p) => p(a));
    }
    case "OrFilter": {
      const parts = (f.filters ?? []).map(compileFilter);
      return (a) => parts.some((p) => p(a));
    }
    case "NotFilter": {
      const inner = compileFilter(f.filter!);
      return (a) => !inner(a);
    }
    case "PresenceFilter":
      return (a) => a[attr] !== undefined;
    case "EqualityFilter": {
      if (attr === "objectclass") {
        const want = text(f.value).toLowerCase();
        return (a) => a[attr]?.some((v) => v.toLowerCase() === want) ?? false;
      }
      const want = text(f.value);
      return (a) => a[attr]?.includes(want) ?? false;
    }
    case "SubstringFilter": {
      let re = "";
      if (f.initial) re += `^${escapeRegExp(f.initial)}.*`;
      for (const s of f.any ?? []) re += `${escapeRegExp(s)}.*`;
      if (f.final) re += `${escapeRegExp(f.final)}$`;
      const matcher = new RegExp(re);
      return (a) => a[attr]?.some((v) => matcher.test(v)) ?? false;
    }
    default:
      // Ordering, approximate and extensible matches: ldapjs's own implementation.
      return (a) => filter.matches(a, false);
  }
}
