//! Shared helpers for the cross-crate stories.

pub mod secret_scan;

/// The `chancery` CLI binary, for stories that run it as a child process (a crash, a second
/// publisher, a killed sync).
///
/// `CHANCERY_CLI_BIN` names a binary built beforehand: `scripts/test` builds the whole workspace
/// with one feature set and points it at `target/debug/chancery`. Without it, the binary is built
/// here (`cargo build -p chancery-cli`, bounded to 15 minutes) so a story run alone is never
/// handed a stale one; that build unifies features differently from a workspace build, which is
/// why CI does not take this path (it cost 35 s per story binary there).
pub fn chancery_bin() -> std::path::PathBuf {
    use std::time::{Duration, Instant};
    if let Some(bin) = std::env::var_os("CHANCERY_CLI_BIN") {
        let bin = std::path::PathBuf::from(bin);
        assert!(
            bin.is_file(),
            "CHANCERY_CLI_BIN={} is not a file",
            bin.display()
        );
        return bin;
    }
    let exe = std::env::current_exe().expect("the test's own path");
    let dir = exe
        .parent()
        .and_then(|p| p.parent())
        .expect("target/<profile>/deps")
        .to_path_buf();
    let mut child = std::process::Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "-p",
            "chancery-cli",
            "--bin",
            "chancery",
        ])
        .spawn()
        .expect("running cargo build");
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("waiting for cargo build") {
            break s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(900),
            "building the chancery binary took more than 15 minutes"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(status.success(), "building the chancery binary failed");
    let bin = dir.join(format!("chancery{}", std::env::consts::EXE_SUFFIX));
    assert!(bin.exists(), "no chancery binary at {}", bin.display());
    bin
}
