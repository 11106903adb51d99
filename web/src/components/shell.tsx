/** The frame of both UIs: navigation (sidebar, or a drawer on phones), top bar, content. */
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { Link, useLocation } from "wouter-preact";
import { useApi } from "../lib/api";
import type { SessionUser } from "../lib/types";

export interface NavSection {
  title?: string;
  items: [href: string, label: string][];
}

export const LOGOUT_URL = "/if/flow/default-invalidation-flow/";

export function useMe() {
  return useApi<SessionUser>("core/users/me/", undefined, { revalidateOnFocus: false });
}

interface PageBrand {
  title: string;
  logo?: string;
  favicon?: string;
}

/** The request's brand, written into the page by the server (`<meta name="threshold-brand">`). */
function readBrand(): PageBrand | null {
  const raw = document.querySelector<HTMLMetaElement>('meta[name="threshold-brand"]')?.content;
  try {
    return raw ? (JSON.parse(raw) as PageBrand) : null;
  } catch {
    return null;
  }
}
const BRAND = readBrand();

function isActive(location: string, href: string): boolean {
  return href === "/" ? location === "/" : location === href || location.startsWith(href + "/");
}

export function Shell(props: { nav: NavSection[]; topbar?: ComponentChildren; children: ComponentChildren; switchTo?: [href: string, label: string] }) {
  const [location] = useLocation();
  const [open, setOpen] = useState(false);
  const me = useMe();
  const title = BRAND?.title || "Threshold";
  useEffect(() => setOpen(false), [location]);
  useEffect(() => {
    document.title = title;
  }, [title]);
  return (
    <div class={`shell ${open ? "nav-open" : ""}`}>
      <aside class="sidebar" onClick={(e) => (e.target as HTMLElement).tagName === "A" && setOpen(false)}>
        <div class="brand">
          {BRAND?.logo && !BRAND.logo.startsWith("/static/dist/assets/") ? (
            <img src={BRAND.logo} alt="" />
          ) : (
            <span class="brand-mark">T</span>
          )}
          <span>{title}</span>
        </div>
        <nav class="nav" aria-label="Main">
          {props.nav.map((section, i) => (
            <div key={i}>
              {section.title && <div class="nav-section">{section.title}</div>}
              {section.items.map(([href, label]) => (
                <Link key={href} href={href} class={isActive(location, href) ? "active" : ""}>
                  {label}
                </Link>
              ))}
            </div>
          ))}
          {props.switchTo && (
            <div class="nav-switch">
              <a href={props.switchTo[0]}>{props.switchTo[1]} →</a>
            </div>
          )}
        </nav>
      </aside>
      <div class="main">
        <header class="topbar">
          <button type="button" class="btn icon menu-button" aria-label="Menu" aria-expanded={open} onClick={() => setOpen(!open)}>
            ☰
          </button>
          <strong class="topbar-title">{title}</strong>
          <div class="spacer" />
          {props.topbar}
          <span class="small muted whoami" data-testid="whoami">
            {me.data?.user.username}
          </span>
          <a class="btn small" href={LOGOUT_URL}>
            Sign out
          </a>
        </header>
        <main class="content">{props.children}</main>
      </div>
    </div>
  );
}
