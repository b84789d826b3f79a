//! The desktop shell: wires chancery-core into Tauri. No business rules live here.
//!
//! - `commands`: the IPC commands, a few lines each over `chancery_core::App`.
//! - `ipc`: the typed contract (tauri-specta) and the generated TypeScript.
//! - `desktop`: OS notifications and the tray.
//! - `run()`: logging, the core (the sandbox rehearsal workspace on first run), background
//!   sync and publishing, event forwarding, the window.

#[cfg(test)]
mod command_names;
pub mod commands;
mod desktop;
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

/// The seed of the demo (rehearsal) workspace created on first run.
pub const DEMO_SEED: u64 = 2026;

pub fn run() {
    let builder = ipc::builder();
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
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
            let t0 = std::time::Instant::now();
            let core = tauri::async_runtime::block_on(async {
                let core = App::open_or_create_rehearsal(config, DEMO_SEED, chrono::Utc::now()).await?;
                core.restore_session().await;
                Ok::<_, chancery_core::CoreError>(core)
            })?;
            tracing::info!(elapsed_ms = t0.elapsed().as_millis() as u64, "core ready");
            forward_events(app.handle().clone(), &core);
            desktop::build_tray(app.handle());
            start_background(core.clone());
            app.manage(core);
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("Chancery could not start: {e}");
        std::process::exit(1);
    }
}

/// Sync and publishing start this long after the core opened, so that the first sync round
/// over 240 accounts does not compete with the window's start-up and first inbox page for the
/// CPU and the database (scripts/bench-ui, docs/benchmarks.md).
const BACKGROUND_START_DELAY: Duration = Duration::from_secs(3);

/// Sync and publishing run in the background, after the window is up.
fn start_background(core: Arc<App>) {
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(BACKGROUND_START_DELAY).await;
        if let Err(e) = core.start_sync(chancery_sync::SyncConfig::default()).await {
            tracing::error!(error = %e, "background sync did not start");
        }
        let publisher = chancery_core::publish::PublisherConfig::default();
        if let Err(e) = core.start_background_publisher(publisher).await {
            tracing::error!(error = %e, "background publisher did not start");
        }
    });
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

/// Forward the core's events to the window in batches; turn the ones meant for the signed-in
/// person into OS notifications; keep the tray's unread count current.
fn forward_events(handle: tauri::AppHandle, core: &Arc<App>) {
    let mut batcher = EventBatcher::new(core.subscribe(), EVENT_BATCH_WINDOW, EVENT_BATCH_MAX);
    let core = core.clone();
    tauri::async_runtime::spawn(async move {
        while let Some(batch) = batcher.next_batch().await {
            desktop::notify(&handle, &core, &batch);
            if desktop::touches_counts(&batch) {
                desktop::update_tray(&handle, &core).await;
            }
            if let Err(e) = ipc::CoreEvents(batch).emit(&handle) {
                tracing::warn!(error = %e, "could not forward core events to the window");
            }
        }
    });
}
