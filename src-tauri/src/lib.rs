//! The desktop shell: wires chancery-core into Tauri. No business rules live here.
//!
//! - `commands`: the IPC commands, a few lines each over `chancery_core::App`.
//! - `ipc`: the typed contract (tauri-specta) and the generated TypeScript.
//! - `run()`: logging, the core, event forwarding, the window.

#[cfg(test)]
mod command_names;
pub mod commands;
pub mod ipc;

use std::sync::Arc;
use std::time::Duration;

use chancery_core::events::EventBatcher;
use chancery_core::{App, AppConfig};
use tauri::Manager;
use tauri_specta::Event;

/// Events that arrive within this window leave for the UI together.
const EVENT_BATCH_WINDOW: Duration = Duration::from_millis(50);
const EVENT_BATCH_MAX: usize = 500;

pub fn run() {
    let builder = ipc::builder();
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            builder.mount_events(app);
            let log_dir = app.path().app_log_dir()?;
            let guard = chancery_core::logging::init(Some(&log_dir))?;
            app.manage(guard);
            let data_dir = match data_dir_override() {
                Some(dir) => dir,
                None => app.path().app_data_dir()?,
            };
            debug_assert_eq!(app.config().identifier, chancery_core::APP_IDENTIFIER);
            tracing::info!(log_dir = %log_dir.display(), data_dir = %data_dir.display(), "starting Chancery");
            let config = AppConfig { data_dir, workspace_id: "default".into() };
            let core = tauri::async_runtime::block_on(App::open(config))?;
            forward_events(app.handle().clone(), &core);
            app.manage(core);
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("Chancery could not start: {e}");
        std::process::exit(1);
    }
}

/// `--data-dir DIR` on the command line, else `CHANCERY_DATA_DIR`, else the platform default.
/// (The end-to-end tests give every run its own folder this way.)
fn data_dir_override() -> Option<std::path::PathBuf> {
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--data-dir" {
            return args.next().map(Into::into);
        }
    }
    std::env::var_os("CHANCERY_DATA_DIR").map(Into::into)
}

/// Forward the core's events to the window in batches.
fn forward_events(handle: tauri::AppHandle, core: &Arc<App>) {
    let mut batcher = EventBatcher::new(core.subscribe(), EVENT_BATCH_WINDOW, EVENT_BATCH_MAX);
    tauri::async_runtime::spawn(async move {
        while let Some(batch) = batcher.next_batch().await {
            if let Err(e) = ipc::CoreEvents(batch).emit(&handle) {
                tracing::warn!(error = %e, "could not forward core events to the window");
            }
        }
    });
}
