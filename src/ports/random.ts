/** Randomness source. Inject it; tests use a seeded implementation instead of patching globals. */
export interface Random {
  /** `n` cryptographically strong random bytes. */
  bytes(n: number): Uint8Array;
  /** A url-safe random string carrying `bytes` bytes of entropy (base64url, no padding). */
  token(bytes?: number): string;
  /** A random RFC 9562 UUID (v4). */
  uuid(): string;
}
