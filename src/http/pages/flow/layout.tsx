import type { Child } from "hono/jsx";
import { raw } from "hono/html";

/** Brand settings used by flow pages (authentik's brand `branding_*` fields). */
export interface PageBrand {
  title: string;
  logo: string;
  favicon: string;
  customCss: string;
}

export const DEFAULT_BRAND: PageBrand = { title: "Threshold", logo: "", favicon: "", customCss: "" };

/** authentik's `flow_info` as sent with every challenge. */
export interface FlowInfo {
  title?: string;
  background?: string;
  cancel_url?: string;
  layout?: string;
}

// Small, self-contained stylesheet: no external requests, readable at 320 px and up.
const CSS = `
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#eef1f5 center/cover no-repeat}
main{min-height:100vh;display:flex;align-items:center;justify-content:center;padding:1rem}
.card{width:100%;max-width:26rem;background:#fff;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.12);padding:2rem}
.brand{text-align:center;margin-bottom:1rem}.brand img{max-height:48px;max-width:100%}
h1{font-size:1.35rem;margin:.25rem 0 1.25rem;text-align:center}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input[type=text],input[type=email],input[type=password],input[type=number],input[type=date],input[type=datetime-local],select,textarea{width:100%;padding:.6rem .7rem;border:1px solid #8c959f;border-radius:6px;font:inherit}
input:focus,select:focus,textarea:focus,button:focus{outline:3px solid #0969da;outline-offset:1px}
button{width:100%;margin-top:1.25rem;padding:.7rem;border:0;border-radius:6px;background:#0969da;color:#fff;font:inherit;font-weight:600;cursor:pointer}
button.secondary{background:#f3f4f6;color:#1f2328;border:1px solid #d0d7de}
.errors{color:#b3261e;margin:.35rem 0 0;padding:0;list-style:none;font-size:.9rem}
.alert{background:#ffebe9;border:1px solid #ff8182;border-radius:6px;padding:.75rem;margin-bottom:1rem}
.user{display:flex;align-items:center;justify-content:space-between;background:#f6f8fa;border-radius:6px;padding:.5rem .75rem;margin-bottom:.5rem}
.links{margin-top:1rem;text-align:center;font-size:.9rem}.links a{color:#0969da;margin:0 .5rem}
.codes{font-family:ui-monospace,monospace;columns:2;list-style:none;padding:0}
.help{color:#57606a;font-size:.875rem;margin:.25rem 0 0}
.qr{display:flex;justify-content:center;margin:1rem 0}.qr svg{width:200px;height:200px}
@media (max-width:420px){.card{padding:1.25rem;border-radius:0;box-shadow:none}main{padding:0;align-items:stretch}}
`;

function cssUrl(url: string): string {
  return url.replace(/["\\\n\r()]/g, "");
}

/** The page around a stage: brand, title, the stage's form, custom CSS. */
export function FlowLayout(props: { brand: PageBrand; info: FlowInfo; title: string; children: Child; scripts?: Child }) {
  const bg = props.info.background ? `background-image:url("${cssUrl(props.info.background)}")` : undefined;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>{props.title ? `${props.title} – ${props.brand.title}` : props.brand.title}</title>
        {props.brand.favicon ? <link rel="icon" href={props.brand.favicon} /> : null}
        <style>{raw(CSS)}</style>
        {/* Custom CSS is admin-provided configuration (brand), like authentik's branding_custom_css. */}
        {props.brand.customCss ? <style>{raw(props.brand.customCss.replace(/<\/style/gi, "<\\/style"))}</style> : null}
      </head>
      <body style={bg}>
        <main>
          <div class="card">
            <div class="brand">{props.brand.logo ? <img src={props.brand.logo} alt={props.brand.title} /> : <strong>{props.brand.title}</strong>}</div>
            {props.children}
          </div>
        </main>
        {props.scripts}
      </body>
    </html>
  );
}
