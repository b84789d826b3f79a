// A draft's history: the decisions (who approved, rejected with what reason, asked for which
// changes) and the audit trail entries about it, in the reader's locale.
import type { AuditEntry, Decision, DecisionKind } from "../../ipc/backend";
import { formatDateTime } from "../../lib/format";
import { personName, type Directory } from "../compose/directory";

export function decisionWords(k: DecisionKind): string {
  switch (k) {
    case "submitted":
      return "submitted it for approval";
    case "resubmitted":
      return "resubmitted it";
    case "withdrawn":
      return "withdrew it";
    case "approved":
      return "approved it";
    case "rejected":
      return "rejected it";
    case "changes_requested":
      return "asked for changes";
    case "expired":
      return "it expired (not approved in time)";
  }
}

const AUDIT_WORDS: Record<string, string> = {
  "draft.created": "created the draft",
  "draft.edited": "saved a new version",
  "draft.submitted": "submitted it for approval",
  "draft.resubmitted": "resubmitted it",
  "draft.withdrawn": "withdrew it",
  "draft.approval_recorded": "approved a step",
  "draft.approved": "every step approved: queued to go out",
  "draft.rejected": "rejected it",
  "draft.changes_requested": "asked for changes",
  "draft.approvals_voided": "an edit voided the approvals so far",
  "draft.expired": "expired: not approved by its scheduled time",
};

function details(e: AuditEntry): string {
  try {
    const d = JSON.parse(e.details) as Record<string, unknown>;
    const parts: string[] = [];
    if (typeof d.version === "number") parts.push(`version ${d.version}`);
    if (typeof d.round === "number" && e.action !== "draft.edited") parts.push(`round ${d.round}`);
    if (Array.isArray(d.changed) && d.changed.length) parts.push(`changed: ${d.changed.join(", ")}`);
    if (typeof d.note === "string" && d.note) parts.push(`“${d.note}”`);
    return parts.join(" · ");
  } catch {
    return "";
  }
}

export function History(props: { decisions: Decision[]; audit: AuditEntry[]; dir: Directory | null }) {
  return (
    <div class="history">
      <h4>Decisions</h4>
      {props.decisions.length === 0 ? (
        <p class="muted">None yet.</p>
      ) : (
        <ol class="timeline" id="decisions">
          {props.decisions.map((d) => (
            <li key={d.id} data-kind={d.kind}>
              <span class={`decision-chip decision-${d.kind}`}>{d.kind.replace("_", " ")}</span>{" "}
              <strong>{personName(props.dir, d.personId)}</strong> {decisionWords(d.kind)}
              {d.note && (
                <blockquote>
                  <bdi dir="auto">{d.note}</bdi>
                </blockquote>
              )}
              <span class="muted small">
                {" "}
                round {d.round} · <time dateTime={d.at}>{formatDateTime(d.at)}</time>
              </span>
            </li>
          ))}
        </ol>
      )}
      <h4>Audit trail</h4>
      {props.audit.length === 0 ? (
        <p class="muted">Nothing recorded.</p>
      ) : (
        <ol class="timeline audit" id="audit-trail">
          {props.audit.map((e) => (
            <li key={e.id} data-action={e.action}>
              <strong>{e.actorName}</strong> {AUDIT_WORDS[e.action] ?? e.action}
              {details(e) && <span class="muted"> · {details(e)}</span>}
              <span class="muted small">
                {" "}
                · <time dateTime={e.at}>{formatDateTime(e.at)}</time> · #{e.seq}
                {e.contentHash ? ` · content ${e.contentHash.slice(0, 8)}` : ""}
              </span>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
