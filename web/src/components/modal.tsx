import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

/**
 * A dialog over the page. Escape, the close button or a click outside closes it; focus moves to
 * its first field on open and back to where it was on close.
 */
export function Modal(props: { title: string; onClose: () => void; children: ComponentChildren; wide?: boolean }) {
  const dialog = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && props.onClose();
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, [props.onClose]);
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    const first = dialog.current?.querySelector<HTMLElement>(".body input:not([type=hidden]), .body select, .body textarea, .body button");
    first?.focus();
    return () => before?.focus?.();
  }, []);
  return (
    <div class="modal-backdrop" onClick={(e) => e.target === e.currentTarget && props.onClose()}>
      <div ref={dialog} class="modal" role="dialog" aria-modal="true" aria-label={props.title} style={props.wide ? { width: "min(860px, 100%)" } : undefined}>
        <header>
          <h2>{props.title}</h2>
          <button type="button" class="btn icon" aria-label="Close" onClick={props.onClose}>
            ✕
          </button>
        </header>
        <div class="body">{props.children}</div>
      </div>
    </div>
  );
}
