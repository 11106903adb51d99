import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * Development only: a secret key generated once and kept in the data folder, so wrapped
 * secrets survive restarts without any setup. Production requires THRESHOLD_SECRET_KEY.
 */
export async function developmentSecretKey(dataDir: string): Promise<string> {
  const file = join(dataDir, "secret.key");
  try {
    const existing = (await readFile(file, "utf8")).trim();
    if (existing.length >= 32) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const key = randomBytes(48).toString("base64url");
  await writeFile(file, key + "\n", { mode: 0o600, flag: "wx" }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== "EEXIST") throw error;
  });
  return (await readFile(file, "utf8")).trim();
}
