/**
 * Vitest global setup: builds the web UIs (`web/dist`) when missing or older than `web/`, so a
 * fresh clone's `npm test` works. The unit tier needs the folder to exist (wrangler.toml's
 * `[assets]`), the e2e suites serve the real SPA. A build takes about a second (Vite + rolldown).
 */
// @ts-expect-error -- plain ESM script without type declarations
import { buildWeb, isStale } from "../../scripts/build-web.mjs";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const WEB_INDEX = fileURLToPath(new URL("../../web/dist/static/web/admin.html", import.meta.url));

export default async function setup(): Promise<void> {
  if (!isStale()) return;
  try {
    await buildWeb({ quiet: true });
  } catch (error) {
    // A half-edited web/ must not stop unrelated suites when an earlier build is still there.
    if (!existsSync(WEB_INDEX)) throw error;
    console.warn(`web: rebuild failed, using the previous build (${String(error)})`);
  }
}
