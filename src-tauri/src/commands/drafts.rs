//! The composer: drafts, validation as you type, versions, media.

use chancery_model::drafts::{
    Draft, DraftContent, DraftId, DraftSummary, DraftVersion, MediaAttachment, ValidationReport,
    VersionDiff,
};
use tauri::AppHandle;
use tauri_plugin_dialog::DialogExt;

use super::{reply, Core, Reply};

/// Check a draft's content against every target's rules (X weighted count, Facebook limits,
/// reply restrictions, media, schedule). Cheap enough to call on every keystroke.
#[tauri::command]
#[specta::specta]
pub async fn validate_draft(core: Core<'_>, content: DraftContent) -> Reply<ValidationReport> {
    reply(core.validate_content(&content, chrono::Utc::now()).await)
}

/// Start a draft, as the signed-in person.
#[tauri::command]
#[specta::specta]
pub async fn create_draft(core: Core<'_>, content: DraftContent) -> Reply<Draft> {
    let actor = reply(core.session_actor().await)?;
    reply(core.create_draft(&actor, content, chrono::Utc::now()).await)
}

/// Save a new version of a draft. `expected_rev` guards against overwriting a newer save.
#[tauri::command]
#[specta::specta]
pub async fn save_draft(
    core: Core<'_>,
    draft_id: DraftId,
    expected_rev: Option<u32>,
    content: DraftContent,
) -> Reply<Draft> {
    let actor = reply(core.session_actor().await)?;
    reply(
        core.edit_draft(&actor, draft_id, expected_rev, content, chrono::Utc::now())
            .await,
    )
}

#[tauri::command]
#[specta::specta]
pub async fn get_draft(core: Core<'_>, draft_id: DraftId) -> Reply<Draft> {
    reply(core.draft(draft_id).await)
}

/// The signed-in person's drafts, newest first.
#[tauri::command]
#[specta::specta]
pub async fn my_drafts(core: Core<'_>) -> Reply<Vec<DraftSummary>> {
    reply(core.my_drafts().await)
}

/// Every saved version of a draft.
#[tauri::command]
#[specta::specta]
pub async fn draft_versions(core: Core<'_>, draft_id: DraftId) -> Reply<Vec<DraftVersion>> {
    reply(core.draft_versions(draft_id).await)
}

/// What changed between two versions.
#[tauri::command]
#[specta::specta]
pub async fn diff_draft_versions(
    core: Core<'_>,
    draft_id: DraftId,
    from: u32,
    to: u32,
) -> Reply<VersionDiff> {
    reply(core.diff_draft_versions(draft_id, from, to).await)
}

/// Pick an image in a file dialog and attach it (hashed and checked; uploaded when published).
/// `None` when the dialog was cancelled.
#[tauri::command]
#[specta::specta]
pub async fn pick_media(app: AppHandle, core: Core<'_>) -> Reply<Option<MediaAttachment>> {
    let picked = app
        .dialog()
        .file()
        .set_title("Attach an image")
        .add_filter("Images", &["png", "jpg", "jpeg", "gif", "webp"])
        .blocking_pick_file();
    let Some(path) = picked.and_then(|p| p.into_path().ok()) else {
        return Ok(None);
    };
    reply(core.attach_media(&path, None).await).map(Some)
}

/// A small preview of an attached image as a `data:` URL (the window may show only `data:`
/// images), for a file whose SHA-256 the window already knows; `None` when the file is gone or
/// changed since it was attached.
#[tauri::command]
#[specta::specta]
pub async fn media_thumbnail(
    core: Core<'_>,
    path: String,
    sha256: String,
    max_px: u32,
) -> Reply<Option<String>> {
    reply(
        core.media_thumbnail(std::path::Path::new(&path), &sha256, max_px)
            .await,
    )
}
