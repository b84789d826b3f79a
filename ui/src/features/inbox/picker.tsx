// A small keyboard-first picker: type to narrow, arrows to move, Enter to choose, Escape to
// close. Used to assign people and to add tags.
import { useEffect, useRef, useState } from "preact/hooks";

export interface PickerOption {
  value: string;
  label: string;
  hint?: string;
}

export function Picker(props: {
  id: string;
  label: string;
  placeholder: string;
  options: PickerOption[];
  onPick: (value: string) => void;
  onClose: () => void;
  /** Offer the typed text itself as a choice (new tags). */
  allowNew?: (text: string) => PickerOption | null;
}) {
  const [text, setText] = useState("");
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  const q = text.trim().toLowerCase();
  const matching = props.options.filter((o) => !q || o.label.toLowerCase().includes(q) || o.value.toLowerCase().includes(q));
  const extra = q && props.allowNew && !matching.some((o) => o.value.toLowerCase() === q) ? props.allowNew(text.trim()) : null;
  const shown = extra ? [...matching, extra] : matching;
  const current = Math.min(active, Math.max(shown.length - 1, 0));

  function onKey(e: KeyboardEvent) {
    if (e.key === "ArrowDown") {
      e.preventDefault();
      setActive(Math.min(current + 1, shown.length - 1));
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      setActive(Math.max(current - 1, 0));
    } else if (e.key === "Enter") {
      e.preventDefault();
      const o = shown[current];
      if (o) props.onPick(o.value);
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      props.onClose();
    }
  }

  return (
    <div class="picker" role="dialog" aria-label={props.label} id={props.id}>
      <input
        ref={input}
        type="text"
        class="picker-input"
        role="combobox"
        aria-expanded="true"
        aria-controls={`${props.id}-list`}
        aria-activedescendant={shown[current] ? `${props.id}-opt-${current}` : undefined}
        aria-label={props.label}
        placeholder={props.placeholder}
        value={text}
        onInput={(e) => {
          setText((e.target as HTMLInputElement).value);
          setActive(0);
        }}
        onKeyDown={onKey}
      />
      <ul class="picker-list" role="listbox" id={`${props.id}-list`} aria-label={props.label}>
        {shown.map((o, i) => (
          <li
            key={o.value}
            id={`${props.id}-opt-${i}`}
            role="option"
            aria-selected={i === current}
            class={i === current ? "active" : undefined}
            data-value={o.value}
            onMouseDown={(e) => {
              e.preventDefault();
              props.onPick(o.value);
            }}
          >
            <bdi>{o.label}</bdi>
            {o.hint && <span class="muted small"> {o.hint}</span>}
          </li>
        ))}
        {shown.length === 0 && <li class="muted">Nothing matches “{text}”.</li>}
      </ul>
    </div>
  );
}
