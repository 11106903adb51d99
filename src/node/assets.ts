/**
 * The Node host's {@link StaticAssets}: files of the built web UIs (`web/dist`, produced by
 * `npm run build`) read from disk. Content-hashed files under `/static/web/assets/` may be cached
 * for a year; everything else is revalidated (ETag from size and mtime).
 */
import { readFile, stat } from "node:fs/promises";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { StaticAssets } from "../ports/assets.js";

/** `web/dist` of this checkout (computed on use: a bundler may inline this module elsewhere). */
export function webDist(): string {
  return resolve(fileURLToPath(new URL("../../web/dist", import.meta.url)));
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

export function createFileAssets(dir?: string): StaticAssets {
  let root: string | undefined = dir;
  return {
    async fetch(request) {
      const base = (root ??= webDist());
      const { pathname } = new URL(request.url);
      let rel: string;
      try {
        rel = decodeURIComponent(pathname);
      } catch {
        return new Response("Not found", { status: 404 });
      }
      const file = resolve(join(base, rel));
      // Never outside the root (`..`, encoded or not), never dotfiles or wrangler's `_headers`.
      const inside = file.slice(base.length);
      if (!file.startsWith(base + sep) || /[\\/]\./.test(inside) || /^[\\/]_(headers|redirects)$/.test(inside)) {
        return new Response("Not found", { status: 404 });
      }
      const info = await stat(file).catch(() => null);
      if (!info?.isFile()) return new Response("Not found", { status: 404 });
      const etag = `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
      const headers = new Headers({
        "Content-Type": TYPES[extname(file)] ?? "application/octet-stream",
        ETag: etag,
        "Cache-Control": rel.startsWith("/static/web/assets/") ? "public, max-age=31536000, immutable" : "no-cache",
      });
      if (request.headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers });
      const body = request.method === "HEAD" ? null : await readFile(file);
      return new Response(body, { status: 200, headers });
    },
  };
}
