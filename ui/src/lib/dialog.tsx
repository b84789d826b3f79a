// A modal dialog: focus moves into it and stays there (Tab and Shift+Tab cycle), Escape or the
// close button cancels, and focus returns to where it was when the dialog closes. The rest of
// the window is hidden from assistive technology while it is open (aria-modal).
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

export function focusableIn(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => !el.hasAttribute("inert"));
}

export interface DialogProps {
  /** The dialog's title (its accessible name). */
  title: string;
  /** Called on Escape, on the close button and on a click outside. */
  onClose: () => void;
  children: ComponentChildren;
  /** Id of the dialog element (tests and end-to-end selectors). */
  id?: string;
  /** `alertdialog` for confirmations of something grave (a crisis pause). */
  role?: "dialog" | "alertdialog";
  /** Extra class on the panel (`wide` for larger content). */
  class?: string;
  /** Element to focus first (a CSS selector inside the dialog); default the first field. */
  initialFocus?: string;
}

export function Dialog(props: DialogProps) {
  const panel = useRef<HTMLDivElement>(null);
  const onClose = useRef(props.onClose);
  onClose.current = props.onClose;
  const titleId = `${props.id ?? "dialog"}-title`;

  useEffect(() => {
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const root = panel.current;
    if (root) {
      const first =
        (props.initialFocus ? root.querySelector<HTMLElement>(props.initialFocus) : null) ??
        root.querySelector<HTMLElement>("textarea, input, select") ??
        focusableIn(root)[0] ??
        root;
      first.focus();
    }
    return () => {
      if (before && document.contains(before)) before.focus();
    };
  }, []);

  function onKeyDown(e: KeyboardEvent) {
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      onClose.current();
      return;
    }
    if (e.key !== "Tab" || !panel.current) return;
    const items = focusableIn(panel.current);
    if (items.length === 0) {
      e.preventDefault();
      return;
    }
    const first = items[0] as HTMLElement;
    const last = items[items.length - 1] as HTMLElement;
    const active = document.activeElement;
    if (e.shiftKey && (active === first || !panel.current.contains(active))) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (active === last || !panel.current.contains(active))) {
      e.preventDefault();
      first.focus();
    }
  }

  return (
    <div
      class="dialog-backdrop"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget) onClose.current();
      }}
    >
      <div
        ref={panel}
        id={props.id}
        class={props.class ? `dialog ${props.class}` : "dialog"}
        role={props.role ?? "dialog"}
        aria-modal="true"
        aria-labelledby={titleId}
        tabIndex={-1}
        onKeyDown={onKeyDown}
      >
        <header class="dialog-head">
          <h2 id={titleId}>{props.title}</h2>
          <button type="button" class="icon-button" aria-label="Close" title="Close (Escape)" onClick={() => onClose.current()}>
            ×
          </button>
        </header>
        {props.children}
      </div>
    </div>
  );
}
