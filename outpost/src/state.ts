/**
 * What the outpost keeps across restarts when `THRESHOLD_STATE_DIR` is set: the last provider
 * configurations (so sessions and LDAP/proxy settings survive a restart while the issuer is
 * unreachable) and the ids of signed-out proxy sessions. Files are written atomically (temp file
 * + rename) with mode 0600, since configurations carry client and cookie secrets. Without a
 * directory nothing is written and everything is fetched again at start.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "./log.js";

export class StateStore {
  constructor(
    private readonly dir: string | undefined,
    private readonly log: Logger,
  ) {
    if (dir) mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  read<T>(name: string): T | null {
    if (!this.dir) return null;
    try {
      return JSON.parse(readFileSync(join(this.dir, `${name}.json`), "utf8")) as T;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") this.log.warn("state file unreadable", { name, error: (err as Error).message });
      return null;
    }
  }

  write(name: string, value: unknown): void {
    if (!this.dir) return;
    const path = join(this.dir, `${name}.json`);
    try {
      writeFileSync(`${path}.tmp`, JSON.stringify(value), { mode: 0o600 });
      renameSync(`${path}.tmp`, path);
    } catch (err) {
      this.log.warn("state file not written", { name, error: (err as Error).message });
    }
  }
}
