/**
 * `crypto/certificatekeypairs` (authentik's CertificateKeyPairSerializer): create = import a PEM
 * certificate with an optional PKCS#8 private key (checked to match), `generate/` a key with a
 * self-signed certificate, `rotate/` the install's token-signing key now. Private keys are stored
 * wrapped by the KeyStore and never returned.
 */
import { calculateJwkThumbprint, exportJWK, importPKCS8, type JWK } from "jose";
import * as z from "zod";
import type { AdminRow } from "../../ports/admin.js";
import type { KeyAlgorithm } from "../../ports/crypto.js";
import { createSamlKeyPair } from "../../protocols/saml/keys.js";
import { rotateKeys } from "../../protocols/oauth2/rotation.js";
import { auditModel } from "../audit.js";
import { fieldError, parseBody } from "../http.js";
import type { Ctx, ResourceDef } from "../resource.js";
import { iso, name } from "./common.js";
import { ForbiddenError } from "../../core/errors.js";

const KEY_CONTEXT = "crypto.private_key";

export const keyPairOutput = z.object({
  pk: z.uuid(),
  name: z.string(),
  fingerprint_sha256: z.string().nullable(),
  cert_expiry: z.string().nullable(),
  cert_subject: z.string().nullable(),
  private_key_available: z.boolean(),
  key_type: z.string().nullable(),
  kid: z.string().nullable(),
  managed: z.string().nullable(),
  certificate_data: z.string(),
});
type KeyPairOut = z.infer<typeof keyPairOutput>;

const x509 = () => import("../../protocols/saml/x509.js");

async function subjectOf(pem: string): Promise<string | null> {
  if (!pem.trim()) return null;
  try {
    return new (await x509()).X509Certificate(pem).subject;
  } catch {
    return null;
  }
}

async function serialize(rows: AdminRow[]): Promise<KeyPairOut[]> {
  return Promise.all(
    rows.map(async (r) => ({
      pk: r.kpUuid as string,
      name: r.name as string,
      fingerprint_sha256: (r.fingerprintSha256 as string) || null,
      cert_expiry: iso(r.expires),
      cert_subject: await subjectOf(r.certificateData as string),
      private_key_available: r.keyDataWrapped !== null,
      key_type: (r.keyType as string | null) ?? null,
      kid: (r.kid as string | null) ?? null,
      managed: (r.managed as string | null) ?? null,
      certificate_data: r.certificateData as string,
    })),
  );
}

const importInput = z.object({
  name,
  certificate_data: z.string().min(1, "This field may not be blank.").max(100_000),
  key_data: z.string().max(100_000).default(""),
});

