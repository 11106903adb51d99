/**
 * Secrets at rest (DESIGN §3): private signing keys, client secrets and TOTP seeds are wrapped
 * with an AES-GCM key derived (HKDF-SHA256) from `THRESHOLD_SECRET_KEY`. The wrapped form is a
 * self-describing string (`v1.<iv>.<ciphertext>`, base64url) safe to store in Postgres.
 */
export interface KeyStore {
  /**
   * Encrypt `plaintext`. `context` is bound as additional authenticated data, so a value wrapped
   * for one purpose (e.g. `"oauth2.client_secret"`) cannot be unwrapped as another.
   */
  wrap(plaintext: Uint8Array | string, context: string): Promise<string>;
  /** Decrypt a value from `wrap` with the same `context`. Throws `KeyStoreError` when tampered. */
  unwrap(wrapped: string, context: string): Promise<Uint8Array>;
  /** `unwrap` decoded as UTF-8. */
  unwrapText(wrapped: string, context: string): Promise<string>;
}
