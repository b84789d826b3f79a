// What changed between two versions of a draft, as a readable word diff for texts and
// before/after lines for the rest (accounts, images, schedule).
import type { FieldChange, VersionDiff } from "../../ipc/backend";

export function fieldLabel(field: string): string {
  switch (field) {
    case "text":
      return "Text";
    case "variants.x":
      return "Text for X";
    case "variants.facebook":
      return "Text for Facebook";
    case "media":
      return "Images";
    case "targets":
      return "Accounts";
    case "schedule":
      return "When";
    case "replyTo":
      return "Reply to";
    default:
      return field;
  }
}

function describeValue(field: string, v: string | null | undefined): string {
  if (v == null || v === "") return field.startsWith("variants.") ? "(uses the main text)" : "(none)";
  if (field === "schedule") {
    try {
      const s = JSON.parse(v) as { kind: string; local?: string; instant?: string };
      if (s.kind === "now") return "as soon as approved";
      if (s.kind === "local_time") return `${(s.local ?? "").slice(0, 16).replace("T", " ")} in each account's zone`;
      if (s.kind === "at") return new Date(s.instant ?? "").toLocaleString();
    } catch {
      return v;
    }
  }
  return v;
}

function Change(props: { change: FieldChange }) {
  const c = props.change;
  return (
    <div class="diff-field" data-field={c.field}>
      <h4>{fieldLabel(c.field)}</h4>
      {c.spans.length > 0 ? (
        <p class="word-diff rich-text" dir="auto">
          {c.spans.map((s, i) =>
            s.op === "same" ? (
              <span key={i}>{s.text}</span>
            ) : s.op === "added" ? (
              <ins key={i}>
                <span class="sr-only">[added: </span>
                {s.text}
                <span class="sr-only">]</span>
              </ins>
            ) : (
              <del key={i}>
                <span class="sr-only">[removed: </span>
                {s.text}
                <span class="sr-only">]</span>
              </del>
            ),
          )}
        </p>
      ) : (
        <dl class="diff-plain">
          <dt>Before</dt>
          <dd>
            <del>{describeValue(c.field, c.before)}</del>
          </dd>
          <dt>After</dt>
          <dd>
            <ins>{describeValue(c.field, c.after)}</ins>
          </dd>
        </dl>
      )}
    </div>
  );
}

export function WordDiff(props: { diff: VersionDiff }) {
  if (props.diff.changes.length === 0) return <p class="muted">No differences.</p>;
  return (
    <div class="version-diff" id="version-diff">
      {props.diff.changes.map((c) => (
        <Change key={c.field} change={c} />
      ))}
    </div>
  );
}
