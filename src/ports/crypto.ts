/**
 * Certificate/key pairs (authentik `authentik_crypto.certificatekeypair`). The private key is a
 * JWK wrapped by the KeyStore (context `crypto.private_key`); the public JWK and its RFC 7638
 * thumbprint (`kid`) are published in JWKS.
 */
/** JWS algorithms of signing keys: RSA-2048, P-256, Ed25519. */
export type KeyAlgorithm = "RS256" | "ES256" | "EdDSA";
/** The algorithms every verifier of our own JWTs accepts. */
export const KEY_ALGORITHMS: KeyAlgorithm[] = ["RS256", "ES256", "EdDSA"];

export interface CertificateKeyPair {
  /** UUID (authentik's `kp_uuid`). */
  pk: string;
  name: string;
  /** "rsa" | "ec". */
  keyType: string | null;
  /** Public JWK, including `kid` and `alg`. */
  publicJwk: Record<string, unknown> | null;
  kid: string | null;
  /** Wrapped private JWK (JSON), null for certificate-only pairs. */
  keyDataWrapped: string | null;
  /** PEM certificate; empty for generated pairs until certificate generation exists. */
  certificateData: string;
  expires: Date;
  /** Managed name (e.g. `goauthentik.io/crypto/jwt-managed`), null for user-made pairs. */
  managed: string | null;
  /** When the pair was stored (for a rotated key: when it was first published in JWKS). */
  created: Date;
}

export interface NewCertificateKeyPair {
  name: string;
  keyType: string;
  publicJwk: Record<string, unknown>;
  kid: string;
  keyDataWrapped: string;
  certificateData?: string;
  expires: Date;
  managed?: string | null;
  /** Defaults to the database's clock; key generation passes the Clock port's time. */
  created?: Date;
}

export interface CryptoRepository {
  create(kp: NewCertificateKeyPair): Promise<CertificateKeyPair>;
  /**
   * Inserts `kp` unless a pair with the same `managed` name exists (`ON CONFLICT DO NOTHING`),
   * then returns the stored pair: concurrent callers all get the same one.
   */
  ensureManaged(kp: NewCertificateKeyPair & { managed: string }): Promise<CertificateKeyPair>;
  byPk(pk: string): Promise<CertificateKeyPair | null>;
  byManaged(managed: string): Promise<CertificateKeyPair | null>;
  byKid(kid: string): Promise<CertificateKeyPair | null>;
  /** Pairs whose managed name starts with `prefix`, oldest first. */
  listManaged(prefix: string): Promise<CertificateKeyPair[]>;
  /**
   * Key rotation in one transaction: the pair managed as `current` becomes `retired` (its
   * `expires` set to `retiredExpires`), the pair managed as `next` becomes `current`. False (and
   * nothing changed) when there is no `next` pair or the current pair is no longer `currentKid`
   * (another process rotated first).
   */
  promote(names: { current: string; next: string; retired: string; currentKid: string }, retiredExpires: Date): Promise<boolean>;
  /** Deletes a pair; false when it was already gone. */
  delete(pk: string): Promise<boolean>;
}
