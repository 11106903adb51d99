/**
 * @simplewebauthn/server, loaded on first use: its attestation parsers (ASN.1, X.509, COSE)
 * are among the costlier modules to evaluate, and most requests an isolate serves never run a
 * WebAuthn ceremony (bench/bundle measures start-up).
 */
let lib: Promise<typeof import("@simplewebauthn/server")> | undefined;

export function simpleWebAuthn(): Promise<typeof import("@simplewebauthn/server")> {
  lib ??= import("@simplewebauthn/server");
  lib.catch(() => (lib = undefined));
  return lib;
}
