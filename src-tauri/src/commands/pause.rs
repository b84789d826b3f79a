//! The crisis pause, and the outbox it holds.

use chancery_model::drafts::{OutboxId, PauseId};
use chancery_model::outbox::{OutboxEntry, Pause, PauseScope, ResumeReport};
use chrono::{DateTime, Utc};

use super::{reply, Core, Reply};

/// Pauses in force now.
#[tauri::command]
#[specta::specta]
pub async fn active_pauses(core: Core<'_>) -> Reply<Vec<Pause>> {
    reply(core.active_pauses(Utc::now()).await)
}

/// Stop every scheduled and queued post in `scope` (all accounts, a group, one account) with a
/// reason, until resumed or until `until`.
#[tauri::command]
#[specta::specta]
pub async fn start_pause(
    core: Core<'_>,
    scope: PauseScope,
    reason: String,
    until: Option<DateTime<Utc>>,
) -> Reply<Pause> {
    let actor = reply(core.session_actor().await)?;
    reply(
        core.start_pause(&actor, scope, &reason, until, Utc::now())
            .await,
    )
}

/// End a pause; the report lists what it held.
#[tauri::command]
#[specta::specta]
pub async fn resume_pause(core: Core<'_>, pause_id: PauseId) -> Reply<ResumeReport> {
    let actor = reply(core.session_actor().await)?;
    reply(core.resume(&actor, pause_id, Utc::now()).await)
}

/// The outbox: what is queued, held, sent or failed, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_outbox(core: Core<'_>) -> Reply<Vec<OutboxEntry>> {
    reply(core.list_outbox(&Default::default()).await)
}

/// Let a held post go out (after a pause, or when it was held for being late).
#[tauri::command]
#[specta::specta]
pub async fn release_held(core: Core<'_>, outbox_id: OutboxId) -> Reply<OutboxEntry> {
    let actor = reply(core.session_actor().await)?;
    reply(core.release_held(&actor, outbox_id, Utc::now()).await)
}

/// Cancel a queued or held post so it never goes out.
#[tauri::command]
#[specta::specta]
pub async fn cancel_outbox_entry(core: Core<'_>, outbox_id: OutboxId) -> Reply<OutboxEntry> {
    let actor = reply(core.session_actor().await)?;
    reply(
        core.cancel_outbox_entry(&actor, outbox_id, Utc::now())
            .await,
    )
}
