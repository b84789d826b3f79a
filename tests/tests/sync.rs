//! Sync stories against the real sandbox over loopback, with a real SQLite file: budgets (no
//! 429s over a compressed hour), throttles, tokens, faults, and crash safety (the `chancery
//! sync` process killed with SIGKILL and restarted). Every loop is bounded by count and time.

#[path = "sync/rig.rs"]
mod rig;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

use chancery_model::accounts::Network;
use chancery_model::inbox::InboxFilter;
use chancery_sandbox::{FaultKind, FaultRule, RecordedRequest, SandboxConfig};
use chancery_sync::{BudgetKey, SyncEvent};
use chrono::Utc;
use rig::{at, fast_config, Rig};

fn is_throttle(r: &RecordedRequest) -> bool {
    // X: 429. Graph: throttling errors are HTTP 400 with codes 4/17/32/613/80001 (our requests
    // are otherwise never 400).
    r.status == 429 || (r.endpoint.starts_with("graph.") && r.status == 400)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compressed_hour_of_120_x_accounts_and_120_pages_has_no_429s() {
    // One virtual hour per real minute. Pages allow only 80 calls an hour (less than the
    // client's own cap of 100): the usage headers must hold the client back.
    let cfg = SandboxConfig::default()
        .seed(3)
        .time_scale(60.0)
        .history_days(2)
        .request_log_capacity(500_000)
        .graph_page_hourly_limit(Some(80));
    let rig = Rig::start(cfg, None, None).await;
    let mut config = fast_config(60.0);
    config.comments_post_horizon = Duration::from_secs(6 * 3600);
    let engine = rig.engine(config.clone()).await;

    // Warm-up: the newest page of every stream (bounded at 45 s).
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let warm = tokio::spawn({
        let e = engine.clone();
        async move { e.run_cycle(false, Some(stop_rx)).await }
    });
    tokio::time::sleep(Duration::from_secs(45)).await;
    let _ = stop_tx.send(true);
    let warm = warm.await.unwrap();
    let warm_log = rig.log();
    let seq0 = warm_log.iter().map(|r| r.seq).max().unwrap_or(0);
    let warm_throttles = warm_log.iter().filter(|r| is_throttle(r)).count();

    // Steady state: one compressed hour.
    let t0 = Utc::now();
    let running = engine.start();
    tokio::time::sleep(Duration::from_secs(60)).await;
    let report = running.stop().await;
    let t1 = Utc::now();
    let log: Vec<RecordedRequest> = rig.log().into_iter().filter(|r| r.seq > seq0).collect();

    let x429 = log.iter().filter(|r| r.status == 429).count();
    let graph_throttles = log
        .iter()
        .filter(|r| is_throttle(r) && r.endpoint.starts_with("graph."))
        .count();
    let x_calls: Vec<_> = log
        .iter()
        .filter(|r| r.endpoint == "x.mentions")
        .map(at)
        .collect();
    // The app-level cap (450 per 15 virtual minutes = 15 real seconds), from the sandbox's log.
    let mut worst_window = 0;
    for (i, a) in x_calls.iter().enumerate() {
        let n = x_calls[i..]
            .iter()
            .take_while(|b| **b < *a + chrono::Duration::seconds(15))
            .count();
        worst_window = worst_window.max(n);
    }
    // Staleness: every X account read at least every 15 virtual minutes (+ a request's time).
    let mut worst_gap = chrono::Duration::zero();
    for (id, ext, network, _) in &rig.accounts {
        let _ = id;
        if *network != Network::X {
            continue;
        }
        let mut times: Vec<_> = log
            .iter()
            .filter(|r| r.account_id.as_deref() == Some(ext.as_str()))
            .map(at)
            .collect();
        times.sort();
        let mut prev = t0;
        for t in times.iter().chain(std::iter::once(&t1)) {
            worst_gap = worst_gap.max(*t - prev);
            prev = *t;
        }
    }
    let pages_served: HashSet<&str> = log
        .iter()
        .filter(|r| r.endpoint.starts_with("graph.") && r.status == 200)
        .filter_map(|r| r.account_id.as_deref())
        .collect();
    eprintln!(
        "steady hour: {} requests ({} X, {} Graph), items {}, X 429s {x429}, Graph throttles {graph_throttles}, \
         worst X 15-min window {worst_window}, worst X staleness {} s, pages served {}; warm-up: {} requests, \
         throttles {warm_throttles}, complete {}",
        log.len(),
        x_calls.len(),
        log.len() - x_calls.len(),
        report.totals.x.items + report.totals.facebook.items,
        worst_gap.num_milliseconds() as f64 / 1000.0,
        pages_served.len(),
        warm_log.len(),
        warm.complete,
    );
    assert_eq!(x429, 0, "no 429 in steady state");
    assert_eq!(
        graph_throttles, 0,
        "no Graph throttling error in steady state"
    );
    assert_eq!(warm_throttles, 0, "none during the warm-up either");
    assert!(
        worst_window <= 396,
        "X app cap: {worst_window} mention reads in 15 virtual minutes"
    );
    assert!(
        worst_gap <= chrono::Duration::milliseconds(16_500),
        "an X account waited {worst_gap:?}"
    );
    assert_eq!(pages_served.len(), 120, "every Page was read in the hour");
    assert!(report.totals.x.items > 0 && report.totals.facebook.items > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_429_or_a_throttle_it_waits_for_the_reset() {
    let cfg = SandboxConfig::default()
        .seed(4)
        .time_scale(60.0)
        .history_days(1)
        .request_log_capacity(200_000);
    let rig = Rig::start(cfg, Some(&[30, 31, 32, 33]), Some(&[30, 31, 32, 33])).await;
    let engine = rig.engine(fast_config(60.0)).await;
    let (xa, xa_ext, ..) = rig.account(Network::X, 0).clone();
    let (pa, pa_ext, ..) = rig.account(Network::Facebook, 0).clone();
    let (_, pb_ext, ..) = rig.account(Network::Facebook, 1).clone();
    let mut events = engine.subscribe();
    rig.sandbox
        .add_fault(
            FaultRule::new("x.mentions", FaultKind::RateLimit)
                .account(xa_ext.clone())
                .count(1),
        )
        .unwrap();
    rig.sandbox
        .add_fault(
            FaultRule::new("graph.feed", FaultKind::RateLimit)
                .account(pa_ext.clone())
                .count(1),
        )
        .unwrap();
    let running = engine.start();
    // Collect the throttle events (bounded: 75 s, 10 000 events).
    let mut throttles: HashMap<BudgetKey, chrono::DateTime<Utc>> = HashMap::new();
    let mut app_fault_added = false;
    let mut app_known_seq = None;
    let deadline = Instant::now() + Duration::from_secs(75);
    let mut n = 0;
    while Instant::now() < deadline && n < 10_000 {
        n += 1;
        if let Ok(Ok(SyncEvent::Throttled { budget, until, .. })) =
            tokio::time::timeout(Duration::from_millis(500), events.recv()).await
        {
            if budget == BudgetKey::FbApp && !throttles.contains_key(&budget) {
                // Requests the engine sent before the throttle's answer reached it are still
                // on their way; give them time to land, then mark the log: from here on the
                // engine knows, and must send no Graph call until the throttle lifts.
                tokio::time::sleep(Duration::from_millis(300)).await;
                app_known_seq = rig.log().last().map(|r| r.seq);
            }
            throttles.entry(budget).or_insert(until);
        }
        if !app_fault_added && throttles.contains_key(&BudgetKey::FbPage(pa)) {
            // Then an app-level throttle (code 4) on another Page.
            rig.sandbox
                .add_fault(
                    FaultRule::new(
                        "graph.*",
                        FaultKind::GraphError {
                            code: 4,
                            subcode: None,
                        },
                    )
                    .account(pb_ext.clone())
                    .count(1),
                )
                .unwrap();
            app_fault_added = true;
        }
        // Done once all three throttles were seen and have lifted, with time to carry on.
        let keys = [
            BudgetKey::XUser(xa),
            BudgetKey::FbPage(pa),
            BudgetKey::FbApp,
        ];
        if keys.iter().all(|k| throttles.contains_key(k))
            && throttles
                .values()
                .all(|u| Utc::now() > *u + chrono::Duration::seconds(3))
        {
            break;
        }
    }
    running.stop().await;
    let log = rig.log();
    // X: the 429, then nothing for that account before the reset the headers gave.
    let x429 = log
        .iter()
        .find(|r| r.account_id.as_deref() == Some(xa_ext.as_str()) && r.status == 429)
        .expect("the 429 happened");
    let until = throttles[&BudgetKey::XUser(xa)];
    let next = log
        .iter()
        .find(|r| r.seq > x429.seq && r.account_id.as_deref() == Some(xa_ext.as_str()))
        .expect("it carried on");
    eprintln!(
        "X 429 at {}, wait until {until}, next request at {}",
        x429.at, next.at
    );
    assert!(until > at(x429), "the reset is in the future");
    assert!(
        at(next) >= until - chrono::Duration::milliseconds(1),
        "no request before the reset"
    );
    // Graph page throttle (80001 with estimated_time_to_regain_access): that Page waits, others go on.
    let pt = log
        .iter()
        .find(|r| r.account_id.as_deref() == Some(pa_ext.as_str()) && r.status == 400)
        .expect("the page throttle happened");
    let page_until = throttles[&BudgetKey::FbPage(pa)];
    assert!(
        page_until.signed_duration_since(at(pt)) >= chrono::Duration::seconds(55),
        "regain time honoured: {page_until} vs {}",
        pt.at
    );
    let page_during = log
        .iter()
        .filter(|r| {
            r.seq > pt.seq && r.account_id.as_deref() == Some(pa_ext.as_str()) && at(r) < page_until
        })
        .count();
    let others_during = log
        .iter()
        .filter(|r| {
            r.seq > pt.seq
                && r.endpoint.starts_with("graph.")
                && r.account_id.as_deref() != Some(pa_ext.as_str())
                && at(r) < page_until
        })
        .count();
    assert_eq!(page_during, 0, "the throttled Page was left alone");
    assert!(others_during > 0, "the other Pages carried on");
    // Graph app throttle (code 4): no Graph call at all until it lifts.
    let app_until = *throttles
        .get(&BudgetKey::FbApp)
        .expect("the app throttle was reported");
    let app_t = log
        .iter()
        .find(|r| r.account_id.as_deref() == Some(pb_ext.as_str()) && r.status == 400)
        .expect("the app throttle happened");
    // Calls already sent when the throttle came back (other Pages' requests in flight) are at
    // most the engine's concurrency less the one that was throttled; once the engine knows,
    // no Graph call at all until the throttle lifts.
    let known = app_known_seq.expect("the app throttle was seen");
    let graph_during = |from: u64, to: u64| {
        log.iter()
            .filter(|r| {
                r.seq > from && r.seq <= to && r.endpoint.starts_with("graph.") && at(r) < app_until
            })
            .count()
    };
    let in_flight = graph_during(app_t.seq, known);
    let concurrency = fast_config(60.0).max_concurrency;
    assert!(
        in_flight < concurrency,
        "{in_flight} Graph calls after the throttle, before the engine knew (at most {} in flight)",
        concurrency - 1
    );
    assert!(
        at(log.iter().find(|r| r.seq == known).unwrap()) < app_until,
        "the throttle outlasts the grace the test gives in-flight calls"
    );
    assert_eq!(graph_during(known, u64::MAX), 0, "the whole app waited");
    let x_during = log
        .iter()
        .filter(|r| r.seq > app_t.seq && r.endpoint == "x.mentions" && at(r) < app_until)
        .count();
    assert!(x_during > 0, "X was not held up by Facebook's throttle");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_refreshes_once_and_a_dead_sign_in_only_stops_its_account() {
    let cfg = SandboxConfig::default()
        .seed(5)
        .time_scale(60.0)
        .history_days(1)
        .request_log_capacity(200_000);
    let rig = Rig::start(cfg, Some(&[40, 41, 42]), Some(&[40, 41])).await;
    let engine = rig.engine(fast_config(60.0)).await;
    let (_, a_ext, ..) = rig.account(Network::X, 0).clone();
    let (b, b_ext, ..) = rig.account(Network::X, 1).clone();
    let (c, c_ext, ..) = rig.account(Network::Facebook, 0).clone();
    let (_, d_ext, ..) = rig.account(Network::Facebook, 1).clone();
    // A: its access token is revoked by the next call (the refresh token still works).
    rig.sandbox
        .add_fault(
            FaultRule::new("x.mentions", FaultKind::RevokeToken)
                .account(a_ext.clone())
                .count(1),
        )
        .unwrap();
    // B: the whole grant is revoked (refresh will fail).
    let b_refresh = match &rig
        .manifest
        .accounts
        .iter()
        .find(|m| m.id == b_ext)
        .unwrap()
        .credentials
    {
        chancery_sandbox::Credentials::XUser { refresh_token, .. } => refresh_token.clone(),
        _ => unreachable!(),
    };
    let http = reqwest::Client::new();
    let r = http
        .post(&rig.manifest.x.revoke_url)
        .form(&[
            ("token", b_refresh.as_str()),
            ("client_id", rig.manifest.x.client_id.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    // C: Facebook says the Page token is dead (190, password changed).
    rig.sandbox
        .add_fault(
            FaultRule::new(
                "graph.*",
                FaultKind::GraphError {
                    code: 190,
                    subcode: Some(460),
                },
            )
            .account(c_ext.clone()),
        )
        .unwrap();
    let mut events = engine.subscribe();
    let running = engine.start();
    let mut reauth = HashSet::new();
    let deadline = Instant::now() + Duration::from_secs(25);
    let mut n = 0;
    while Instant::now() < deadline && n < 20_000 {
        n += 1;
        if let Ok(Ok(SyncEvent::NeedsReauth { account_id, .. })) =
            tokio::time::timeout(Duration::from_millis(500), events.recv()).await
        {
            reauth.insert(account_id);
        }
    }
    let status = engine.status();
    running.stop().await;
    let log = rig.log();
    let by = |ext: &str| {
        log.iter()
            .filter(|r| r.account_id.as_deref() == Some(ext))
            .collect::<Vec<_>>()
    };
    let refreshes: Vec<_> = log
        .iter()
        .filter(|r| r.endpoint == "x.oauth_token")
        .collect();
    let a_calls = by(&a_ext);
    let b_calls = by(&b_ext);
    let c_calls = by(&c_ext);
    let d_calls = by(&d_ext);
    eprintln!(
        "A: {} calls ({} x 401), B: {} calls, C: {} calls, D: {} calls, token endpoint: {} calls, reauth {:?}",
        a_calls.len(),
        a_calls.iter().filter(|r| r.status == 401).count(),
        b_calls.len(),
        c_calls.len(),
        d_calls.len(),
        refreshes.len(),
        reauth.len()
    );
    // A: one 401, one refresh, then carries on.
    assert_eq!(a_calls.iter().filter(|r| r.status == 401).count(), 1);
    assert!(
        a_calls.iter().filter(|r| r.status == 200).count() >= 3,
        "A carried on after the refresh"
    );
    // B: one 401, one refresh attempt (refused), needs re-auth, then silence.
    assert_eq!(b_calls.len(), 1, "B: one call, no tight loop");
    assert_eq!(refreshes.len(), 2, "one refresh for A, one attempt for B");
    // C: one 190, needs re-auth, then silence (no retries of a dead token).
    assert_eq!(c_calls.len(), 1, "C: one call");
    assert_eq!(reauth, HashSet::from([b, c]));
    assert!(rig.tokens.needs_reauth(b).is_some() && rig.tokens.needs_reauth(c).is_some());
    let st: BTreeMap<_, _> = status
        .accounts
        .iter()
        .map(|a| (a.account_id, a.state))
        .collect();
    assert_eq!(st[&b], chancery_sync::AccountSyncState::NeedsReauth);
    assert_eq!(st[&c], chancery_sync::AccountSyncState::NeedsReauth);
    // The others carried on.
    assert!(
        d_calls.iter().filter(|r| r.status == 200).count() >= 4,
        "D carried on"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_are_retried_with_backoff_and_do_not_hold_up_others() {
    let cfg = SandboxConfig::default()
        .seed(6)
        .time_scale(60.0)
        .history_days(1)
        .request_log_capacity(200_000);
    let rig = Rig::start(
        cfg,
        Some(&[50, 51, 52, 53, 54, 55]),
        Some(&[50, 51, 52, 53]),
    )
    .await;
    let mut config = fast_config(60.0);
    config.max_retries = 3;
    let engine = rig.engine(config).await;
    let (_, hang, ..) = rig.account(Network::X, 0).clone();
    let (broken, broken_ext, ..) = rig.account(Network::X, 1).clone();
    // Random 5xx, resets and unreadable bodies everywhere; one account hangs twice; one is
    // broken for good.
    rig.sandbox
        .add_fault(FaultRule::new("x.mentions", FaultKind::Status { status: 503 }).probability(0.3))
        .unwrap();
    rig.sandbox
        .add_fault(FaultRule::new("graph.*", FaultKind::Reset).probability(0.1))
        .unwrap();
    rig.sandbox
        .add_fault(FaultRule::new("graph.*", FaultKind::Malformed).probability(0.1))
        .unwrap();
    rig.sandbox
        .add_fault(
            FaultRule::new("x.mentions", FaultKind::Timeout)
                .account(hang.clone())
                .count(2),
        )
        .unwrap();
    rig.sandbox
        .add_fault(
            FaultRule::new("x.mentions", FaultKind::Status { status: 500 })
                .account(broken_ext.clone()),
        )
        .unwrap();
    let t0 = Instant::now();
    let report = tokio::time::timeout(Duration::from_secs(120), engine.run_cycle(false, None))
        .await
        .expect("the cycle ends");
    let took = t0.elapsed();
    let status = engine.status();
    let log = rig.log();
    // Bounded retries: never more than 1 + max_retries failures in a row per account and endpoint.
    let mut runs: HashMap<(String, String), (u32, u32)> = HashMap::new();
    for r in &log {
        let key = (r.account_id.clone().unwrap_or_default(), r.endpoint.clone());
        let e = runs.entry(key).or_insert((0, 0));
        if r.status >= 500 || r.fault.as_deref().is_some_and(|f| f != "latency") {
            e.0 += 1;
            e.1 = e.1.max(e.0);
        } else {
            e.0 = 0;
        }
    }
    let worst = runs.values().map(|v| v.1).max().unwrap_or(0);
    let broken_calls = log
        .iter()
        .filter(|r| r.account_id.as_deref() == Some(broken_ext.as_str()))
        .count();
    // Others were not held up by the hanging account: their first success came before its
    // two timeouts (2 × 3 s) were over.
    let first_ok_other = log
        .iter()
        .filter(|r| r.status == 200 && r.account_id.as_deref() != Some(hang.as_str()))
        .map(at)
        .min()
        .unwrap();
    let first = log.iter().map(at).min().unwrap();
    eprintln!(
        "faults: cycle {:?}, complete {}, {} requests, {} errors, worst failure run {worst}, broken account {broken_calls} calls",
        took,
        report.complete,
        log.len(),
        report.totals.x.errors + report.totals.facebook.errors
    );
    assert!(report.complete, "the cycle completed despite the faults");
    assert!(worst <= 4, "at most 1 + 3 retries in a row, saw {worst}");
    assert_eq!(
        broken_calls, 4,
        "the broken account: one try and three retries, then it waits its turn"
    );
    let b = status
        .accounts
        .iter()
        .find(|a| a.account_id == broken)
        .unwrap();
    assert!(
        b.last_error.is_some(),
        "the error is recorded for the dashboard"
    );
    assert!(
        first_ok_other - first < chrono::Duration::seconds(3),
        "others were served while one account hung"
    );
    // With 30% of X reads failing, one account can use up its retries in a cycle (0.3^4 each)
    // and wait its turn like the broken one; the next cycles serve it. At most two more.
    let unsynced = |s: &chancery_sync::SyncStatus| {
        s.accounts
            .iter()
            .any(|a| a.account_id != broken && a.last_success.is_none())
    };
    for _ in 0..2 {
        if !unsynced(&engine.status()) {
            break;
        }
        tokio::time::timeout(Duration::from_secs(120), engine.run_cycle(false, None))
            .await
            .expect("the cycle ends");
    }
    for a in &engine.status().accounts {
        if a.account_id != broken {
            assert!(a.last_success.is_some(), "{} was synced", a.handle);
        }
    }
}

/// Every (external id, created) stored for an account.
async fn stored(
    store: &chancery_store::Store,
    account: chancery_model::accounts::AccountId,
) -> Vec<(
    String,
    chrono::DateTime<Utc>,
    chancery_model::items::ItemKind,
)> {
    let filter = InboxFilter {
        account_ids: vec![account],
        include_deleted: true,
        ..InboxFilter::default()
    };
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10_000 {
        let page = store
            .inbox_page(&filter, cursor.as_deref(), 500)
            .await
            .unwrap();
        out.extend(
            page.items
                .into_iter()
                .map(|i| (i.external_id, i.created_at, i.kind)),
        );
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_sync_process_loses_and_duplicates_nothing() {
    use chancery_model::items::{ItemKind, SyncStream};
    use chancery_sync::cursor::{claim, Claim};
    // The sandbox clock almost frozen (1 virtual second per 100 real): the truth is fixed.
    let cfg = SandboxConfig::default()
        .seed(7)
        .time_scale(0.01)
        .history_days(2)
        .request_log_capacity(0)
        .crisis(None);
    let sb = chancery_sandbox::Sandbox::start(cfg, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let manifest = sb.manifest();
    let dir = tempfile::TempDir::new().unwrap();
    let manifest_path = dir.path().join("manifest.json");
    std::fs::write(&manifest_path, serde_json::to_vec(&manifest).unwrap()).unwrap();
    let xs: Vec<&str> = manifest
        .accounts
        .iter()
        .filter(|a| a.network == chancery_sandbox::Network::X)
        .map(|a| a.username.as_str())
        .collect();
    let fbs: Vec<&str> = manifest
        .accounts
        .iter()
        .filter(|a| a.network == chancery_sandbox::Network::Facebook)
        .map(|a| a.username.as_str())
        .collect();
    let chosen = [xs[2], xs[5], xs[12], fbs[1], fbs[5], fbs[20]].join(",");
    let bin = chancery_tests::chancery_bin();
    let run = |data: &std::path::Path| {
        let mut c = std::process::Command::new(&bin);
        c.arg("--data-dir")
            .arg(data)
            .arg("--json")
            .arg("sync")
            .arg("--once")
            .arg("--rehearsal")
            .arg(&manifest_path)
            .arg("--accounts")
            .arg(&chosen)
            .arg("--horizon-days")
            .arg("1")
            .arg("--x-app-cap")
            .arg("100000")
            .arg("--fb-page-cap")
            .arg("100000")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        c
    };
    // The truth: one clean run to the end.
    let truth_dir = dir.path().join("truth");
    let ok = tokio::time::timeout(
        Duration::from_secs(120),
        tokio::process::Command::from(run(&truth_dir)).status(),
    )
    .await
    .expect("the clean run ends")
    .unwrap();
    assert!(ok.success());
    let truth_store = chancery_store::Store::open(truth_dir.join("chancery.db"))
        .await
        .unwrap();
    let mut truth: BTreeMap<String, Vec<(String, chrono::DateTime<Utc>, ItemKind)>> =
        BTreeMap::new();
    for l in truth_store.list_accounts().await.unwrap() {
        truth.insert(
            l.account.handle.clone(),
            stored(&truth_store, l.account.id).await,
        );
    }
    let truth_total: usize = truth.values().map(Vec::len).sum();
    assert!(
        truth_total > 500,
        "a meaningful amount of data: {truth_total}"
    );
    truth_store.close().await;

    // Kill it at random points, restart, check the invariant after every kill.
    let data = dir.path().join("killed");
    let mut kills = 0;
    let mut checks = 0;
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let t0 = Instant::now();
    let mut attempts = 0;
    while kills < 25 && attempts < 200 && t0.elapsed() < Duration::from_secs(240) {
        attempts += 1;
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let after = Duration::from_millis(100 + seed % 900);
        let mut child = run(&data).spawn().unwrap();
        std::thread::sleep(after);
        if child.try_wait().unwrap().is_some() {
            // Finished before the kill: start again from an empty cache for more kills.
            let _ = std::fs::remove_dir_all(&data);
            continue;
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        kills += 1;
        // The invariant: a cursor never claims an item that is not stored.
        let store = chancery_store::Store::open(data.join("chancery.db"))
            .await
            .unwrap();
        for l in store.list_accounts().await.unwrap() {
            let have: HashSet<String> = stored(&store, l.account.id)
                .await
                .into_iter()
                .map(|(e, ..)| e)
                .collect();
            let t = &truth[&l.account.handle];
            for c in store.list_cursors(l.account.id).await.unwrap() {
                let claimed: Vec<&String> = match claim(c.stream, &c) {
                    Claim::Nothing => Vec::new(),
                    Claim::XIds { low, high } => t
                        .iter()
                        .filter(|(e, ..)| {
                            e.parse::<u64>()
                                .is_ok_and(|n| n <= high && low.is_none_or(|l| n >= l))
                        })
                        .map(|(e, ..)| e)
                        .collect(),
                    Claim::Times { low, high }
                        if c.stream == SyncStream::FbFeed || c.stream == SyncStream::FbTagged =>
                    {
                        t.iter()
                            .filter(|(_, ts, kind)| {
                                let want = if c.stream == SyncStream::FbFeed {
                                    ItemKind::FbVisitorPost
                                } else {
                                    ItemKind::FbTaggedPost
                                };
                                *kind == want && *ts < high && low.is_none_or(|lo| *ts >= lo)
                            })
                            .map(|(e, ..)| e)
                            .collect()
                    }
                    _ => Vec::new(),
                };
                for e in claimed {
                    assert!(
                        have.contains(e),
                        "kill {kills}: the {} cursor of @{} claims {e}, which is not stored",
                        c.stream.as_str(),
                        l.account.handle
                    );
                    checks += 1;
                }
            }
        }
        store.close().await;
    }
    // A last run to the end; then the cache must equal the truth.
    let ok = tokio::time::timeout(
        Duration::from_secs(120),
        tokio::process::Command::from(run(&data)).status(),
    )
    .await
    .expect("the last run ends")
    .unwrap();
    assert!(ok.success());
    let store = chancery_store::Store::open(data.join("chancery.db"))
        .await
        .unwrap();
    let cut = Utc::now() - chrono::Duration::days(1) + chrono::Duration::minutes(10);
    let mut lost = 0;
    let mut extra = 0;
    let mut total = 0;
    for l in store.list_accounts().await.unwrap() {
        let items = stored(&store, l.account.id).await;
        let ids: Vec<&String> = items.iter().map(|(e, ..)| e).collect();
        let unique: HashSet<&String> = ids.iter().copied().collect();
        assert_eq!(
            unique.len(),
            ids.len(),
            "no duplicates for @{}",
            l.account.handle
        );
        // Backfill stops one day back from *now*, which moved between the runs: compare from a
        // little after the later cut.
        let t: HashSet<&String> = truth[&l.account.handle]
            .iter()
            .filter(|(_, ts, _)| *ts >= cut)
            .map(|(e, ..)| e)
            .collect();
        let unique: HashSet<&String> = items
            .iter()
            .filter(|(_, ts, _)| *ts >= cut)
            .map(|(e, ..)| e)
            .collect();
        lost += t.difference(&unique).count();
        extra += unique.difference(&t).count();
        total += unique.len();
    }
    assert!(store.list_quarantine(None, 10).await.unwrap().is_empty());
    store.close().await;
    eprintln!("crash safety: {kills} kills, {checks} cursor claims checked, {total} items, {lost} lost, {extra} beyond the truth, {:?}", t0.elapsed());
    assert!(kills >= 10, "enough kills happened: {kills}");
    assert_eq!(lost, 0, "no item lost");
    // The sandbox clock moves a little (1/100 of real time): a few newer items may exist.
    assert!(extra <= 20, "{extra} items beyond the truth");
    sb.shutdown().await;
}
