//! The app itself: checks, the workspace, who is signed in.

use chancery_model::accounts::PersonId;
use chancery_model::session::{PersonSummary, Session, WorkspaceInfo};
use chancery_model::SystemCheck;

use super::{reply, Core, Reply};

/// Version, data folder and a live check of the OS credential store.
#[tauri::command]
#[specta::specta]
pub async fn system_check(core: Core<'_>) -> Reply<SystemCheck> {
    Ok(core.system_check().await)
}

/// What this workspace is (a rehearsal on the sandbox, or live) and where it connects.
#[tauri::command]
#[specta::specta]
pub async fn workspace_info(core: Core<'_>) -> Reply<WorkspaceInfo> {
    Ok(core.workspace_info())
}

/// Everyone in the workspace, with their roles.
#[tauri::command]
#[specta::specta]
pub async fn list_people(core: Core<'_>) -> Reply<Vec<PersonSummary>> {
    reply(core.people().await)
}

/// Sign in as a person of the workspace.
#[tauri::command]
#[specta::specta]
pub async fn sign_in(core: Core<'_>, person_id: PersonId) -> Reply<Session> {
    reply(core.sign_in(person_id).await)
}

#[tauri::command]
#[specta::specta]
pub async fn sign_out(core: Core<'_>) -> Reply<()> {
    core.sign_out();
    Ok(())
}

/// The signed-in person, if any.
#[tauri::command]
#[specta::specta]
pub async fn current_session(core: Core<'_>) -> Reply<Option<Session>> {
    reply(core.session().await)
}
