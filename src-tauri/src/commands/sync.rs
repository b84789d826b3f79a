//! The sync dashboard, and the audit trail's integrity check.

use chancery_model::audit::AuditVerification;
use chancery_sync::SyncStatus;

use super::{reply, Core, Reply};

/// What sync is doing: per-account state, budgets, errors, cost estimate. `None` when it is
/// not running.
#[tauri::command]
#[specta::specta]
pub async fn sync_status(core: Core<'_>) -> Reply<Option<SyncStatus>> {
    Ok(core.sync_status().await)
}

/// Check the audit trail's hash chain end to end.
#[tauri::command]
#[specta::specta]
pub async fn verify_audit(core: Core<'_>) -> Reply<AuditVerification> {
    reply(core.verify_audit().await)
}

/// Items per group over the last `hours` (children of `parentGroupId`, or the top groups), with
/// how long handled items took: the dashboard's volume chart.
#[tauri::command]
#[specta::specta]
pub async fn inbox_activity(
    core: Core<'_>,
    hours: u32,
    parent_group_id: Option<chancery_model::accounts::GroupId>,
) -> Reply<chancery_core::activity::ActivityReport> {
    reply(
        core.inbox_activity(hours, parent_group_id, chrono::Utc::now())
            .await,
    )
}

/// How long the networks took to answer over the last `minutes` (percentiles per network, per
/// minute): the dashboard's response-time chart. `None` when sync is not running.
#[tauri::command]
#[specta::specta]
pub async fn sync_latency(
    core: Core<'_>,
    minutes: u32,
) -> Reply<Option<chancery_sync::latency::LatencyReport>> {
    Ok(core.sync_latency(minutes).await)
}
