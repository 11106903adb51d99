import { existsSync, readFileSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * PGlite's first start runs initdb in WASM, which takes 5–12 s on our 2-core machines. A fresh,
 * empty cluster is the same for everyone, so we make it once (on `npm install`, or on the first
 * start) and copy it into new data folders with PGlite's `loadDataDir`: a first start then costs
 * about what a restart does. Keyed by the PGlite version, so an upgrade makes a new template.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export function pgliteTemplatePath(): string {
  const manifest = join(root, "node_modules", "@electric-sql", "pglite", "package.json");
  const version = (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
  return join(root, "node_modules", ".cache", "threshold", `pglite-${version}-empty-cluster.tar.gz`);
}

/** The template, or undefined when it has not been made yet. */
export async function readPgliteTemplate(): Promise<Blob | undefined> {
  const path = pgliteTemplatePath();
  if (!existsSync(path)) return undefined;
  return new Blob([await readFile(path)]);
}

/** Makes the template if missing (atomic write: concurrent makers cannot leave a torn file). */
export async function ensurePgliteTemplate(): Promise<string> {
  const path = pgliteTemplatePath();
  if (existsSync(path)) return path;
  const { PGlite } = await import("@electric-sql/pglite");
  const db = await PGlite.create();
  const dump = await db.dumpDataDir("gzip");
  await db.close();
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, new Uint8Array(await dump.arrayBuffer()));
  await rename(tmp, path);
  return path;
}

/** True when `dir` already holds a PostgreSQL cluster. */
export function isInitialisedDataDir(dir: string): boolean {
  return existsSync(join(dir, "PG_VERSION"));
}
