/**
 * Built-in email templates (authentik `authentik/stages/email/templates/email/*.html`), rendered
 * here as plain text plus HTML. Every interpolated value is escaped for HTML; there is no
 * template language, so stage configuration can never inject markup or code.
 */

/** Template names as authentik stores them in `EmailStage.template`. */
export const EMAIL_TEMPLATES = ["email/password_reset.html", "email/account_confirmation.html"] as const;
export type EmailTemplateName = (typeof EMAIL_TEMPLATES)[number];

export interface EmailTemplateInput {
  /** The link that resumes the flow. */
  url: string;
  /** Display name of the user (name, else username). */
  userName: string;
  /** When the link stops working. */
  expires: Date;
  /** Brand title shown in the footer. */
  brandTitle: string;
}

export interface RenderedEmail {
  text: string;
  html: string;
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** Drops control characters (CR/LF) so a value can never break out of a plain-text line. */
function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, " ");
}

interface TemplateText {
  heading: string;
  intro: string;
  button: string;
  outro: string;
}

const TEXTS: Record<EmailTemplateName, TemplateText> = {
  "email/password_reset.html": {
    heading: "Password reset",
    intro: "You requested a password reset. Open the link below to choose a new password.",
    button: "Reset password",
    outro: "If you did not request a password reset, you can ignore this email.",
  },
  "email/account_confirmation.html": {
    heading: "Confirm your account",
    intro: "Open the link below to confirm your email address.",
    button: "Confirm account",
    outro: "If you did not create an account, you can ignore this email.",
  },
};

/** Renders `template` with `input`; throws for an unknown template (the stage schema prevents it). */
export function renderEmail(template: EmailTemplateName, input: EmailTemplateInput): RenderedEmail {
  const t = TEXTS[template];
  if (!t) throw new RangeError(`unknown email template '${String(template)}'`);
  const name = oneLine(input.userName);
  const expires = input.expires.toISOString().replace("T", " ").slice(0, 16) + " UTC";
  const brand = oneLine(input.brandTitle);
  const text = [`Hi ${name},`, "", t.intro, "", input.url, "", `This link is valid until ${expires}.`, t.outro, "", `— ${brand}`, ""].join("\n");
  const e = escapeHtml;
  const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>${e(t.heading)}</title></head>
<body style="font-family:sans-serif;color:#222">
<h1 style="font-size:20px">${e(t.heading)}</h1>
<p>Hi ${e(name)},</p>
<p>${e(t.intro)}</p>
<p><a href="${e(input.url)}" style="display:inline-block;padding:8px 16px;background:#fd4b2d;color:#fff;text-decoration:none;border-radius:4px">${e(t.button)}</a></p>
<p style="font-size:12px;color:#555">${e(input.url)}</p>
<p>This link is valid until ${e(expires)}.</p>
<p>${e(t.outro)}</p>
<p style="font-size:12px;color:#777">${e(brand)}</p>
</body></html>
`;
  return { text, html };
}
