/** Time source. Inject it; never read `Date.now()` in domain code (tests control time). */
export interface Clock {
  /** The current instant. */
  now(): Date;
}
