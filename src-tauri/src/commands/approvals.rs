//! Approvals: the queue, the decisions, and each draft's history.

use chancery_model::approvals::{ApprovalStatus, Decision};
use chancery_model::audit::AuditEntry;
use chancery_model::drafts::{Draft, DraftId};
use chancery_model::session::QueueEntry;

use super::{reply, Core, Reply};

/// Drafts the signed-in person can move forward now.
#[tauri::command]
#[specta::specta]
pub async fn approval_queue(core: Core<'_>) -> Reply<Vec<QueueEntry>> {
    reply(core.approval_queue().await)
}

/// Where a draft's approval stands: lanes, steps, who it waits for.
#[tauri::command]
#[specta::specta]
pub async fn approval_status(core: Core<'_>, draft_id: DraftId) -> Reply<ApprovalStatus> {
    reply(core.approval_status(draft_id).await)
}

/// Every decision on a draft (approvals, rejections with reasons, change requests).
#[tauri::command]
#[specta::specta]
pub async fn draft_decisions(core: Core<'_>, draft_id: DraftId) -> Reply<Vec<Decision>> {
    reply(core.draft_decisions(draft_id).await)
}

/// The audit trail of a draft.
#[tauri::command]
#[specta::specta]
pub async fn draft_history(core: Core<'_>, draft_id: DraftId) -> Reply<Vec<AuditEntry>> {
    reply(core.audit_trail("draft", &draft_id.to_string()).await)
}

#[tauri::command]
#[specta::specta]
pub async fn submit_draft(core: Core<'_>, draft_id: DraftId) -> Reply<Draft> {
    let actor = reply(core.session_actor().await)?;
    reply(core.submit(&actor, draft_id, chrono::Utc::now()).await)
}

#[tauri::command]
#[specta::specta]
pub async fn resubmit_draft(core: Core<'_>, draft_id: DraftId) -> Reply<Draft> {
    let actor = reply(core.session_actor().await)?;
    reply(core.resubmit(&actor, draft_id, chrono::Utc::now()).await)
}

#[tauri::command]
#[specta::specta]
pub async fn withdraw_draft(core: Core<'_>, draft_id: DraftId) -> Reply<Draft> {
    let actor = reply(core.session_actor().await)?;
    reply(core.withdraw(&actor, draft_id, chrono::Utc::now()).await)
}

/// Approve the exact content the approver saw (`content_hash`); refused if it changed since,
/// or if the signed-in person wrote or edited the draft.
#[tauri::command]
#[specta::specta]
pub async fn approve_draft(
    core: Core<'_>,
    draft_id: DraftId,
    content_hash: String,
) -> Reply<Draft> {
    let actor = reply(core.session_actor().await)?;
    reply(
        core.approve(&actor, draft_id, &content_hash, chrono::Utc::now())
            .await,
    )
}

#[tauri::command]
#[specta::specta]
pub async fn reject_draft(core: Core<'_>, draft_id: DraftId, reason: String) -> Reply<Draft> {
    let actor = reply(core.session_actor().await)?;
    reply(
        core.reject(&actor, draft_id, &reason, chrono::Utc::now())
            .await,
    )
}

#[tauri::command]
#[specta::specta]
pub async fn request_changes(core: Core<'_>, draft_id: DraftId, comment: String) -> Reply<Draft> {
    let actor = reply(core.session_actor().await)?;
    reply(
        core.request_changes(&actor, draft_id, &comment, chrono::Utc::now())
            .await,
    )
}
