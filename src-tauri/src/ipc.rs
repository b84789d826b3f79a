//! The typed IPC contract: every command and event, and the TypeScript generated from them.
//!
//! `ui/src/ipc/bindings.ts` is generated from this builder and committed. The test below fails
//! when it drifts from the Rust signatures; `scripts/bindings` regenerates it.

use chancery_core::CoreEvent;
use serde::Serialize;
use specta::Type;
use tauri_specta::{collect_commands, collect_events, Builder, ErrorHandlingMode, Event};

use crate::commands;

/// Where the generated bindings live, relative to the repository root.
pub const BINDINGS_PATH: &str = "ui/src/ipc/bindings.ts";

/// A batch of core events, forwarded to the window as one Tauri event (`core-events`).
#[derive(Debug, Clone, Serialize, Type, Event)]
pub struct CoreEvents(pub Vec<CoreEvent>);

pub fn builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new()
        .commands(collect_commands![
            commands::system::system_check,
            commands::system::workspace_info,
            commands::system::list_people,
            commands::system::sign_in,
            commands::system::sign_out,
            commands::system::current_session,
            commands::inbox::inbox_page,
            commands::inbox::inbox_items_among,
            commands::inbox::unread_counts,
            commands::inbox::item_thread,
            commands::inbox::item_notes,
            commands::inbox::triage_items,
            commands::inbox::add_note,
            commands::accounts::list_accounts,
            commands::accounts::group_tree,
            commands::accounts::account_health,
            commands::accounts::connect_account,
            commands::accounts::import_accounts,
            commands::accounts::export_accounts,
            commands::drafts::validate_draft,
            commands::drafts::create_draft,
            commands::drafts::save_draft,
            commands::drafts::get_draft,
            commands::drafts::my_drafts,
            commands::drafts::draft_versions,
            commands::drafts::diff_draft_versions,
            commands::drafts::pick_media,
            commands::drafts::media_thumbnail,
            commands::approvals::approval_queue,
            commands::approvals::approval_status,
            commands::approvals::draft_decisions,
            commands::approvals::draft_history,
            commands::approvals::submit_draft,
            commands::approvals::resubmit_draft,
            commands::approvals::withdraw_draft,
            commands::approvals::approve_draft,
            commands::approvals::reject_draft,
            commands::approvals::request_changes,
            commands::pause::active_pauses,
            commands::pause::start_pause,
            commands::pause::resume_pause,
            commands::pause::list_outbox,
            commands::pause::release_held,
            commands::pause::cancel_outbox_entry,
            commands::sync::sync_status,
            commands::sync::verify_audit,
            commands::inbox::inbox_views,
            commands::inbox::save_inbox_view,
            commands::inbox::delete_inbox_view,
            commands::inbox::inbox_tags,
            commands::sync::inbox_activity,
            commands::sync::sync_latency,
        ])
        .events(collect_events![CoreEvents])
        .error_handling(ErrorHandlingMode::Result)
        // Counters and audit sequence numbers are u64 in Rust; none comes near 2^53.
        .dangerously_cast_bigints_to_number()
}

fn typescript() -> specta_typescript::Typescript {
    specta_typescript::Typescript::default().header(
        "// Generated from the Rust command and event signatures by src-tauri/src/ipc.rs.\n\
         // Do not edit: run scripts/bindings to regenerate. A test fails when this file drifts.\n",
    )
}

/// Write the TypeScript bindings to `path`.
pub fn export_bindings(path: &std::path::Path) -> Result<(), String> {
    builder()
        .export(typescript(), path)
        .map_err(|e| format!("exporting bindings to {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::path::PathBuf;

    fn repo_root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    fn generated() -> String {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("bindings.ts");
        export_bindings(&out).unwrap();
        std::fs::read_to_string(out).unwrap()
    }

    /// Fails when the committed bindings differ from what the Rust signatures generate.
    /// `CHANCERY_BLESS_BINDINGS=1` rewrites the committed file instead (what scripts/bindings does).
    #[test]
    fn typescript_bindings_have_not_drifted() {
        let fresh = generated();
        let committed_path = repo_root().join(BINDINGS_PATH);
        if std::env::var_os("CHANCERY_BLESS_BINDINGS").is_some() {
            std::fs::write(&committed_path, &fresh).unwrap();
            return;
        }
        let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
        assert!(
            committed == fresh,
            "{} is out of date with the Rust commands and events. Run scripts/bindings and commit the result.",
            BINDINGS_PATH
        );
    }

    /// The command list in command_names.rs (which build.rs puts under the permission system),
    /// the commands in the generated bindings, and the capability granted to `main` must agree:
    /// a command nobody may call, or a permission for a command that does not exist, is a bug.
    #[test]
    fn commands_manifest_and_capability_agree() {
        let listed: BTreeSet<String> = crate::command_names::COMMAND_NAMES
            .iter()
            .map(|s| s.to_string())
            .collect();

        let bindings = generated();
        let invoked: BTreeSet<String> = bindings
            .split("__TAURI_INVOKE(\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .map(str::to_string)
            .collect();
        assert_eq!(
            listed, invoked,
            "command_names.rs and the registered commands differ"
        );

        let cap: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(repo_root().join("src-tauri/capabilities/main.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(
            cap["windows"],
            serde_json::json!(["main"]),
            "capabilities are granted to the main window by label only"
        );
        let granted: BTreeSet<String> = cap["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p.as_str())
            .filter_map(|p| p.strip_prefix("allow-"))
            .map(|p| p.replace('-', "_"))
            .collect();
        assert_eq!(
            listed, granted,
            "capabilities/main.json must allow exactly the app's commands"
        );
    }

    #[test]
    fn config_is_locked_down() {
        let conf: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(repo_root().join("tauri.conf.json")).unwrap(),
        )
        .unwrap();
        let app = &conf["app"];
        assert_eq!(app["withGlobalTauri"], serde_json::json!(false));
        let windows = app["windows"].as_array().unwrap();
        assert_eq!(windows.len(), 1);
        assert_eq!(windows[0]["label"], "main");
        let csp = app["security"]["csp"]
            .as_object()
            .expect("CSP is set as a directive map");
        // Rust does all networking: the webview may load only its own bundle and talk only to IPC.
        let allowed = [
            "'self'",
            "'none'",
            "data:",
            "blob:",
            "ipc:",
            "http://ipc.localhost",
        ];
        for (directive, value) in csp {
            for source in value.as_str().unwrap().split_whitespace() {
                let ok = allowed.contains(&source);
                assert!(ok, "CSP {directive} allows {source}");
            }
        }
        assert_eq!(csp["default-src"], "'self'");
    }
}
