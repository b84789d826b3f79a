// The app's own IPC commands. Shared by build.rs (AppManifest) and the shell; a test checks
// that this list, the generated bindings and capabilities/main.json agree.
pub const COMMAND_NAMES: &[&str] = &["system_check"];
