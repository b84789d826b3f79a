//! The app's IPC commands. Each is a few lines: take the core from state, call it, map the error.
//! The acting person is always the signed-in one (read in the core), never an argument.
//!
//! Adding a command: write it in the module of its area, add it to `ipc::builder()`, to
//! `COMMAND_NAMES` in `command_names.rs`, and grant `allow-<name>` in `capabilities/main.json`;
//! then regenerate the TypeScript bindings (`scripts/bindings`). A test fails if any disagree.

pub mod accounts;
pub mod approvals;
pub mod drafts;
pub mod inbox;
pub mod pause;
pub mod sync;
pub mod system;

use std::sync::Arc;

use chancery_core::{App, CoreError};
use chancery_model::IpcError;

/// The core, as commands receive it.
pub type Core<'a> = tauri::State<'a, Arc<App>>;

/// What every command returns.
pub type Reply<T> = Result<T, IpcError>;

/// Map a core result to an IPC reply.
pub fn reply<T>(r: Result<T, CoreError>) -> Reply<T> {
    r.map_err(IpcError::from)
}
