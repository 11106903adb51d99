/** authentik's brand: per-domain branding and default flows (`/api/v3/core/brands/`). */
export interface Brand {
  pk: string;
  domain: string;
  default: boolean;
  brandingTitle: string;
  brandingLogo: string;
  brandingFavicon: string;
  brandingCustomCss: string;
  flowAuthentication: string | null;
  flowInvalidation: string | null;
  flowRecovery: string | null;
  flowUnenrollment: string | null;
  flowUserSettings: string | null;
  flowDeviceCode: string | null;
  attributes: Record<string, unknown>;
}

export interface BrandRepository {
  /**
   * The brand for a request host, as authentik picks it: the longest `domain` that equals the
   * host or is a suffix of it on a label boundary; else the default brand; else null.
   */
  forHost(host: string): Promise<Brand | null>;
}
