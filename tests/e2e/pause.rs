//! The crisis pause: started with a required reason, its banner stays on every screen until
//! someone resumes it. On the way, the accounts and sync screens.

use chancery_e2e::AppSession;

const SCREENS: [&str; 7] = [
    "inbox",
    "compose",
    "approvals",
    "outbox",
    "accounts",
    "sync",
    "system",
];

#[tokio::test]
#[ignore = "needs Xvfb, a keyring and tauri-driver: run scripts/e2e"]
async fn crisis_pause_banner_on_every_screen_then_resume() {
    let app = AppSession::launch("pause").await;
    app.sign_in("Sam Okafor").await;

    // The screens that the other tests do not visit, before the pause.
    app.open("accounts").await;
    app.wait_for_text("#accounts-summary", "240").await;
    app.screenshot("01-accounts").await;
    app.open("sync").await;
    app.wait_for("#sync-state[data-running='true']").await;
    app.screenshot("02-sync").await;

    // A pause needs a reason.
    app.click("#pause-button").await;
    app.wait_for("#pause-dialog").await;
    app.click("#pause-start").await;
    app.wait_for_text("#pause-reason-missing", "A pause needs a reason")
        .await;
    let reason = "Breaking news in the region: hold everything until the minister's statement";
    app.type_into("#pause-reason", reason).await;
    app.wait_for_text("#pause-start", "Pause every account")
        .await;
    app.click("#pause-start").await;
    app.wait_gone("#pause-dialog").await;

    // The banner, with the reason, on every screen.
    for screen in SCREENS {
        app.open(screen).await;
        app.wait_for_text("#pause-banner", reason).await;
        app.wait_for_text("#pause-banner", "Posting paused for")
            .await;
    }
    app.screenshot("03-pause-banner").await;

    // Resume: confirm, read the report, and the banner goes.
    app.click("#pause-banner button.pause-resume").await;
    app.click("#resume-confirm").await;
    app.wait_for("#resume-report").await;
    app.screenshot("04-resume-report").await;
    app.click("#resume-report .button-row button").await;
    app.wait_gone("#resume-report").await;
    app.wait_gone("#pause-banner").await;
    app.open("inbox").await;
    assert_eq!(
        app.count("#pause-banner").await,
        0,
        "no banner once resumed"
    );
    app.close().await;
}
