/**
 * SAML keys and certificates. Signing reuses the OAuth2 key pairs (`generateKeyPairRow`, the
 * crypto repository, the KeyStore); SAML additionally needs an X.509 certificate to publish in
 * metadata, so the install's SAML key is created together with a self-signed certificate
 * (@peculiar/x509, WebCrypto only). SP certificates (verification, encryption) are stored as
 * certificate-only pairs.
 */
import { calculateJwkThumbprint, exportJWK, exportPKCS8, importJWK, type JWK } from "jose";
import type { Deps } from "../../deps.js";
import type { CertificateKeyPair, KeyAlgorithm } from "../../ports/crypto.js";
import { algOf, generateKeyPairRow } from "../oauth2/keys.js";

/** Managed name of the install's SAML signing pair (created on first use). */
export const SAML_KEY_MANAGED = "goauthentik.io/crypto/saml-self-signed";
/** The KeyStore context of private keys (as in `src/protocols/oauth2/keys.ts`). */
const KEY_CONTEXT = "crypto.private_key";
const TEN_YEARS_MS = 10 * 365 * 86_400_000;
// Loaded on use: the admin API imports this module eagerly (key generation), the X.509 code
// (with tsyringe and reflect-metadata) need not load at Worker start.
const loadX509 = () => import("./x509.js");

/** A key ready to sign XML: PKCS#8 PEM (what xml-crypto takes) and the certificate. */
export interface SamlSigningKey {
  pair: CertificateKeyPair;
  alg: KeyAlgorithm;
  privateKeyPem: string;
  certificatePem: string;
}

const SIGNING: Record<KeyAlgorithm, RsaHashedImportParams | EcdsaParams | Algorithm> = {
  RS256: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
  ES256: { name: "ECDSA", hash: "SHA-256" },
  EdDSA: { name: "Ed25519" },
};

/** A self-signed certificate for a key pair (subject/issuer `CN=<commonName>`). */
export async function selfSignedCertificate(
  deps: Deps,
  keys: { privateKey: CryptoKey; publicKey: CryptoKey },
  alg: KeyAlgorithm,
  commonName: string,
): Promise<string> {
  const now = deps.clock.now();
  const serial = [...deps.random.bytes(16)].map((b) => b.toString(16).padStart(2, "0")).join("").replace(/^[89a-f]/, "1");
  const x509 = await loadX509();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial,
    name: `CN=${commonName.replace(/[,+="\\<>;#]/g, " ")}`,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + TEN_YEARS_MS),
    signingAlgorithm: SIGNING[alg],
    keys,
    extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true)],
  });
  return cert.toString("pem");
}

/** The install's SAML signing pair (RS256 + self-signed certificate), created on first use. */
export async function defaultSamlKeyPair(deps: Deps): Promise<CertificateKeyPair> {
  const existing = await deps.store.crypto.byManaged(SAML_KEY_MANAGED);
  if (existing) return existing;
  const row = await generateKeyPairRow(deps, "RS256", "threshold SAML Self-signed Certificate");
  const jwk = JSON.parse(await deps.keys.unwrapText(row.keyDataWrapped, KEY_CONTEXT)) as JWK;
  const privateKey = (await importJWK(jwk, "RS256", { extractable: false })) as CryptoKey;
  const publicKey = (await importJWK(row.publicJwk as JWK, "RS256", { extractable: true })) as CryptoKey;
  const certificateData = await selfSignedCertificate(deps, { privateKey, publicKey }, "RS256", "threshold");
  return deps.store.crypto.ensureManaged({ ...row, certificateData, managed: SAML_KEY_MANAGED });
}

/** A new signing pair (RS256, ES256 or EdDSA) with a self-signed certificate, for `signing_kp` or a provider's `signing_key`. */
export async function createSamlKeyPair(deps: Deps, name: string, alg: KeyAlgorithm = "RS256"): Promise<CertificateKeyPair> {
  const row = await generateKeyPairRow(deps, alg, name);
  const jwk = JSON.parse(await deps.keys.unwrapText(row.keyDataWrapped, KEY_CONTEXT)) as JWK;
  const privateKey = (await importJWK(jwk, alg, { extractable: false })) as CryptoKey;
  const publicKey = (await importJWK(row.publicJwk as JWK, alg, { extractable: true })) as CryptoKey;
  const certificateData = await selfSignedCertificate(deps, { privateKey, publicKey }, alg, name);
  return deps.store.crypto.create({ ...row, certificateData });
}

// PEMs per isolate by kid: unwrapping and exporting on every response is waste.
const pems = new Map<string, Promise<string>>();

/** The signing key of a provider: its `signing_kp`, or the install's SAML pair. */
export async function samlSigningKey(deps: Deps, signingKp: string | null): Promise<SamlSigningKey> {
  const pair = signingKp ? await deps.store.crypto.byPk(signingKp) : await defaultSamlKeyPair(deps);
  if (!pair || !pair.keyDataWrapped || !pair.kid) throw new Error("the SAML signing key pair has no private key");
  if (!pair.certificateData) throw new Error(`key pair '${pair.name}' has no certificate; SAML needs one for metadata`);
  const alg = algOf(pair);
  // XML signatures here are RSA-SHA256 or ECDSA-SHA256 (what SPs verify); Ed25519 keys sign JWTs.
  if (alg === "EdDSA") throw new Error(`key pair '${pair.name}' is Ed25519; SAML signing needs an RSA or EC key`);
  let pem = pems.get(pair.kid);
  if (!pem) {
    const wrapped = pair.keyDataWrapped;
    pem = deps.keys
      .unwrapText(wrapped, KEY_CONTEXT)
      .then(async (text) => exportPKCS8((await importJWK(JSON.parse(text) as JWK, alg, { extractable: true })) as CryptoKey));
    pem.catch(() => pems.delete(pair.kid!));
    pems.set(pair.kid, pem);
  }
  return { pair, alg, privateKeyPem: await pem, certificatePem: pair.certificateData };
}

/** Base64 DER of a PEM certificate (what `<ds:X509Certificate>` holds). */
export function certificateBody(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, "");
}

/**
 * Stores an SP certificate (verification or encryption) as a certificate-only pair; the same
 * certificate imported twice gives the same pair (its thumbprint is the `kid`).
 */
export async function importCertificate(deps: Deps, name: string, certificate: string): Promise<CertificateKeyPair> {
  const x509 = await loadX509();
  const cert = new x509.X509Certificate(certificateBody(certificate));
  const publicKey = await cert.publicKey.export();
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk, "sha256");
  const existing = await deps.store.crypto.byKid(kid);
  if (existing) return existing;
  return deps.store.crypto.create({
    name,
    keyType: jwk.kty === "EC" ? "ec" : jwk.kty === "OKP" ? "okp" : "rsa",
    publicJwk: { ...jwk, kid },
    kid,
    // Certificate-only: no private key (the repository stores "" and `samlSigningKey` refuses it).
    keyDataWrapped: "",
    certificateData: cert.toString("pem"),
    expires: cert.notAfter,
  });
}

/** The PEM certificate of a stored pair (verification/encryption), or null. */
export async function certificateOf(deps: Deps, pk: string | null): Promise<string | null> {
  if (!pk) return null;
  const pair = await deps.store.crypto.byPk(pk);
  return pair?.certificateData ? pair.certificateData : null;
}
