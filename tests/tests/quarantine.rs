//! One broken item in a page is quarantined with its raw payload; the rest of its page is kept.
//!
//! Differential: two sandboxes with the same seed and a (nearly) frozen clock serve the same
//! content; one of them breaks one item of the first mentions page and of the first
//! tagged-posts page (`malformed_item`: valid JSON, one element with wrong types). After one sync cycle each,
//! the faulted cache must hold exactly the clean cache's items minus the quarantined ones, and
//! the quarantine must hold those items' raw JSON.

#[path = "sync/rig.rs"]
mod rig;

use std::collections::BTreeSet;

use chancery_model::accounts::Network;
use chancery_model::inbox::InboxFilter;
use chancery_sandbox::{FaultKind, FaultRule, SandboxConfig};
use chrono::TimeZone;
use rig::{fast_config, Rig};

/// (sandbox account id, item external id) of everything in a rig's cache.
async fn cached(rig: &Rig) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let filter = InboxFilter {
        include_deleted: true,
        ..InboxFilter::default()
    };
    let mut cursor: Option<String> = None;
    for _ in 0..1_000 {
        let page = rig
            .store
            .inbox_page(&filter, cursor.as_deref(), 500)
            .await
            .unwrap();
        for item in &page.items {
            let (_, ext, ..) = rig
                .accounts
                .iter()
                .find(|a| a.0 == item.account_id)
                .unwrap();
            out.insert((ext.clone(), item.external_id.clone()));
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
    panic!("more than 1000 pages");
}

fn config() -> SandboxConfig {
    // A fixed virtual start and a clock 10,000 times slower than real time: both sandboxes
    // serve the same items for the length of the test.
    let start = chrono::Utc
        .with_ymd_and_hms(2026, 11, 20, 12, 0, 0)
        .unwrap();
    SandboxConfig::default()
        .seed(9)
        .start_at(start)
        .time_scale(0.0001)
        .history_days(1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_item_is_quarantined_and_the_rest_of_its_page_is_kept() {
    let clean = Rig::start(config(), Some(&[0, 1]), Some(&[0])).await;
    let faulty = Rig::start(config(), Some(&[0, 1]), Some(&[0])).await;
    let (_, x_account, ..) = faulty.account(Network::X, 0).clone();
    faulty
        .sandbox
        .add_fault(
            FaultRule::new("x.mentions", FaultKind::MalformedItem)
                .account(x_account.clone())
                .count(1),
        )
        .unwrap();
    faulty
        .sandbox
        .add_fault(FaultRule::new("graph.tagged", FaultKind::MalformedItem).count(1))
        .unwrap();

    let config = fast_config(1.0);
    let a = clean
        .engine(config.clone())
        .await
        .run_cycle(false, None)
        .await;
    let b = faulty.engine(config).await.run_cycle(false, None).await;
    assert!(
        a.complete && b.complete,
        "both cycles completed: {a:?} {b:?}"
    );

    let want = cached(&clean).await;
    let got = cached(&faulty).await;
    let quarantine = faulty.store.list_quarantine(None, 100).await.unwrap();
    let faults_fired = faulty
        .log()
        .iter()
        .filter(|r| r.fault.as_deref() == Some("malformed_item"))
        .count();
    assert_eq!(faults_fired, 2, "each fault broke one page");
    assert_eq!(
        quarantine.len(),
        2,
        "one quarantined item per broken page: {quarantine:#?}"
    );

    let mut missing: Vec<_> = want.difference(&got).cloned().collect();
    let extra: Vec<_> = got.difference(&want).collect();
    assert!(extra.is_empty(), "nothing invented: {extra:?}");
    missing.sort();
    let mut quarantined: Vec<_> = quarantine
        .iter()
        .map(|q| {
            let (_, ext, ..) = faulty
                .accounts
                .iter()
                .find(|a| a.0 == q.account_id)
                .unwrap();
            (
                ext.clone(),
                q.external_id.clone().expect("the broken item kept its id"),
            )
        })
        .collect();
    quarantined.sort();
    assert_eq!(
        missing, quarantined,
        "exactly the broken items are missing, everything else of their pages is kept"
    );
    for q in &quarantine {
        assert!(!q.reason.is_empty());
        assert!(
            q.raw.contains("12345") || q.raw.contains("false"),
            "the raw payload as received: {}",
            q.raw
        );
    }
    assert!(
        want.len() > 20,
        "the pages had content ({} items)",
        want.len()
    );
}
