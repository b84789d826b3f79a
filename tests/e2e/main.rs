//! End-to-end tests of the real desktop app: the built binary under Xvfb, driven through
//! WebDriver (tauri-driver in front of WebKitWebDriver).
//!
//! They need a display, a D-Bus session with an unlocked keyring and tauri-driver, so a plain
//! `cargo test` skips them (`#[ignore]`); `scripts/e2e` sets all that up and runs them with
//! `--ignored`. Screenshots of each screen are saved under `artifacts/e2e/`.

use chancery_e2e::AppSession;

/// The smoke test: the app starts, a button calls a core command (the system check, which
/// writes, reads and deletes a probe entry in the real OS keyring), and the answer is shown.
#[tokio::test]
#[ignore = "needs Xvfb, a keyring and tauri-driver: run scripts/e2e"]
async fn smoke_system_check_calls_the_core() {
    let app = AppSession::launch("smoke").await;
    app.wait_for_text("header .brand", "Chancery").await;
    app.screenshot("00-start").await;

    app.click("#system-check").await;
    let keychain = app.wait_for("#system-keychain").await;
    let ok = keychain.attr("data-ok").await.unwrap();
    let text = keychain.text().await.unwrap();
    assert_eq!(
        ok.as_deref(),
        Some("true"),
        "keychain check failed in the real app: {text}"
    );
    let version = app.text("#system-version").await;
    assert_eq!(
        version,
        env!("CARGO_PKG_VERSION"),
        "the window shows the core's version"
    );
    app.screenshot("01-system-check").await;
    app.close().await;
}
