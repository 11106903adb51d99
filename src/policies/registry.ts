import type { PolicyType } from "./policy-type.js";
import { dummyPolicy } from "./types/dummy.js";
import { eventMatcherPolicy } from "./types/event-matcher.js";
import { expressionPolicy } from "./types/expression.js";
import { geoipPolicy } from "./types/geoip.js";
import { passwordExpiryPolicy } from "./types/password-expiry.js";
import { passwordPolicy } from "./types/password.js";
import { reputationPolicy } from "./types/reputation.js";

/**
 * Every policy type, one line each (STYLE habit 2). Group and user bindings need no type.
 * `test/unit/policies.test.ts` fails when a file in `types/` is missing here or an id repeats.
 */
export const policyTypes: readonly PolicyType<unknown>[] = [
  expressionPolicy,
  passwordPolicy,
  passwordExpiryPolicy,
  reputationPolicy,
  eventMatcherPolicy,
  geoipPolicy,
  dummyPolicy,
];

export type PolicyTypeRegistry = ReadonlyMap<string, PolicyType<unknown>>;

/** Types by id; throws on a repeated id. */
export function buildRegistry(types: readonly PolicyType<unknown>[] = policyTypes): PolicyTypeRegistry {
  const map = new Map<string, PolicyType<unknown>>();
  for (const t of types) {
    if (map.has(t.id)) throw new Error(`policy type id "${t.id}" is registered twice`);
    map.set(t.id, t as PolicyType<unknown>);
  }
  return map;
}
