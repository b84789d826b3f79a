//! The unified inbox on live sandbox traffic: it loads, narrows by network and by group,
//! grows while sync reads the sandbox, searches the full text, shows a conversation, and
//! triages (assign, done).

use std::time::Duration;

use chancery_e2e::{AppSession, WAIT};

const ROWS: &str = ".inbox-list .vlist-row .inbox-row";

/// How many items the list says it has loaded ("Inbox, 1,234 items loaded, more below").
async fn loaded(app: &AppSession) -> Option<u64> {
    let list = app.all(".inbox-list .vlist").await.into_iter().next()?;
    let label = list.attr("aria-label").await.ok()??;
    let digits: String = label
        .trim_start_matches("Inbox, ")
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .filter(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The id of the first row in the list.
async fn top_item(app: &AppSession) -> Option<String> {
    let row = app.all(ROWS).await.into_iter().next()?;
    row.attr("data-item-id").await.ok()?
}

/// Wait until the rows drawn are not empty and every one satisfies `ok` (given the row's
/// outer HTML).
async fn wait_rows(app: &AppSession, what: &str, ok: impl Fn(&str) -> bool) {
    app.wait_until(what, WAIT, async || {
        let rows = app.all(ROWS).await;
        if rows.is_empty() || app.count(".inbox-list[aria-busy='true']").await > 0 {
            return None;
        }
        for r in rows {
            let html = r.html(false).await.ok()?;
            if !ok(&html) {
                return None;
            }
        }
        Some(())
    })
    .await
}

/// Markup without its tags (a search hit may be wrapped in a highlight).
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// The inbox fills from the sandbox, new items keep arriving while it is open, and the
/// network and group filters narrow it.
#[tokio::test]
#[ignore = "needs Xvfb, a keyring and tauri-driver: run scripts/e2e"]
async fn inbox_loads_filters_and_shows_live_traffic() {
    let app = AppSession::launch("inbox").await;
    app.sign_in("Nadia Haddad").await;
    app.open("inbox").await;
    app.wait_for(ROWS).await;
    let first = app
        .wait_until("the inbox to load items", WAIT, async || {
            loaded(&app).await.filter(|n| *n > 0)
        })
        .await;
    app.screenshot("01-inbox").await;

    // Live traffic: sync keeps reading the sandbox, and new items join the open list.
    let top = top_item(&app).await;
    app.wait_until(
        "new items to arrive from the sandbox",
        Duration::from_secs(60),
        async || {
            let now = loaded(&app).await?;
            (now > first || top_item(&app).await != top).then_some(())
        },
    )
    .await;

    // By network: X only, then Facebook only.
    app.click("#filter-network-x").await;
    app.wait_for_attr("#filter-network-x", "aria-pressed", "true")
        .await;
    wait_rows(&app, "only X items", |h| {
        h.contains("net-x") && !h.contains("net-facebook")
    })
    .await;
    app.click("#filter-network-x").await;
    app.click("#filter-network-facebook").await;
    wait_rows(&app, "only Facebook items", |h| {
        h.contains("net-facebook") && !h.contains("net-x")
    })
    .await;
    app.click("#filter-clear").await;
    app.wait_gone("#filter-clear").await;

    // By group: a post with unread items in the tree on the left.
    let group = app
        .wait_for("#group-tree .tree-item[data-group-id]:has(.badge.count)")
        .await;
    let name = group
        .find(fantoccini::Locator::Css(".tree-name"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    group.click().await.unwrap();
    app.wait_for_text(".filter-chips", &name).await;
    // Each row's account names its group path in its title.
    wait_rows(&app, &format!("only items of {name}"), |h| {
        h.contains(&name)
    })
    .await;
    app.screenshot("02-inbox-group-filter").await;
    app.click("#tree-all").await;
    app.wait_gone(".filter-chips").await;
    app.close().await;
}

/// Full-text search finds an item by a word of its text (and says so when nothing matches);
/// the conversation opens; the item is assigned to a colleague and marked done, and the
/// filters find it that way.
#[tokio::test]
#[ignore = "needs Xvfb, a keyring and tauri-driver: run scripts/e2e"]
async fn inbox_search_thread_assign_and_done() {
    let app = AppSession::launch("inbox-triage").await;
    app.sign_in("Nadia Haddad").await;
    app.open("inbox").await;
    app.wait_for(ROWS).await;

    // A word from the text of the items in view (some items are a photo or an emoji only).
    let texts = app
        .wait_until("a row with words", Duration::from_secs(20), async || {
            let texts = app.texts(&format!("{ROWS} .row-text")).await;
            texts
                .iter()
                .any(|t| t.split_whitespace().count() > 1)
                .then_some(texts)
        })
        .await;
    let text = texts.join(" ");
    let word = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 6 && w.chars().all(char::is_alphabetic))
        .max_by_key(|w| w.chars().count())
        .unwrap_or_else(|| panic!("no searchable word in {text:?}"))
        .to_lowercase();
    app.type_into("#inbox-search", &format!("{word}\u{E007}"))
        .await;
    wait_rows(&app, &format!("items matching {word:?}"), |h| {
        strip_tags(h).to_lowercase().contains(&word)
    })
    .await;
    app.screenshot("03-inbox-search").await;
    app.type_into("#inbox-search", "qqzzxxnomatch\u{E007}")
        .await;
    app.wait_for_attr("#inbox-empty", "data-reason", "search")
        .await;
    app.click("#inbox-empty button").await;
    app.wait_for(ROWS).await;

    // The conversation of the second item (new items may push rows down meanwhile: the pane
    // says which one opened).
    app.click("#inbox-row-1").await;
    app.wait_until("the second item to open", WAIT, async || {
        (app.count("#inbox-row-1[aria-selected='true']").await > 0).then_some(())
    })
    .await;
    let item = app
        .wait_until("the conversation pane to show an item", WAIT, async || {
            app.all("#thread-pane[data-item-id]")
                .await
                .into_iter()
                .next()?
                .attr("data-item-id")
                .await
                .ok()?
        })
        .await;
    let pane = format!("#thread-pane[data-item-id='{item}']");
    app.wait_until("the conversation to load", WAIT, async || {
        (app.count("#thread-pane .conversation[aria-busy='false'] .msg.current")
            .await
            > 0)
        .then_some(())
    })
    .await;
    app.screenshot("04-thread").await;

    // Assign it to Sam, then mark it done.
    app.click("#thread-assign").await;
    app.type_into("#assign-picker .picker-input", "Sam").await;
    app.click("#assign-picker li[role='option']").await;
    app.wait_for_text("#thread-assign", "Assigned: Sam Okafor")
        .await;
    let row_css = format!(".inbox-row[data-item-id='{item}']");
    app.wait_for_text(&format!("{row_css} .assignee"), "Sam Okafor")
        .await;
    app.wait_for(&pane).await;
    app.click("#thread-done").await;
    app.wait_for_attr(&row_css, "data-status", "done").await;

    // The filters find it as done and assigned to Sam.
    app.click("#filter-status-done").await;
    let mut sam = None;
    for o in app.all("#filter-assignee option").await {
        if o.text().await.unwrap_or_default().starts_with("Sam Okafor") {
            sam = o.attr("value").await.unwrap();
        }
    }
    let Some(sam) = sam else {
        app.fail("Sam is not among the assignees").await
    };
    app.wait_for("#filter-assignee")
        .await
        .select_by_value(&sam)
        .await
        .unwrap();
    wait_rows(&app, "only done items assigned to Sam", |h| {
        h.contains("data-status=\"done\"") && h.contains("Sam Okafor")
    })
    .await;
    app.wait_for(&row_css).await;
    app.close().await;
}
