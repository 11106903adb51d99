import type { ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";

/** A dialog over the page; Escape or the close button closes it. */
export function Modal(props: { title: string; onClose: () => void; children: ComponentChildren; wide?: boolean }) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && props.onClose();
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, [props.onClose]);
  return (
    <div class="modal-backdrop" onClick={(e) => e.target === e.currentTarget && props.onClose()}>
      <div class="modal" role="dialog" aria-modal="true" aria-label={props.title} style={props.wide ? { width: "min(860px, 100%)" } : undefined}>
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
