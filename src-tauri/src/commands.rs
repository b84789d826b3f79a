//! The app's IPC commands. Each is a few lines: take the core from state, call it, map the error.
//!
//! Adding a command: write it here, add it to `ipc::builder()`, to `COMMAND_NAMES` in
//! `command_names.rs`, and grant `allow-<name>` in `capabilities/main.json`; then regenerate
//! the TypeScript bindings (`scripts/bindings`). A test fails if any of these disagree.

use std::sync::Arc;

use chancery_core::App;
use chancery_model::{IpcError, SystemCheck};
use tauri::State;

type Core<'a> = State<'a, Arc<App>>;

/// Version, data folder and a live check of the OS credential store.
#[tauri::command]
#[specta::specta]
pub async fn system_check(core: Core<'_>) -> Result<SystemCheck, IpcError> {
    Ok(core.system_check().await)
}
