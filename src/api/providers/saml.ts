import * as z from "zod";
import { fieldError, parseBody } from "../http.js";
import { auditModel } from "../audit.js";
import { samlSettings } from "../../protocols/saml/settings.js";
import type { ActionDef, Ctx } from "../resource.js";
import type { ProviderType } from "./types.js";

/**
 * The SP's metadata, as authentik's `import_metadata` takes it (a multipart `file`), or as JSON:
 * the XML itself (`metadata`) or where to fetch it (`metadata_url`, http(s), at most 64 KB).
 */
async function metadataOf(ctx: Ctx, given: { metadata?: string; metadata_url?: string; file?: unknown }): Promise<string> {
  if (typeof given.metadata === "string" && given.metadata.trim()) return given.metadata;
  if (given.file instanceof File) return given.file.text();
  if (typeof given.metadata_url === "string" && given.metadata_url) {
    const { fetchMetadata } = await import("../../protocols/saml/sp-metadata.js");
    return fetchMetadata(given.metadata_url);
  }
  throw fieldError("file", "Upload the SP's metadata (file), paste it (metadata) or give its URL (metadata_url).", "required");
}

/** JSON or multipart (authentik's admin uploads the file as multipart/form-data). */
async function bodyOf<T extends Record<string, unknown>>(ctx: Ctx, schema: z.ZodType<T>): Promise<T & { file?: unknown }> {
  if ((ctx.c.req.header("content-type") ?? "").startsWith("multipart/form-data")) {
    const form = await ctx.c.req.parseBody();
    const parsed = schema.safeParse(Object.fromEntries(Object.entries(form).filter(([k]) => k !== "file")));
    if (!parsed.success) throw fieldError(String(parsed.error.issues[0]?.path[0] ?? "file"), parsed.error.issues[0]?.message ?? "Invalid input.");
    return Object.assign(parsed.data, { file: form.file });
  }
  return parseBody(ctx.c, schema);
}

const importBody = z.object({
  name: z.string().min(1).max(255),
  authorization_flow: z.uuid(),
  invalidation_flow: z.uuid().nullable().optional(),
  metadata: z.string().max(65_536).optional(),
  metadata_url: z.string().url().optional(),
});
const refreshBody = importBody.pick({ metadata: true, metadata_url: true });

const actions: ActionDef[] = [
  {
    method: "post",
    name: "import_metadata",
    summary: "Create a SAML provider from the SP's metadata (ACS URLs, audience, SLS, request-signing and encryption certificates)",
    action: "add",
    body: importBody,
    bodyName: "SAMLProviderImportRequest",
    status: 201,
    response: z.object({ pk: z.number().int(), name: z.string() }),
    responseName: "SAMLProviderImported",
    async handler(ctx) {
      const body = await bodyOf(ctx, importBody);
      if (!(await ctx.repos.flows.byPk(body.authorization_flow))) throw fieldError("authorization_flow", "Invalid pk - object does not exist.", "does_not_exist");
      const metadata = await metadataOf(ctx, body);
      const { createSamlProviderFromMetadata } = await import("../../protocols/saml/sp-metadata.js");
      const provider = await createSamlProviderFromMetadata(ctx.c.env, {
        name: body.name,
        authorizationFlowPk: body.authorization_flow,
        invalidationFlowPk: body.invalidation_flow ?? null,
        metadata,
      });
      await auditModel(ctx.c, "model_created", { app: "authentik_providers_saml", modelName: "samlprovider", pk: provider.pk, name: provider.name });
      return ctx.c.json({ pk: provider.pk, name: provider.name }, 201);
    },
  },
  {
    method: "post",
    name: "refresh_metadata",
    detail: true,
    summary: "Re-read the SP's metadata into this provider (other settings are kept)",
    action: "change",
    body: refreshBody,
    bodyName: "SAMLProviderRefreshRequest",
    response: z.record(z.string(), z.unknown()),
    responseName: "SAMLProviderSettings",
    async handler(ctx, row) {
      const body = await bodyOf(ctx, refreshBody);
      const metadata = await metadataOf(ctx, body);
      const { refreshFromMetadata } = await import("../../protocols/saml/sp-metadata.js");
      const settings = await refreshFromMetadata(ctx.c.env, row!.id as number, metadata);
      await auditModel(ctx.c, "model_updated", { app: "authentik_providers_saml", modelName: "samlprovider", pk: row!.id as number, name: row!.name as string });
      return ctx.c.json(settings);
    },
  },
];

/** SAML 2.0 IdP; metadata at `/application/saml/<slug>/metadata/`. */
export const samlProviderType: ProviderType = {
  type: "saml",
  path: "saml",
  app: "authentik_providers_saml",
  model: "samlprovider",
  name: "SAMLProvider",
  verboseName: "SAML Provider",
  component: "ak-provider-saml-form",
  settings: samlSettings,
  requiresAuthorizationFlow: true,
  // XML signatures need an RSA or EC pair with its private key and certificate (an Ed25519 pair
  // signs OIDC tokens only): refused here rather than failing at the first login.
  async validate(settings, repos) {
    const pk = settings.signing_kp;
    if (typeof pk === "string" && pk) {
      const pair = await repos.crypto.byPk(pk);
      if (!pair) throw fieldError("signing_kp", "This key pair does not exist.", "invalid");
      if (!pair.keyDataWrapped || !pair.certificateData) throw fieldError("signing_kp", "SAML signing needs a key pair with a private key and a certificate.", "invalid");
      if (pair.keyType === "okp") throw fieldError("signing_kp", "SAML signing needs an RSA or EC key pair; Ed25519 keys sign OIDC tokens only.", "invalid");
    }
  },
  // authentik: IdP-initiated login at the application's init binding.
  launchUrl: (_settings, app) => `/application/saml/${encodeURIComponent(app.slug)}/sso/binding/init/`,
  actions,
};
