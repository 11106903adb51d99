/**
 * The users and groups a search looks at. Direct search mode asks the API on every search
 * (concurrent searches share one request); cached mode keeps a copy refreshed in the background
 * and serves from it (authentik's `search/memory`).
 */
import type { ApiGroup, ApiUser, ThresholdApi } from "../api.js";
import type { Logger } from "../log.js";

export interface Snapshot {
  users: ApiUser[];
  groups: ApiGroup[];
  at: number;
}

export class Directory {
  private snapshot: Snapshot | null = null;
  private inflight: Promise<Snapshot> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly api: ThresholdApi,
    private readonly log: Logger,
    private readonly refreshMs = 60_000,
  ) {}

  /** A fresh copy from the API (requests already under way are shared). */
  fetch(): Promise<Snapshot> {
    this.inflight ??= (async () => {
      try {
        const [users, groups] = await Promise.all([this.api.users(), this.api.groups()]);
        this.snapshot = { users, groups, at: Date.now() };
        return this.snapshot;
      } finally {
        this.inflight = null;
      }
    })();
    return this.inflight;
  }

  /** Cached mode: the kept copy (fetched on first use); direct mode: a fresh one. */
  async get(mode: "direct" | "cached"): Promise<Snapshot> {
    if (mode === "cached") {
      this.startRefresh();
      if (this.snapshot) return this.snapshot;
    }
    return this.fetch();
  }

  private startRefresh(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.fetch().catch((err: Error) => this.log.warn("directory refresh failed", { error: err.message }));
    }, this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
