/**
 * The proxy's session: the ID token (validated at login) and a session id, kept in an encrypted
 * cookie (JWE, `dir` + A256GCM, key derived from the provider's cookie secret); the identity is
 * read from the token's claims. Nothing is stored on the outpost, so a restart or a second
 * replica keeps every session; only sign-outs are remembered server side (see `SignedOut`).
 */
import { createHash } from "node:crypto";
import { decodeJwt, EncryptJWT, jwtDecrypt } from "jose";

/** What the upstream learns about the user (authentik's proxy claims). */
export interface Identity {
  sub: string;
  preferred_username: string;
  email: string;
  name: string;
  groups: string[];
  /** The ID token (or, with header auth, the presented bearer token): `X-authentik-jwt`. */
  jwt: string;
}

/** What the session cookie holds. */
export interface SessionCookie {
  /** Session id (sign-out). */
  sid: string;
  /** The ID token. */
  jwt: string;
}

export interface Session extends Identity {
  sid: string;
  /** Unix seconds. */
  exp: number;
}

/** The identity in an ID token's claims (authentik's proxy claims: profile and email scopes). */
export function identityFromIdToken(jwt: string): Identity {
  const c = decodeJwt(jwt);
  return {
    sub: String(c.sub ?? ""),
    preferred_username: String(c.preferred_username ?? ""),
    email: String(c.email ?? ""),
    name: String(c.name ?? ""),
    groups: Array.isArray(c.groups) ? c.groups.map(String) : [],
    jwt,
  };
}

/** A 256-bit key for one provider and purpose, from its cookie secret. */
export function cookieKey(cookieSecret: string, purpose: "session" | "state"): Uint8Array {
  return createHash("sha256").update(`threshold-proxy-${purpose}\0${cookieSecret}`).digest();
}

export async function seal(payload: Record<string, unknown>, key: Uint8Array, expiresAt: number): Promise<string> {
  return new EncryptJWT(payload).setProtectedHeader({ alg: "dir", enc: "A256GCM" }).setIssuedAt().setExpirationTime(expiresAt).encrypt(key);
}

/** The payload of a sealed value, or null when it is tampered with, foreign or expired. */
export async function unseal<T>(value: string | undefined, key: Uint8Array): Promise<(T & { exp: number }) | null> {
  if (!value || value.length > MAX_CHUNKS * CHUNK_SIZE) return null;
  try {
    const { payload } = await jwtDecrypt(value, key, { keyManagementAlgorithms: ["dir"], contentEncryptionAlgorithms: ["A256GCM"] });
    return payload as T & { exp: number };
  } catch {
    return null;
  }
}

/** Cookies of a request header (first value of each name wins, as browsers send the most specific first). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (name && !out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}

/**
 * Browsers drop cookies over ~4 KB; a session with many groups (they are in the ID token too)
 * grows past that, so it is split into `name`, `name_1`, `name_2`, … (as oauth2-proxy does).
 */
const CHUNK_SIZE = 3800;
const MAX_CHUNKS = 8;

/**
 * The Set-Cookie headers for `value` in as many chunks as needed; chunks the request still
 * carries beyond those (`present`: an earlier, larger session) are cleared. An empty `value`
 * clears them all.
 */
export function chunkedCookies(name: string, value: string, o: CookieOptions, present: Map<string, string>): string[] {
  const n = value ? Math.ceil(value.length / CHUNK_SIZE) : 0;
  if (n > MAX_CHUNKS) throw new Error(`session cookie too large (${value.length} bytes)`);
  const out: string[] = [];
  for (let i = 0; i < MAX_CHUNKS; i++) {
    const cookieName = i === 0 ? name : `${name}_${i}`;
    if (i < n) out.push(serializeCookie(cookieName, value.slice(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE), o));
    else if (i === 0 || present.has(cookieName)) out.push(serializeCookie(cookieName, "", { ...o, maxAge: 0 }));
  }
  return out;
}

/** A chunked cookie's value put back together (undefined when absent). */
export function readChunked(cookies: Map<string, string>, name: string): string | undefined {
  const first = cookies.get(name);
  if (first === undefined) return undefined;
  let value = first;
  for (let i = 1; i < MAX_CHUNKS; i++) {
    const next = cookies.get(`${name}_${i}`);
    if (!next) break;
    value += next;
  }
  return value;
}

export interface CookieOptions {
  maxAge: number;
  secure: boolean;
  domain?: string;
  path?: string;
}

export function serializeCookie(name: string, value: string, o: CookieOptions): string {
  const parts = [`${name}=${value}`, `Path=${o.path ?? "/"}`, `Max-Age=${Math.max(0, Math.floor(o.maxAge))}`, "HttpOnly", "SameSite=Lax"];
  if (o.domain) parts.push(`Domain=${o.domain}`);
  if (o.secure) parts.push("Secure");
  return parts.join("; ");
}

/**
 * Session ids ended by `/sign_out` before their expiry, so a copy of the cookie is refused too.
 * Pruned at expiry; `save` persists them (state dir) so a restart does not revive them.
 */
export class SignedOut {
  private readonly ids = new Map<string, number>();

  constructor(
    saved: Record<string, number> | null = null,
    private readonly save: (ids: Record<string, number>) => void = () => undefined,
  ) {
    const now = Date.now() / 1000;
    for (const [id, exp] of Object.entries(saved ?? {})) if (typeof exp === "number" && exp > now) this.ids.set(id, exp);
  }

  add(sid: string, exp: number): void {
    this.ids.set(sid, exp);
    const now = Date.now() / 1000;
    for (const [id, at] of this.ids) if (at <= now) this.ids.delete(id);
    this.save(Object.fromEntries(this.ids));
  }

  has(sid: string): boolean {
    return this.ids.has(sid);
  }
}
