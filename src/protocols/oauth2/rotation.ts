/**
 * Rotation of the install's default signing key (issue 4 §5), run by the cron (Worker
 * `scheduled`, Node host timer) and by `threshold keys rotate`.
 *
 * Three managed names (keys.ts): the current key signs; the next key is only published in JWKS,
 * so relying parties that cache JWKS already know it when it starts signing; retired keys stay
 * published until every token they signed has expired, then they are deleted. Promotion is one
 * transaction guarded by the current key's `kid`, so two crons running at once rotate once.
 */
import type { Deps } from "../../deps.js";
import type { CertificateKeyPair } from "../../ports/crypto.js";
import {
  DEFAULT_KEY_CACHE_MS,
  DEFAULT_KEY_MANAGED,
  NEXT_KEY_MANAGED,
  RETIRED_KEY_PREFIX,
  defaultKeyPair,
  forgetDefaultKeyPair,
  generateKeyPairRow,
} from "./keys.js";
import { parseProvider } from "./settings.js";

/** A key signs for this long (counted from its publication as the next key). */
export const ROTATION_INTERVAL_MS = 30 * 86_400_000;
/** The next key is published at least this long before it signs (JWKS caches: mod_auth_openidc 1 h). */
export const PUBLISH_LEAD_MS = 86_400_000;
/** Clock skew allowed by relying parties on `exp`. */
const SKEW_MS = 5 * 60_000;

export interface RotationOptions {
  /** Promote the next key now, even before its interval is over or it was published for long. */
  force?: boolean;
  intervalMs?: number;
  leadMs?: number;
}

export interface RotationResult {
  /** The kid of a newly generated next key. */
  published: string[];
  /** Set when the next key became the signing key. */
  promoted: { from: string; to: string; retiredUntil: Date } | null;
  /** Kids of retired keys deleted because their tokens have expired. */
  removed: string[];
  /** The kid now signing, and the one published to sign next. */
  current: string;
  next: string;
}

/**
 * How long a retired key stays in JWKS: the longest token lifetime of any provider, plus the
 * per-isolate key cache (an isolate may sign with the old key that long after promotion) and skew.
 */
export async function retention(deps: Deps): Promise<number> {
  const providers = (await deps.store.oauth2.listProviders()).map((r) => parseProvider(deps, r)).filter((p) => p !== null);
  const longest = Math.max(3_600_000, ...providers.map((p) => p.lifetimes.access));
  return longest + DEFAULT_KEY_CACHE_MS + SKEW_MS;
}

async function ensureNext(deps: Deps, published: string[]): Promise<CertificateKeyPair> {
  const existing = await deps.store.crypto.byManaged(NEXT_KEY_MANAGED);
  if (existing) return existing;
  const generated = await generateKeyPairRow(deps, "RS256", "threshold signing key");
  // Names are unique: the kid keeps two keys made in the same instant apart.
  const row = { ...generated, name: `threshold signing key ${deps.clock.now().toISOString()} ${generated.kid.slice(0, 8)}` };
  const stored = await deps.store.crypto.ensureManaged({ ...row, managed: NEXT_KEY_MANAGED });
  if (stored.kid === row.kid) published.push(row.kid);
  return stored;
}

/** One rotation step: publish a next key if none, promote it when due, delete expired retired keys. */
export async function rotateKeys(deps: Deps, opts: RotationOptions = {}): Promise<RotationResult> {
  const now = deps.clock.now();
  const published: string[] = [];
  forgetDefaultKeyPair(deps); // decide on the stored state, not this isolate's cache
  let current = await defaultKeyPair(deps);
  let next = await ensureNext(deps, published);
  let promoted: RotationResult["promoted"] = null;

  const age = now.getTime() - current.created.getTime();
  const publishedFor = now.getTime() - next.created.getTime();
  const due = age >= (opts.intervalMs ?? ROTATION_INTERVAL_MS) && publishedFor >= (opts.leadMs ?? PUBLISH_LEAD_MS);
  if ((opts.force || due) && current.kid && next.kid) {
    const retiredUntil = new Date(now.getTime() + (await retention(deps)));
    const names = { current: DEFAULT_KEY_MANAGED, next: NEXT_KEY_MANAGED, retired: `${RETIRED_KEY_PREFIX}${current.kid}`, currentKid: current.kid };
    if (await deps.store.crypto.promote(names, retiredUntil)) {
      promoted = { from: current.kid, to: next.kid, retiredUntil };
      deps.logger.info("signing key rotated", { from: current.kid, to: next.kid, retired_until: retiredUntil.toISOString() });
    }
    forgetDefaultKeyPair(deps);
    current = await defaultKeyPair(deps);
    next = await ensureNext(deps, published);
  }

  const removed: string[] = [];
  for (const pair of await deps.store.crypto.listManaged(RETIRED_KEY_PREFIX)) {
    if (pair.expires <= now && (await deps.store.crypto.delete(pair.pk))) removed.push(pair.kid ?? pair.pk);
  }
  if (removed.length) deps.logger.info("retired signing keys removed", { kids: removed });
  return { published, promoted, removed, current: current.kid ?? "", next: next.kid ?? "" };
}
