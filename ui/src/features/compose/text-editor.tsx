// A text area that marks the characters over a network's limit. A mirror element sits behind
// the (transparent) text area with the same font, padding and wrapping, and draws a highlight
// under the range the core reported; the text area grows with its content so the two never
// scroll apart. Right-to-left text works as typed (dir="auto" on both).
import { useLayoutEffect, useRef } from "preact/hooks";
import type { Utf16Span } from "../../ipc/backend";
import { splitAt } from "./model";

export interface HighlightedTextareaProps {
  id: string;
  value: string;
  onInput: (value: string) => void;
  /** Characters to mark (UTF-16, inclusive), e.g. the part over X's limit. */
  highlight: Utf16Span | null | undefined;
  highlightLabel?: string;
  label: string;
  describedBy?: string;
  placeholder?: string;
  readOnly?: boolean;
  lang?: string | undefined;
  onKeyDown?: (e: KeyboardEvent) => void;
  /** Receives the text area element (to focus it or select a range). */
  inputRef?: { current: HTMLTextAreaElement | null };
}

export function HighlightedTextarea(props: HighlightedTextareaProps) {
  const inner = useRef<HTMLTextAreaElement | null>(null);
  const [before, over, after] = splitAt(props.value, props.highlight);

  useLayoutEffect(() => {
    const el = inner.current;
    if (!el) return;
    el.style.height = "auto";
    el.style.height = `${Math.max(el.scrollHeight + 2, 120)}px`;
  }, [props.value]);

  return (
    <div class={props.readOnly ? "hl-wrap readonly" : "hl-wrap"}>
      <div class="hl-mirror" aria-hidden="true" dir="auto" lang={props.lang}>
        {before}
        {over && (
          <mark class="over-limit" data-testid="over-limit" title={props.highlightLabel}>
            {over}
          </mark>
        )}
        {after}
        {"\u200b\n"}
      </div>
      <textarea
        ref={(el) => {
          inner.current = el;
          if (props.inputRef) props.inputRef.current = el;
        }}
        id={props.id}
        class="hl-input"
        dir="auto"
        lang={props.lang}
        value={props.value}
        aria-label={props.label}
        aria-describedby={props.describedBy}
        aria-invalid={over ? "true" : undefined}
        placeholder={props.placeholder}
        readOnly={props.readOnly}
        spellcheck={true}
        onInput={(e) => props.onInput((e.currentTarget as HTMLTextAreaElement).value)}
        onKeyDown={props.onKeyDown}
      />
    </div>
  );
}
