//! The app starts on its rehearsal workspace, a person signs in, and a button calls the core.

use chancery_e2e::AppSession;

/// First run creates the sandbox rehearsal workspace; sign in as the digital lead; the system
/// check (which writes, reads and deletes a probe entry in the real OS keyring) answers.
#[tokio::test]
#[ignore = "needs Xvfb, a keyring and tauri-driver: run scripts/e2e"]
async fn smoke_sign_in_and_system_check() {
    let app = AppSession::launch("smoke").await;
    app.wait_for_text("main h1", "Who are you?").await;
    app.screenshot("00-sign-in").await;
    app.click("button[data-person^='Sam Okafor']").await;
    app.wait_for_text("#signed-in-person", "Sam Okafor").await;

    app.click("#nav-system").await;
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
