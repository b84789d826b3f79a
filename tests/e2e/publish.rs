//! From a draft to the networks: compose for several accounts, submit for approval, the author
//! cannot approve their own words, an approver approves, and the background publisher sends
//! every post exactly once to the sandbox.

use std::time::Duration;

use chancery_e2e::{http_get_json, AppSession, WAIT};

/// Choose every account of each group named in `groups` in the composer's picker.
async fn choose_groups(app: &AppSession, groups: &[&str]) {
    for g in groups {
        let place = g.trim_start_matches("Embassy in ");
        app.type_into("#tp-search", place).await;
        let check = format!(".tp-group[data-group='{g}'] input[type='checkbox']");
        app.click(&check).await;
        app.wait_until(&format!("{g} to be chosen"), WAIT, async || {
            let el = app.all(&check).await.into_iter().next()?;
            el.is_selected().await.ok()?.then_some(())
        })
        .await;
    }
}

/// Write `text`, wait until it is saved and checked (then take screenshot `shot`, if any),
/// submit it for approval, and return the draft's id from its review page.
async fn write_and_submit(app: &AppSession, text: &str, shot: Option<&str>) -> String {
    app.type_into("#compose-text", text).await;
    app.wait_for_attr("#save-state", "data-state", "saved")
        .await;
    app.wait_for("#problems.checks-ok").await;
    if let Some(label) = shot {
        app.screenshot(label).await;
    }
    app.click("#submit-draft").await;
    app.wait_for_text("#submit-result", "Submitted for approval")
        .await;
    // "Follow its approval" opens the review page at #/approvals/<draft id>.
    app.click("#submit-result a").await;
    app.wait_for("#review-state").await;
    let hash = app.js("return location.hash").await;
    let hash = hash.as_str().unwrap_or_default();
    hash.strip_prefix("#/approvals/")
        .unwrap_or_else(|| panic!("the review page's address: {hash}"))
        .to_string()
}

#[tokio::test]
#[ignore = "needs Xvfb, a keyring and tauri-driver: run scripts/e2e"]
async fn compose_approve_and_publish_to_the_sandbox() {
    let app = AppSession::launch("publish").await;
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        % 1_000_000
        + 1_000_000;

    // The digital lead is the only approver of these accounts, so a draft of their own cannot
    // even be submitted: nobody else could approve it.
    app.sign_in("Sam Okafor").await;
    app.open("compose").await;
    choose_groups(&app, &["Embassy in Rabat"]).await;
    app.type_into(
        "#compose-text",
        &format!("Consular hours this week are unchanged ({nonce}-own)."),
    )
    .await;
    app.wait_for_attr("#save-state", "data-state", "saved")
        .await;
    app.wait_for("#problems.checks-ok").await;
    app.click("#submit-draft").await;
    app.wait_for_text("#submit-error", "other than the draft's authors")
        .await;
    app.screenshot("00-self-approval-refused").await;

    // The duty officer writes a post for every account of her embassy (X and Facebook), the
    // one quick choice her role offers.
    app.switch_person("Nadia Haddad").await;
    app.open("compose").await;
    let beirut = "[data-quick-group='Embassy in Beirut']";
    app.click(beirut).await;
    app.wait_for_attr(beirut, "aria-pressed", "true").await;
    let summary = app.text("#targets-summary").await;
    let targets: usize = summary
        .rsplit(" · ")
        .next()
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the number of accounts in {summary:?}"));
    assert!(targets >= 2, "several accounts are chosen: {summary}");
    let text = format!(
        "The embassy celebrates the new scholarship programme with our partners ({nonce})."
    );
    let draft = write_and_submit(&app, &text, Some("01-compose")).await;
    // Her post's policy: the ambassador reviews, then the digital lead approves. Its author
    // cannot approve it.
    app.wait_for_text("#lanes", "Ambassador Claire Moreau")
        .await;
    app.wait_for_text("#no-actions", "You wrote this draft")
        .await;
    assert_eq!(app.count("#approve").await, 0);

    // Step 1: the ambassador finds it in her queue and approves it.
    let entry = format!("#approval-queue li[data-draft='{draft}']");
    app.switch_person("Ambassador Claire Moreau").await;
    app.open("approvals").await;
    app.click(&format!("{entry} a")).await;
    app.click("#approve").await;
    app.wait_for_text("#review-done", "It now goes to the next step")
        .await;

    // Step 2: the digital lead approves it.
    app.switch_person("Sam Okafor").await;
    app.open("approvals").await;
    app.wait_for(&entry).await;
    app.screenshot("02-approvals").await;
    app.click(&format!("{entry} a")).await;
    app.wait_for("#approve").await;
    app.screenshot("03-review").await;
    app.click("#approve").await;
    app.wait_for_text("#review-done", "Approved. Every step is complete")
        .await;

    // The background publisher sends one post per account.
    app.open("outbox").await;
    let rows = "#outbox-table tr[data-outbox]";
    app.wait_until(
        &format!("{targets} posts sent"),
        Duration::from_secs(60),
        async || {
            let states = {
                let mut v = Vec::new();
                for r in app.all(rows).await {
                    v.push(r.attr("data-state").await.ok()??);
                }
                v
            };
            (states.len() == targets && states.iter().all(|s| s == "sent")).then_some(())
        },
    )
    .await;
    for id in app.texts(&format!("{rows} code.post-id")).await {
        assert!(!id.trim().is_empty(), "every sent post has its network id");
    }
    app.screenshot("04-outbox-sent").await;

    // The sandbox received exactly one successful write per account with that text.
    let origin = app.sandbox_origin().await;
    let log = http_get_json(&format!(
        "{origin}/__sandbox/requests?writes_only=true&limit=1000"
    ));
    let writes: Vec<&serde_json::Value> = log["requests"]
        .as_array()
        .expect("the sandbox's request log")
        .iter()
        .filter(|r| {
            r["body"]
                .as_str()
                // Facebook's body is form-encoded: match the number alone.
                .is_some_and(|b| b.contains(&nonce.to_string()))
        })
        .collect();
    let ok: Vec<_> = writes
        .iter()
        .filter(|r| {
            r["status"]
                .as_u64()
                .is_some_and(|s| (200..300).contains(&s))
        })
        .collect();
    let accounts: std::collections::BTreeSet<_> =
        ok.iter().map(|r| r["account_id"].to_string()).collect();
    assert_eq!(
        (ok.len(), accounts.len()),
        (targets, targets),
        "one successful post per account on the sandbox: {writes:#?}"
    );
    app.close().await;
}
