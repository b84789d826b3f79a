//! `chancery doctor` against the real OS keyring (the test command runs the tests inside a
//! D-Bus session with gnome-keyring), and against a machine where none can be reached.

use std::process::Command;

fn chancery() -> Command {
    Command::new(env!("CARGO_BIN_EXE_chancery"))
}

#[test]
fn doctor_reports_a_working_keychain_as_json() {
    let data = tempfile::tempdir().unwrap();
    let out = chancery()
        .args(["doctor", "--json", "--data-dir"])
        .arg(data.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "doctor failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let check: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(check["keychain"]["ok"], true, "{check}");
    assert_eq!(check["dataDir"], data.path().display().to_string());
    assert_eq!(check["keyringService"], "chancery/default");
}

#[test]
fn doctor_explains_a_missing_credential_store_and_fails() {
    let data = tempfile::tempdir().unwrap();
    let out = chancery()
        .args(["doctor", "--data-dir"])
        .arg(data.path())
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/chancery-test-bus",
        )
        .env_remove("DISPLAY")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(stdout.contains("UNAVAILABLE"), "{stdout}");
    assert!(stdout.contains("no usable credential store"), "{stdout}");
    assert!(
        stdout.contains("Secret Service")
            || stdout.contains("Keychain")
            || stdout.contains("Credential Manager"),
        "{stdout}"
    );
}
