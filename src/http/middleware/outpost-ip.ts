/**
 * Outposts speak for their clients (authentik's `X-authentik-remote-ip`): an LDAP bind reaches
 * the issuer from the outpost's address, but rate limits, reputation and GeoIP must see the LDAP
 * client. The override is believed only with a valid outpost token in
 * `X-authentik-outpost-token` (authentik's header pair); anything else keeps the host's view of
 * the client, so nobody can pick their own IP.
 */
import type { MiddlewareHandler } from "hono";
import * as z from "zod";
import type { AppEnv } from "../env.js";

export const OUTPOST_REMOTE_IP_HEADER = "X-authentik-remote-ip";
export const OUTPOST_TOKEN_HEADER = "X-authentik-outpost-token";
const IP = z.union([z.ipv4(), z.ipv6()]);
const KEY_FORMAT = /^[A-Za-z0-9_-]{16,128}$/;

export function outpostClientIp(): MiddlewareHandler<AppEnv> {
  return async function outpostClientIpMiddleware(c, next) {
    const remote = c.req.header(OUTPOST_REMOTE_IP_HEADER)?.trim();
    const key = c.req.header(OUTPOST_TOKEN_HEADER)?.trim();
    if (remote && key && IP.safeParse(remote).success && KEY_FORMAT.test(key)) {
      const token = await c.env.store.tokens.byKey(key, "api");
      const live = token && !(token.expiring && token.expires && token.expires <= c.env.clock.now());
      if (live && (await c.env.store.outposts.byTokenPk(token.pk))) {
        c.env = { ...c.env, client: { ...(c.env.client ?? { country: null, asn: null }), ip: remote } };
      } else {
        c.env.logger.warn("outpost remote ip override refused", { reason: live ? "not an outpost token" : "invalid token" });
      }
    }
    await next();
  };
}
