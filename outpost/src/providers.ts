/**
 * Keeps the outpost's provider configuration current (one instance per provider type): polls
 * `/api/v3/outposts/ldap/` or `/api/v3/outposts/proxy/` with
 * `If-None-Match` (a 304 costs nothing), and backs off exponentially (with jitter, up to
 * `maxBackoffMs`) while the issuer is unreachable, keeping the last good configuration.
 */
import type { ConfigList, LdapProviderConfig } from "./api.js";
import type { Logger } from "./log.js";

/** Fetches a provider list (`null` when `etag` still matches). */
export type ConfigFetcher<T> = (etag?: string) => Promise<ConfigList<T> | null>;

export class ProviderConfig<T extends { pk: number; name: string } = LdapProviderConfig> {
  private providers: T[] = [];
  private etag: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private failures = 0;
  private stopped = false;
  /** When the last successful check happened (health). */
  lastSuccess: number | null = null;

  constructor(
    private readonly fetchConfig: ConfigFetcher<T>,
    private readonly log: Logger,
    private readonly opts: {
      intervalMs: number;
      maxBackoffMs?: number;
      onChange?: (p: T[]) => void;
      /** Keeps the last configuration across restarts (see state.ts). */
      persist?: { load(): T[] | null; save(p: T[]): void };
    },
  ) {}

  current(): T[] {
    return this.providers;
  }

  /** One check; true when the configuration changed. Throws when the issuer cannot be asked. */
  async refresh(): Promise<boolean> {
    const result = await this.fetchConfig(this.etag ?? undefined);
    this.lastSuccess = Date.now();
    if (!result) return false;
    this.etag = result.etag;
    this.providers = result.providers;
    this.opts.persist?.save(result.providers);
    this.log.info("providers loaded", { providers: result.providers.map((p) => ({ pk: p.pk, name: p.name })) });
    this.opts.onChange?.(result.providers);
    return true;
  }

  /** Loads once (throwing on failure), then keeps polling in the background. */
  async start(): Promise<void> {
    await this.refresh();
    this.schedule(this.opts.intervalMs);
  }

  /**
   * After a failed {@link start}: serve the configuration saved before the restart (if any)
   * and keep trying with backoff.
   */
  retrySoon(): void {
    const saved = this.providers.length === 0 ? this.opts.persist?.load() : null;
    if (saved && saved.length > 0) {
      this.providers = saved;
      this.log.warn("issuer unreachable, serving the saved configuration", { providers: saved.map((p) => ({ pk: p.pk, name: p.name })) });
      this.opts.onChange?.(saved);
    }
    this.failures++;
    this.schedule(Math.min(this.opts.intervalMs, 5_000));
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      await this.refresh();
      this.failures = 0;
      this.schedule(this.opts.intervalMs);
    } catch (err) {
      this.failures++;
      const backoff = Math.min(this.opts.maxBackoffMs ?? 300_000, this.opts.intervalMs * 2 ** Math.min(this.failures, 10));
      const delay = Math.round(backoff * (0.5 + Math.random() / 2));
      this.log.warn("provider refresh failed", { error: (err as Error).message, failures: this.failures, retry_in_ms: delay });
      this.schedule(delay);
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
