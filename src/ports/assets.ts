/**
 * The built web UIs (admin SPA and user portal, `web/dist`). Same shape as the Workers static
 * assets binding (`env.ASSETS.fetch`), so the Worker passes its binding through unchanged and the
 * Node host reads the files from disk (`src/node/assets.ts`). URLs map to files under `web/dist`:
 * `/static/web/admin.html`, `/static/web/assets/<name>-<hash>.js`.
 */
export interface StaticAssets {
  /** A 404 response when no such file exists. */
  fetch(request: Request): Promise<Response>;
}