function hex(buf: ArrayBuffer): string {
  return [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join(":").toUpperCase();
}

/** Parses and cross-checks an imported certificate and key; field errors for anything wrong. */
async function importPair(ctx: Ctx, data: { name: string; certificate_data: string; key_data: string }): Promise<AdminRow> {
  const lib = await x509();
  let cert: InstanceType<typeof lib.X509Certificate>;
  try {
    cert = new lib.X509Certificate(data.certificate_data.trim());
  } catch {
    throw fieldError("certificate_data", "Unable to load certificate.", "invalid");
  }
  const certJwk = await exportJWK(await cert.publicKey.export());
  const alg: KeyAlgorithm | null =
    certJwk.kty === "RSA" ? "RS256" : certJwk.kty === "EC" && certJwk.crv === "P-256" ? "ES256" : certJwk.kty === "OKP" && certJwk.crv === "Ed25519" ? "EdDSA" : null;
  const values: AdminRow = {
    name: data.name,
    certificateData: cert.toString("pem"),
    fingerprintSha256: hex(await cert.getThumbprint("SHA-256")),
    expires: cert.notAfter,
    keyType: certJwk.kty === "RSA" ? "rsa" : certJwk.kty === "EC" ? "ec" : certJwk.kty === "OKP" ? "okp" : String(certJwk.kty).toLowerCase(),
    keyDataWrapped: null,
  };
  if (data.key_data.trim()) {
    if (!alg) throw fieldError("key_data", "Only RSA, P-256 and Ed25519 keys can be used for signing.", "invalid");
    let privateJwk: JWK;
    try {
      privateJwk = await exportJWK(await importPKCS8(data.key_data.trim(), alg, { extractable: true }));
    } catch {
      throw fieldError("key_data", "Unable to load private key (PKCS#8 PEM expected).", "invalid");
    }
    const matches = alg === "RS256" ? privateJwk.n === certJwk.n : alg === "EdDSA" ? privateJwk.x === certJwk.x : privateJwk.x === certJwk.x && privateJwk.y === certJwk.y;
    if (!matches) throw fieldError("key_data", "The private key does not belong to the certificate.", "invalid");
    const kid = await calculateJwkThumbprint(certJwk, "sha256");
    Object.assign(values, {
      kid,
      publicJwk: { ...certJwk, kid, alg, use: "sig" },
      keyDataWrapped: await ctx.c.env.keys.wrap(JSON.stringify({ ...privateJwk, kid, alg }), KEY_CONTEXT),
    });
  }
  return ctx.repos.admin.insert("certificateKeyPairs", values);
}

const generateBody = z.object({
  common_name: z.string().trim().min(1, "This field may not be blank.").max(64),
  // authentik's choices; ed25519 keys sign JWTs (EdDSA), not SAML.
  alg: z.enum(["rsa", "ecdsa", "ed25519"]).default("rsa"),
});

export const keyPairsResource: ResourceDef<KeyPairOut> = {
  path: "crypto/certificatekeypairs",
  tag: "crypto",
  table: "certificateKeyPairs",
  app: "authentik_crypto",
  model: "certificatekeypair",
  name: "CertificateKeyPair",
  verbose: "certificate-key pair",
  pk: "kpUuid",
  lookup: { param: "kp_uuid", type: "uuid" },
  output: keyPairOutput,
  serialize: (rows) => serialize(rows),
  displayName: (r) => r.name as string,
  input: importInput,
  noUpdate: true,
  async create(data, ctx) {
    return { row: await importPair(ctx, data as { name: string; certificate_data: string; key_data: string }) };
  },
  async beforeDelete(row) {
    if (row.managed) throw new ForbiddenError("Managed key pairs are rotated, not deleted.");
  },
  search: ["name", "kid"],
  ordering: { name: "name", expires: "expires" },
  defaultOrdering: [{ column: "name", desc: false }],
  filters: { name: { column: "name", type: "string" }, managed: { column: "managed", type: "string" }, has_key: { column: "keyDataWrapped", op: "notNull", type: "boolean", description: "true: only pairs with a private key (authentik's has_key)" } },
  actions: [
    {
      method: "post",
      name: "generate",
      summary: "Generate a key pair with a self-signed certificate (10 years)",
      action: "add",
      body: generateBody,
      bodyName: "CertificateGenerationRequest",
      status: 201,
      response: keyPairOutput,
      responseName: "CertificateKeyPair",
      async handler(ctx) {
        const body = await parseBody(ctx.c, generateBody);
        if (await ctx.repos.admin.get("certificateKeyPairs", body.common_name, "name")) throw fieldError("common_name", "A key pair with this name already exists.", "unique");
        const pair = await createSamlKeyPair(ctx.c.env, body.common_name, body.alg === "rsa" ? "RS256" : body.alg === "ecdsa" ? "ES256" : "EdDSA");
        const row = (await ctx.repos.admin.get("certificateKeyPairs", pair.pk))!;
        await auditModel(ctx.c, "model_created", { app: "authentik_crypto", modelName: "certificatekeypair", pk: pair.pk, name: pair.name });
        const [out] = await serialize([row]);
        return ctx.c.json(out, 201);
      },
    },
    {
      method: "post",
      name: "rotate",
      summary: "Rotate the install's token-signing key now (the next key, already in JWKS, signs from now on)",
      action: "change",
      response: z.record(z.string(), z.unknown()),
      responseName: "KeyRotationResult",
      async handler(ctx) {
        const result = await rotateKeys(ctx.c.env, { force: true });
        await auditModel(ctx.c, "secret_rotate", { app: "authentik_crypto", modelName: "certificatekeypair", pk: "default", name: "token signing key" });
        return ctx.c.json(result);
      },
    },
  ],
};
