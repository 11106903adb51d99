/**
 * The proxy's session: the identity from the ID token, kept in an encrypted cookie (JWE, `dir` +
 * A256GCM, key derived from the provider's cookie secret). Nothing is stored on the outpost, so
 * a restart or a second replica keeps every session; only sign-outs are remembered server side
 * (see `SignedOut`).
 */
import { createHash } from "node:crypto";
import { EncryptJWT, jwtDecrypt } from "jose";

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

export interface Session extends Identity {
  /** Session id (sign-out). */
  sid: string;
  /** Unix seconds. */
  exp: number;
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
  if (!value || value.length > 8192) return null;
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
