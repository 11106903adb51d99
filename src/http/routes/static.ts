/**
 * Static assets the flow pages load, embedded at build time (a Worker cannot read files). The
 * URL carries the content hash (`?v=<hash>`), so responses may be cached for a year.
 */
import { Hono } from "hono";
import type { AppEnv } from "../env.js";
import { WEBAUTHN_CLIENT_HASH, WEBAUTHN_CLIENT_JS } from "../pages/flow/webauthn-client.generated.js";

/** Path of the WebAuthn script, with its content hash for cache busting. */
export const WEBAUTHN_SCRIPT_URL = `/static/dist/webauthn.js?v=${WEBAUTHN_CLIENT_HASH}`;

/** Mounted at `/static`. */
export function staticRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  app.get("/dist/webauthn.js", (c) => {
    const etag = `"${WEBAUTHN_CLIENT_HASH}"`;
    c.header("ETag", etag);
    c.header("Cache-Control", "public, max-age=31536000, immutable");
    if (c.req.header("if-none-match") === etag) return c.body(null, 304);
    return c.body(WEBAUTHN_CLIENT_JS, 200, { "Content-Type": "text/javascript; charset=utf-8" });
  });
  return app;
}
