/**
 * Signing keys: generated with WebCrypto (jose), private JWK wrapped by the KeyStore, public JWK
 * published with its RFC 7638 thumbprint as `kid`. The install's default key is created on first
 * use (`ensureManaged`: concurrent first uses converge on one row).
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from "jose";
import type { Deps } from "../../deps.js";
import type { CertificateKeyPair, KeyAlgorithm, NewCertificateKeyPair } from "../../ports/crypto.js";

/** authentik's managed name for the default JWT signing key. */
export const DEFAULT_KEY_MANAGED = "goauthentik.io/crypto/jwt-managed";
const KEY_CONTEXT = "crypto.private_key";
const TEN_YEARS_MS = 10 * 365 * 86_400_000;

/** A signing key ready to use. */
export interface SigningKey {
  pair: CertificateKeyPair;
  alg: KeyAlgorithm;
  kid: string;
  privateKey: CryptoKey;
}

/** `key_type` (authentik's names) by algorithm. */
const KEY_TYPES: Record<KeyAlgorithm, string> = { RS256: "rsa", ES256: "ec", EdDSA: "okp" };

/** Generates a key pair (RS256 RSA-2048, ES256 P-256 or EdDSA Ed25519) as a new, not yet stored, row. */
export async function generateKeyPairRow(deps: Deps, alg: KeyAlgorithm, name: string): Promise<NewCertificateKeyPair> {
  const pair = await generateKeyPair(alg, { extractable: true, ...(alg === "RS256" ? { modulusLength: 2048 } : alg === "EdDSA" ? { crv: "Ed25519" } : {}) });
  const publicJwk = await exportJWK(pair.publicKey);
  const kid = await calculateJwkThumbprint(publicJwk, "sha256");
  const privateJwk = await exportJWK(pair.privateKey);
  return {
    name,
    keyType: KEY_TYPES[alg],
    publicJwk: { ...publicJwk, kid, alg, use: "sig" },
    kid,
    keyDataWrapped: await deps.keys.wrap(JSON.stringify({ ...privateJwk, kid, alg }), KEY_CONTEXT),
    expires: new Date(deps.clock.now().getTime() + TEN_YEARS_MS),
    created: deps.clock.now(),
  };
}

/** The next default key: published in JWKS before it signs (see `rotation.ts`). */
export const NEXT_KEY_MANAGED = `${DEFAULT_KEY_MANAGED}/next`;
/** Retired default keys (`…/retired/<kid>`): still in JWKS until the tokens they signed expire. */
export const RETIRED_KEY_PREFIX = `${DEFAULT_KEY_MANAGED}/retired/`;

/**
 * How long an isolate reuses the default key pair it read (saves a query per token). Rotation
 * keeps a retired key published for at least this long after it stops being current, so a token
 * an isolate signs with its cached pair still verifies.
 */
export const DEFAULT_KEY_CACHE_MS = 60_000;

// Per install (the config object is built once per isolate / process) → the current default pair.
const defaultPairs = new WeakMap<object, { pair: CertificateKeyPair; until: number }>();

/** The install's default signing key (RS256), created on first use. */
export async function defaultKeyPair(deps: Deps): Promise<CertificateKeyPair> {
  const now = deps.clock.now().getTime();
  const cached = defaultPairs.get(deps.config);
  if (cached && cached.until > now) return cached.pair;
  let pair = await deps.store.crypto.byManaged(DEFAULT_KEY_MANAGED);
  if (!pair) {
    const row = await generateKeyPairRow(deps, "RS256", "threshold Self-signed Certificate");
    pair = await deps.store.crypto.ensureManaged({ ...row, managed: DEFAULT_KEY_MANAGED });
  }
  defaultPairs.set(deps.config, { pair, until: now + DEFAULT_KEY_CACHE_MS });
  return pair;
}

// Per install → key pairs chosen as a provider's `signing_key`, by pk.
const chosenPairs = new WeakMap<object, Map<string, { pair: CertificateKeyPair | null; until: number }>>();
/** How long an isolate reuses a provider's chosen key pair (saves a query per token). */
const CHOSEN_KEY_CACHE_MS = 10_000;

/** A key pair by pk, as a provider's `signing_key`: read at most every few seconds per isolate. */
export async function chosenKeyPair(deps: Deps, pk: string): Promise<CertificateKeyPair | null> {
  const now = deps.clock.now().getTime();
  let cache = chosenPairs.get(deps.config);
  if (!cache) chosenPairs.set(deps.config, (cache = new Map()));
  const hit = cache.get(pk);
  if (hit && hit.until > now) return hit.pair;
  const pair = await deps.store.crypto.byPk(pk);
  if (cache.size > 1_000) cache.clear();
  cache.set(pk, { pair, until: now + CHOSEN_KEY_CACHE_MS });
  return pair;
}

/** Forgets this isolate's cached default pair (after a rotation it performed itself). */
export function forgetDefaultKeyPair(deps: Deps): void {
  defaultPairs.delete(deps.config);
}

/**
 * The install's key pairs that belong in every JWKS: the current default key, the next one
 * (published before use) and retired ones whose tokens may still be valid.
 */
export async function installKeyPairs(deps: Deps): Promise<CertificateKeyPair[]> {
  const now = deps.clock.now();
  // Read fresh (not the per-isolate cache): another process may just have promoted the next key.
  const pairs = await deps.store.crypto.listManaged(DEFAULT_KEY_MANAGED);
  if (!pairs.some((p) => p.managed === DEFAULT_KEY_MANAGED)) pairs.unshift(await defaultKeyPair(deps));
  return pairs.filter((p) => !p.managed?.startsWith(RETIRED_KEY_PREFIX) || p.expires > now);
}

// Unwrapped private keys per isolate, by kid (unwrapping and importing on every token is waste).
const imported = new Map<string, Promise<CryptoKey>>();

export function algOf(pair: CertificateKeyPair): KeyAlgorithm {
  return pair.keyType === "ec" ? "ES256" : pair.keyType === "okp" ? "EdDSA" : "RS256";
}

/** The usable signing key of a stored pair. */
export async function signingKey(deps: Deps, pair: CertificateKeyPair): Promise<SigningKey> {
  if (!pair.keyDataWrapped || !pair.kid) throw new Error(`key pair '${pair.name}' has no private key`);
  const alg = algOf(pair);
  let key = imported.get(pair.kid);
  if (!key) {
    const wrapped = pair.keyDataWrapped;
    key = deps.keys.unwrapText(wrapped, KEY_CONTEXT).then((text) => importJWK(JSON.parse(text) as JWK, alg) as Promise<CryptoKey>);
    key.catch(() => imported.delete(pair.kid!));
    imported.set(pair.kid, key);
  }
  return { pair, alg, kid: pair.kid, privateKey: await key };
}

/** The public JWK as published in JWKS. */
export function publicJwk(pair: CertificateKeyPair): JWK | null {
  return pair.publicJwk ? (pair.publicJwk as JWK) : null;
}
