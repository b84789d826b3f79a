//! Build script of the desktop shell.
//!
//! Every app command is listed in the `AppManifest`, which puts it under Tauri's permission
//! system: a window may call a command only if a capability grants `allow-<command>`.
//! `src-tauri/src/commands.rs` keeps the same list (`COMMANDS`) and a test checks both agree.

include!("src/command_names.rs");

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    println!("cargo:rerun-if-changed=src-tauri/src/command_names.rs");
    // generate_context! needs the frontend folder to exist; a fresh checkout has not built it yet.
    let dist = std::path::Path::new("ui/dist");
    if !dist.exists() {
        std::fs::create_dir_all(dist).expect("create ui/dist");
    }
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMAND_NAMES));
    tauri_build::try_build(attributes).expect("tauri-build failed");
}
