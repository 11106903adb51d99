/**
 * A software WebAuthn authenticator for tests (WebCrypto ES256): produces real `none`
 * attestations and signed assertions from the JSON options a server sends, as
 * `@simplewebauthn/browser` would hand them back. Knobs let tests forge the failure cases
 * (another origin or RP id, a counter going backwards).
 */
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { isoCBOR } from "@simplewebauthn/server/helpers";

const enc = new TextEncoder();

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64url");
}
function fromB64url(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "base64url"));
}
function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", data as BufferSource));
}
function u32(n: number): Uint8Array {
  return new Uint8Array([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
}

/** WebCrypto's raw `r || s` ECDSA signature → the DER `SEQUENCE { INTEGER r, INTEGER s }` WebAuthn uses. */
function derSignature(raw: Uint8Array): Uint8Array {
  const int = (b: Uint8Array) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    let v: Uint8Array = b.slice(i);
    if (v[0]! & 0x80) v = concat(new Uint8Array([0]), v);
    return concat(new Uint8Array([0x02, v.length]), v);
  };
  const body = concat(int(raw.slice(0, 32)), int(raw.slice(32)));
  return concat(new Uint8Array([0x30, body.length]), body);
}

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;

export interface SoftCredential {
  id: Uint8Array;
  rpId: string;
  userHandle: string;
  keys: CryptoKeyPair;
  signCount: number;
}

export interface CeremonyOverrides {
  /** Origin written into clientDataJSON (default: the authenticator's origin). */
  origin?: string;
  /** RP id hashed into authenticatorData (default: the options' rp id). */
  rpId?: string;
  /** Authentication: the counter to report (default: previous + 1). */
  signCount?: number;
  /** Authentication: which credential to use (default: the first matching one). */
  credentialId?: string;
  /** Whether the user was verified (default true). */
  userVerified?: boolean;
}

export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];

  constructor(
    /** The page origin the "browser" runs on, e.g. `http://localhost`. */
    readonly origin: string,
    readonly aaguid = new Uint8Array(16),
  ) {}

  private authData(rpIdHash: Uint8Array, flags: number, signCount: number, attested?: Uint8Array): Uint8Array {
    return concat(rpIdHash, new Uint8Array([flags]), u32(signCount), attested ?? new Uint8Array());
  }

  private clientData(type: string, challenge: string, origin: string): Uint8Array {
    return enc.encode(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  /** `navigator.credentials.create()`: a new ES256 credential with a `none` attestation. */
  async register(options: PublicKeyCredentialCreationOptionsJSON, o: CeremonyOverrides = {}): Promise<RegistrationResponseJSON> {
    const rpId = o.rpId ?? options.rp.id!;
    const excluded = new Set((options.excludeCredentials ?? []).map((c) => c.id));
    if (this.credentials.some((c) => c.rpId === rpId && excluded.has(b64url(c.id)))) {
      throw new DOMException("The authenticator contains one of the excluded credentials.", "InvalidStateError");
    }
    const keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const jwk = await crypto.subtle.exportKey("jwk", keys.publicKey);
    const cose = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, fromB64url(jwk.x!)],
        [-3, fromB64url(jwk.y!)],
      ]),
    );
    const id = crypto.getRandomValues(new Uint8Array(32));
    const attested = concat(this.aaguid, new Uint8Array([0, id.length]), id, cose);
    const flags = FLAG_UP | (o.userVerified === false ? 0 : FLAG_UV) | FLAG_BE | FLAG_BS | FLAG_AT;
    const authData = this.authData(await sha256(enc.encode(rpId)), flags, 0, attested);
    const attestationObject = isoCBOR.encode(
      new Map<string, unknown>([
        ["fmt", "none"],
        ["attStmt", new Map()],
        ["authData", authData],
      ]) as never,
    );
    this.credentials.push({ id, rpId, userHandle: options.user.id, keys, signCount: 0 });
    const clientDataJSON = this.clientData("webauthn.create", options.challenge, o.origin ?? this.origin);
    return {
      id: b64url(id),
      rawId: b64url(id),
      type: "public-key",
      response: {
        clientDataJSON: b64url(clientDataJSON),
        attestationObject: b64url(attestationObject),
        transports: ["internal", "hybrid"],
      },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }

  /** `navigator.credentials.get()`: an assertion over the options' challenge. */
  async authenticate(options: PublicKeyCredentialRequestOptionsJSON, o: CeremonyOverrides = {}): Promise<AuthenticationResponseJSON> {
    const rpId = options.rpId!;
    const allowed = new Set((options.allowCredentials ?? []).map((c) => c.id));
    const cred = this.credentials.find(
      (c) => (o.credentialId ? b64url(c.id) === o.credentialId : c.rpId === rpId) && (allowed.size === 0 || allowed.has(b64url(c.id))),
    );
    if (!cred) throw new DOMException("No matching credential.", "NotAllowedError");
    cred.signCount = o.signCount ?? cred.signCount + 1;
    const flags = FLAG_UP | (o.userVerified === false ? 0 : FLAG_UV) | FLAG_BE | FLAG_BS;
    const authData = this.authData(await sha256(enc.encode(o.rpId ?? rpId)), flags, cred.signCount);
    const clientDataJSON = this.clientData("webauthn.get", options.challenge, o.origin ?? this.origin);
    const signed = concat(authData, await sha256(clientDataJSON));
    const raw = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, cred.keys.privateKey, signed as BufferSource));
    return {
      id: b64url(cred.id),
      rawId: b64url(cred.id),
      type: "public-key",
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(derSignature(raw)),
        userHandle: cred.userHandle,
      },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }
}
