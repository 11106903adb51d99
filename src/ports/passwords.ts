/** Result of checking a password against a stored hash. */
export interface PasswordCheck {
  valid: boolean;
  /** True when valid but stored in an old format or with old parameters: re-hash and save. */
  needsRehash: boolean;
}

/** Password hashing (DESIGN §4): argon2id for new hashes; imported formats are verified and upgraded. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, stored: string): Promise<PasswordCheck>;
}
