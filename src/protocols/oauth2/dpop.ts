/**
 * DPoP (RFC 9449): proof validation at the token endpoint and at resource endpoints (userinfo).
 * A valid proof yields the JWK thumbprint (`jkt`) that tokens are bound to (`cnf.jkt`). Replays
 * are refused through a jti cache in `deps.cache` (RFC 9449 §11.1). Server nonces are not used
 * (optional in the RFC).
 */
import { calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, jwtVerify, type JWK } from "jose";
import { base64url, sha256Bytes, sha256Hex } from "../../core/encoding.js";
import { OAuthError } from "../../core/errors.js";
import type { Deps } from "../../deps.js";

/** Asymmetric algorithms accepted for proofs (discovery `dpop_signing_alg_values_supported`). */
export const DPOP_ALGS = ["ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "EdDSA"];
/** How far in the past `iat` may be, and how far in the future (clock skew). */
const MAX_AGE_S = 300;
const MAX_SKEW_S = 60;
const MAX_PROOF_LENGTH = 8192;

/** Where the proof was presented: the token endpoint answers 400, resource endpoints 401. */
export type DpopSite = "token" | "resource";

function proofError(site: DpopSite, description: string): OAuthError {
  if (site === "token") return new OAuthError("invalid_dpop_proof", description);
  return new OAuthError("invalid_dpop_proof", description, 401, `DPoP error="invalid_dpop_proof", algs="${DPOP_ALGS.join(" ")}"`);
}

/** RFC 9449 §4.3 (9): the request URI without query and fragment, normalised. */
function normaliseUri(uri: string): string | null {
  try {
    const u = new URL(uri);
    return `${u.protocol}//${u.host}${u.pathname}`.toLowerCase();
  } catch {
    return null;
  }
}

/** `ath`: base64url SHA-256 of the access token (RFC 9449 §4.2). */
export async function accessTokenHash(token: string): Promise<string> {
  return base64url(sha256Bytes(token));
}

export interface DpopRequest {
  /** Every `DPoP` header value of the request (exactly one is allowed). */
  headers: string[];
  method: string;
  url: string;
  /** The access token the proof must name (`ath`), at resource endpoints. */
  accessToken?: string;
}

/**
 * Validates the request's DPoP proof. Returns its key's thumbprint, or null when the request
 * carries none. Every failure is `invalid_dpop_proof`.
 */
export async function verifyDpop(deps: Deps, site: DpopSite, req: DpopRequest): Promise<string | null> {
  if (req.headers.length === 0) return null;
  if (req.headers.length > 1 || req.headers[0]!.includes(",")) throw proofError(site, "Exactly one DPoP proof is allowed.");
  const proof = req.headers[0]!.trim();
  if (proof.length > MAX_PROOF_LENGTH) throw proofError(site, "The DPoP proof is too large.");
  let jwk: JWK;
  let payload: Record<string, unknown>;
  try {
    const header = decodeProtectedHeader(proof);
    if (header.typ !== "dpop+jwt" || !header.jwk || typeof header.alg !== "string" || !DPOP_ALGS.includes(header.alg)) throw new Error("header");
    if ("d" in header.jwk || "k" in header.jwk) throw new Error("private key in header");
    jwk = header.jwk;
    ({ payload } = await jwtVerify(proof, EmbeddedJWK, { typ: "dpop+jwt", algorithms: DPOP_ALGS }));
  } catch {
    throw proofError(site, "The DPoP proof is invalid.");
  }
  const { htm, htu, iat, jti, ath } = payload;
  if (htm !== req.method) throw proofError(site, "DPoP proof htm does not match the request.");
  if (typeof htu !== "string" || normaliseUri(htu) === null || normaliseUri(htu) !== normaliseUri(req.url)) throw proofError(site, "DPoP proof htu does not match the request.");
  const now = Math.floor(deps.clock.now().getTime() / 1000);
  if (typeof iat !== "number" || iat < now - MAX_AGE_S || iat > now + MAX_SKEW_S) throw proofError(site, "DPoP proof iat is outside the acceptable window.");
  if (typeof jti !== "string" || jti.length < 8 || jti.length > 256) throw proofError(site, "DPoP proof jti is missing or malformed.");
  if (req.accessToken !== undefined) {
    if (typeof ath !== "string" || ath !== (await accessTokenHash(req.accessToken))) throw proofError(site, "DPoP proof ath does not match the access token.");
  }
  const jkt = await calculateJwkThumbprint(jwk, "sha256");
  // The proof is only acceptable once (within its acceptance window).
  const fresh = await deps.cache.setIfAbsent(`oauth2:dpop:jti:${await sha256Hex(`${jkt}:${jti}`)}`, 1, MAX_AGE_S + MAX_SKEW_S);
  if (!fresh) throw proofError(site, "The DPoP proof has been used before.");
  return jkt;
}

/** RFC 9449 §10: `dpop_jkt` at authorization is a base64url SHA-256 thumbprint. */
export function checkDpopJkt(value: string | null): string | null {
  if (value === null) return null;
  if (!/^[A-Za-z0-9_-]{43}$/.test(value)) throw new OAuthError("invalid_request", "Malformed dpop_jkt.");
  return value;
}
