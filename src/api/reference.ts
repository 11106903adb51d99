/**
 * The browsable API reference at `/api/v3/`: one server-rendered page listing every operation of
 * the generated OpenAPI document by tag, with its parameters and schema names — no script, no
 * CDN, a few kilobytes (Swagger UI or Redoc would add megabytes of assets for the same list).
 */
import type { OpenApiRegistry } from "./openapi.js";

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

const METHOD_COLOURS: Record<string, string> = { get: "#2b6cb0", post: "#2f855a", put: "#b7791f", patch: "#975a16", delete: "#c53030" };

export function referencePage(registry: OpenApiRegistry): string {
  const byTag = new Map<string, typeof registry.operations>();
  for (const op of registry.operations) byTag.set(op.tag, [...(byTag.get(op.tag) ?? []), op]);
  const sections = [...byTag.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([tag, ops]) => {
      const rows = ops
        .map((op) => {
          const params = (op.params ?? []).map((p) => `<code>${esc(p.name)}</code>${p.in === "path" ? "" : "?"}`).join(" ");
          const body = op.bodyName ? `<span class="s">body: ${esc(op.bodyName)}</span>` : "";
          const res = op.response ? `<span class="s">→ ${op.status} ${esc(op.responseName ?? "")}</span>` : `<span class="s">→ ${op.status}</span>`;
          return `<tr id="${esc(op.operationId)}"><td><b style="color:${METHOD_COLOURS[op.method]}">${op.method.toUpperCase()}</b></td><td><code>/api/v3${esc(op.path)}</code><div class="d">${esc(op.summary)} ${params} ${body} ${res}</div></td></tr>`;
        })
        .join("");
      return `<h2 id="tag-${esc(tag)}">${esc(tag)}</h2><table>${rows}</table>`;
    })
    .join("");
  const toc = [...byTag.keys()].sort().map((t) => `<a href="#tag-${esc(t)}">${esc(t)}</a>`).join(" · ");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Threshold API v3</title><style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1a202c}table{border-collapse:collapse;width:100%}td{border-top:1px solid #e2e8f0;padding:.4rem;vertical-align:top}td:first-child{width:4.5rem}.d{color:#4a5568;font-size:.85rem}.s{color:#718096;margin-left:.4rem}code{font-size:.9rem}</style></head><body><h1>Threshold API v3</h1><p>authentik-compatible admin and user API. Machine-readable schema: <a href="schema/">OpenAPI 3.1 (JSON)</a> · <a href="schema/?format=yaml">YAML</a>. Authenticate with <code>Authorization: Bearer &lt;token&gt;</code> or the session cookie plus the <code>X-authentik-CSRF</code> header on writes.</p><p>${toc}</p>${sections}</body></html>`;
}
