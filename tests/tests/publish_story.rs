//! Stories of the publisher against the sandbox over loopback: a real SQLite file, the real
//! keyring (run inside a D-Bus session with gnome-keyring, see `scripts/test`), real HTTP.
//!
//! Every check of "what went out" reads the sandbox's request log (the network's own record)
//! and the accounts' timelines through the network API, never the app's opinion of itself.

#[path = "publish_story/rig.rs"]
mod rig;

use std::collections::HashSet;

use chancery_core::publish::EntryOutcome;
use chancery_core::CoreEvent;
use chancery_model::drafts::TargetRef;
use chancery_model::outbox::OutboxState;
use chrono::Utc;
use rig::{drain, quiet_sandbox, unique, Rig};

/// An officer drafts one statement for 30 accounts (X and Facebook), submits it; the
/// ambassador approves it, then the digital lead; it goes out once to each account, and a
/// second run sends nothing more.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_accounts_approved_twice_published_once_each() {
    let rig = Rig::start(quiet_sandbox()).await;
    let accounts: Vec<_> = rig.accounts().await.into_iter().take(30).collect();
    assert_eq!(accounts.len(), 30);
    assert!(accounts
        .iter()
        .any(|a| a.network == chancery_model::accounts::Network::Facebook));
    let text = unique("Statement on the floods: our thoughts are with everyone affected.");
    let mut events = rig.app.subscribe();
    let draft = rig
        .approved(rig.content(
            &text,
            accounts.iter().map(|a| TargetRef::Account(a.id)).collect(),
        ))
        .await;
    assert_eq!(rig.outbox_of(&draft).await.len(), 30);

    let report = rig.publish_once().await;
    assert_eq!(report.count(EntryOutcome::Sent), 30, "{report:#?}");

    // The network's record: exactly one successful create per account, none elsewhere.
    let created = rig.created_per_account();
    let ours: HashSet<String> = accounts
        .iter()
        .map(|a| a.external_id.clone().unwrap())
        .collect();
    for a in &accounts {
        let n = created
            .get(a.external_id.as_deref().unwrap())
            .map_or(0, Vec::len);
        assert_eq!(n, 1, "@{} got {n} posts", a.handle);
    }
    assert!(
        created.keys().all(|k| ours.contains(k)),
        "{:?}",
        created.keys()
    );
    assert_eq!(
        rig.create_requests().len(),
        30,
        "no failed or repeated attempt either"
    );
    // The accounts' own timelines show it once.
    for a in &accounts {
        assert_eq!(rig.posts_with_text(a, &text).await, 1, "@{}", a.handle);
    }
    // The outbox agrees, with the networks' ids.
    let outbox = rig.outbox_of(&draft).await;
    assert!(outbox
        .iter()
        .all(|e| e.state == OutboxState::Sent && e.external_post_id.is_some()));
    // The author heard about each.
    let published = drain(&mut events)
        .into_iter()
        .filter(|e| matches!(e, CoreEvent::PostPublished { author_id, .. } if author_id == &rig.people.officer))
        .count();
    assert_eq!(published, 30);

    // A second run sends nothing.
    let again = rig.publish_once().await;
    assert!(again.entries.is_empty(), "{again:#?}");
    assert_eq!(rig.create_requests().len(), 30);
    let v = rig.app.verify_audit().await.unwrap();
    assert!(v.ok, "{v:?}");
    let _ = Utc::now();
}

/// Runs `chancery publish` on the rig's workspace as a child process.
fn publish_child(
    bin: &std::path::Path,
    data_dir: &std::path::Path,
    args: &[&str],
    failpoint: Option<&str>,
) -> std::process::Child {
    let mut c = std::process::Command::new(bin);
    c.arg("--data-dir")
        .arg(data_dir)
        .arg("--json")
        .arg("publish")
        .args(args)
        .args([
            "--concurrency",
            "4",
            "--poll",
            "50ms",
            "--reconcile-settle",
            "200ms",
        ])
        .env_remove(chancery_core::publish::failpoint::ENV)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    if let Some(f) = failpoint {
        c.env(chancery_core::publish::failpoint::ENV, f);
    }
    c.spawn().unwrap()
}

/// Waits for `child` at most `limit`; kills it (SIGKILL) past that.
fn wait_bounded(
    mut child: std::process::Child,
    limit: std::time::Duration,
) -> (std::process::ExitStatus, String, String) {
    let started = std::time::Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A crash in the middle of publishing leaves no duplicate and loses nothing.
///
/// 36 posts (3 drafts, one with an image, to 6 X accounts and 6 Pages) are published by
/// `chancery publish --once` child processes against the sandbox this test runs. The child is
/// aborted at every failpoint in turn (after claiming, right before the creating request,
/// after the network created the post but before it was recorded, after recording, and in the
/// middle of reconciling), then killed with SIGKILL at random moments (bounded count and
/// time), then left to finish. The sandbox's request log must show exactly one successful
/// create per post, and each account's timeline each text exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_crash_at_every_step_of_publishing_leaves_no_duplicate_and_loses_nothing() {
    use chancery_core::publish::failpoint;
    use chancery_model::accounts::Network;
    use std::os::unix::process::ExitStatusExt;
    use std::time::{Duration, Instant};

    let bin = rig::chancery_bin();
    let rig = Rig::start(quiet_sandbox()).await;
    // Latency on every request, so that kills land in the middle of sends.
    rig.sandbox
        .add_fault("endpoint=*,kind=latency:uniform:10:80".parse().unwrap())
        .unwrap();
    let x = rig.accounts_of(Network::X).await;
    let fb = rig.accounts_of(Network::Facebook).await;
    let targets: Vec<_> = x.iter().take(6).chain(fb.iter().take(6)).cloned().collect();
    let refs: Vec<TargetRef> = targets.iter().map(|a| TargetRef::Account(a.id)).collect();
    let texts: Vec<String> = (1..=3)
        .map(|i| {
            unique(&format!(
                "Consular update {i}: the embassy is open as usual."
            ))
        })
        .collect();
    let png = rig.attach("flag.png", &rig::PNG_1X1).await;
    let mut drafts = Vec::new();
    for (i, t) in texts.iter().enumerate() {
        let mut c = rig.content(t, refs.clone());
        if i == 1 {
            c.media = vec![png.clone()];
        }
        drafts.push(rig.approved(c).await);
    }
    let expected = targets.len() * texts.len();
    let data_dir = rig.dir.path().to_path_buf();

    // 1. A crash at each step, in turn. Each run must really crash there.
    let points = [
        format!("{}@3", failpoint::AFTER_CLAIM),
        format!("{}@2", failpoint::BEFORE_REQUEST),
        format!("{}@3", failpoint::AFTER_REQUEST_BEFORE_RECORD),
        format!("{}@1", failpoint::AFTER_RECONCILE_CHECK),
        format!("{}@2", failpoint::AFTER_RECORD),
        format!("{}@1", failpoint::AFTER_REQUEST_BEFORE_RECORD),
        format!("{}@1", failpoint::BEFORE_REQUEST),
    ];
    for spec in &points {
        let child = publish_child(&bin, &data_dir, &["--once"], Some(spec));
        let (status, _out, err) = wait_bounded(child, Duration::from_secs(60));
        let name = spec.split('@').next().unwrap();
        assert_eq!(
            status.signal(),
            Some(6),
            "the run with {spec} did not abort: {status:?}\n{err}"
        );
        assert!(err.contains(&format!("failpoint {name}")), "{err}");
    }

    // 2. SIGKILL at random moments (bounded: 8 kills, each within 1.5 s of the start).
    let mut seed: u64 = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("random kill seed {seed}");
    let mut kills = 0;
    for _ in 0..8 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let after = Duration::from_millis(150 + seed % 1350);
        let mut child = publish_child(&bin, &data_dir, &["--for", "20s"], None);
        std::thread::sleep(after);
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            kills += 1;
        }
        let _ = child.wait();
    }
    eprintln!("{kills} SIGKILLs landed");

    // 3. Left alone, it finishes (bounded: 3 runs).
    let started = Instant::now();
    let mut finished = false;
    for _ in 0..3 {
        let child = publish_child(&bin, &data_dir, &["--once"], None);
        let (status, out, err) = wait_bounded(child, Duration::from_secs(120));
        assert!(status.code().is_some(), "{status:?}\n{err}");
        let sent = rig
            .app
            .list_outbox(&chancery_core::outbox::OutboxFilter {
                states: vec![OutboxState::Sent],
                ..Default::default()
            })
            .await
            .unwrap()
            .len();
        if sent == expected {
            finished = true;
            break;
        }
        eprintln!("after a clean run: {sent}/{expected} sent\n{out}\n{err}");
    }
    assert!(
        finished,
        "not everything went out in {:?}",
        started.elapsed()
    );

    // The network's record: one successful create per post; nothing else was created.
    let created = rig.created_per_account();
    for a in &targets {
        let reqs = created
            .get(a.external_id.as_deref().unwrap())
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            reqs.len(),
            texts.len(),
            "@{} ({}) got {} posts: {:#?}",
            a.handle,
            a.network.as_str(),
            reqs.len(),
            reqs.iter()
                .map(|r| (&r.endpoint, &r.body, r.status))
                .collect::<Vec<_>>()
        );
        for t in &texts {
            assert_eq!(rig.posts_with_text(a, t).await, 1, "@{}: {t}", a.handle);
        }
    }
    assert_eq!(
        created.values().map(Vec::len).sum::<usize>(),
        expected,
        "no account outside the targets got anything"
    );
    // Every entry is sent, with a distinct network id.
    let mut ids = HashSet::new();
    for d in &drafts {
        for e in rig.outbox_of(d).await {
            assert_eq!(e.state, OutboxState::Sent, "{e:?}");
            assert!(ids.insert(e.external_post_id.clone().unwrap()), "{e:?}");
        }
    }
    // The crashes exercised both reconciliation outcomes.
    let mut json = Vec::new();
    rig.app
        .export_audit(chancery_core::audit::ExportFormat::Json, &mut json)
        .await
        .unwrap();
    let entries: Vec<serde_json::Value> = serde_json::from_slice(&json).unwrap();
    let count = |action: &str| entries.iter().filter(|e| e["action"] == action).count();
    eprintln!(
        "reconciled: {} found sent, {} found not sent; {} sends recorded",
        count("outbox.reconciled_sent"),
        count("outbox.reconciled_not_sent"),
        count("outbox.sent")
    );
    assert!(
        count("outbox.reconciled_sent") >= 2,
        "a post created before the crash was found"
    );
    assert!(
        count("outbox.reconciled_not_sent") >= 2,
        "a claim that never left was requeued"
    );
    assert_eq!(
        count("outbox.sent") + count("outbox.reconciled_sent"),
        expected
    );
    assert!(rig.app.verify_audit().await.unwrap().ok);
}

/// The ambassador rejects the first version; the officer rewrites and resubmits; both
/// approvals come in again; only the new text goes out, once per account.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rejection_and_resubmission_then_only_the_new_text_goes_out() {
    use chancery_model::drafts::DraftState;
    let rig = Rig::start(quiet_sandbox()).await;
    let accounts: Vec<_> = rig
        .accounts()
        .await
        .into_iter()
        .step_by(9)
        .take(4)
        .collect();
    let old = unique("Draft statement, too informal!!");
    let new = unique("The Ministry welcomes today's agreement.");
    let officer = rig.officer().await;
    let mut events = rig.app.subscribe();
    let now = Utc::now();
    let d = rig
        .app
        .create_draft(
            &officer,
            rig.content(
                &old,
                accounts.iter().map(|a| TargetRef::Account(a.id)).collect(),
            ),
            now,
        )
        .await
        .unwrap();
    let d = rig.app.submit(&officer, d.id, now).await.unwrap();
    let d = rig
        .app
        .reject(
            &rig.ambassador().await,
            d.id,
            "Too informal for a ministry",
            now,
        )
        .await
        .unwrap();
    assert_eq!(d.state, DraftState::Rejected);
    assert!(drain(&mut events).iter().any(|e| matches!(e,
        CoreEvent::DraftDecided { approved: false, reason: Some(r), author_id, .. }
            if r == "Too informal for a ministry" && author_id == &rig.people.officer)));
    // A rejected draft has no outbox entry: nothing goes out.
    let report = rig.publish_once().await;
    assert!(report.entries.is_empty(), "{report:#?}");
    assert!(rig.create_requests().is_empty());

    let mut c = d.content.clone();
    c.text = new.clone();
    let d = rig
        .app
        .edit_draft(&officer, d.id, Some(d.rev), c, Utc::now())
        .await
        .unwrap();
    let d = rig.app.resubmit(&officer, d.id, Utc::now()).await.unwrap();
    assert_eq!((d.state, d.round), (DraftState::InReview, 2));
    let d = rig
        .app
        .approve(&rig.ambassador().await, d.id, &d.content_hash, Utc::now())
        .await
        .unwrap();
    let d = rig
        .app
        .approve(&rig.digital_lead().await, d.id, &d.content_hash, Utc::now())
        .await
        .unwrap();
    assert_eq!(d.state, DraftState::Approved);
    let report = rig.publish_once().await;
    assert_eq!(
        report.count(EntryOutcome::Sent),
        accounts.len(),
        "{report:#?}"
    );
    for a in &accounts {
        assert_eq!(rig.posts_with_text(a, &new).await, 1);
        assert_eq!(rig.posts_with_text(a, &old).await, 0);
    }
    assert!(rig.create_requests().iter().all(|r| !r
        .body
        .as_deref()
        .unwrap_or("")
        .contains("informal")));
    assert_eq!(rig.create_requests().len(), accounts.len());
}

/// An edit after approval voids it: the queued posts are cancelled and nothing goes out
/// until the new text is approved again, by two people other than whoever edited it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_edit_after_approval_voids_it_and_the_editor_cannot_approve() {
    use chancery_model::drafts::DraftState;
    use chancery_model::ErrorCode;
    let rig = Rig::start(quiet_sandbox()).await;
    let accounts: Vec<_> = rig
        .accounts()
        .await
        .into_iter()
        .step_by(7)
        .take(4)
        .collect();
    let first = unique("Visa appointments resume on Monday.");
    let fixed = unique("Visa appointments resume on Tuesday.");
    let d = rig
        .approved(rig.content(
            &first,
            accounts.iter().map(|a| TargetRef::Account(a.id)).collect(),
        ))
        .await;
    let mut events = rig.app.subscribe();
    // The ambassador (a reviewer on every target) fixes the day after approval.
    let ambassador = rig.ambassador().await;
    let mut c = d.content.clone();
    c.text = fixed.clone();
    let d = rig
        .app
        .edit_draft(&ambassador, d.id, Some(d.rev), c, Utc::now())
        .await
        .unwrap();
    assert_eq!(d.state, DraftState::Editing);
    assert!(drain(&mut events)
        .iter()
        .any(|e| matches!(e, CoreEvent::ApprovalsVoided { .. })));
    assert!(rig
        .outbox_of(&d)
        .await
        .iter()
        .all(|e| e.state == OutboxState::Cancelled));
    let report = rig.publish_once().await;
    assert!(report.entries.is_empty(), "{report:#?}");
    assert!(
        rig.create_requests().is_empty(),
        "the voided approval sends nothing"
    );

    // The ambassador edited it, so cannot review it: with no other reviewer, it cannot even
    // be submitted again.
    let officer = rig.officer().await;
    let e = rig
        .app
        .submit(&officer, d.id, Utc::now())
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Validation, "{e}");
    assert!(
        e.to_string().contains("other than the draft's authors"),
        "{e}"
    );
    let reviewer = rig
        .app
        .store()
        .create_person(
            "Second Reviewer",
            "reviewer2@rehearsal.chancery.invalid",
            Utc::now(),
        )
        .await
        .unwrap();
    for g in rig.top_groups().await {
        rig.app
            .store()
            .grant_role(
                reviewer.id,
                g,
                chancery_model::accounts::Role::Reviewer,
                Utc::now(),
            )
            .await
            .unwrap();
    }
    let d = rig.app.submit(&officer, d.id, Utc::now()).await.unwrap();
    let e = rig
        .app
        .approve(&ambassador, d.id, &d.content_hash, Utc::now())
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden, "{e}");
    let d = rig
        .app
        .approve(
            &rig.actor(reviewer.id).await,
            d.id,
            &d.content_hash,
            Utc::now(),
        )
        .await
        .unwrap();
    let d = rig
        .app
        .approve(&rig.digital_lead().await, d.id, &d.content_hash, Utc::now())
        .await
        .unwrap();
    assert_eq!(d.state, DraftState::Approved);
    let report = rig.publish_once().await;
    assert_eq!(
        report.count(EntryOutcome::Sent),
        accounts.len(),
        "{report:#?}"
    );
    for a in &accounts {
        assert_eq!(rig.posts_with_text(a, &fixed).await, 1);
        assert_eq!(rig.posts_with_text(a, &first).await, 0);
    }
    assert_eq!(rig.create_requests().len(), accounts.len());
}

/// Nobody approves their own words: not the author (even holding the approver role), not
/// through any path; the publisher has nothing to send.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn self_approval_is_refused_and_nothing_goes_out() {
    use chancery_model::accounts::Role;
    use chancery_model::approvals::WorkflowAction;
    use chancery_model::ErrorCode;
    let rig = Rig::start(quiet_sandbox()).await;
    let a = rig.accounts().await.remove(0);
    // The officer is also made an approver and a reviewer everywhere.
    for g in rig.top_groups().await {
        for role in [Role::Approver, Role::Reviewer] {
            rig.app
                .store()
                .grant_role(rig.people.officer, g, role, Utc::now())
                .await
                .unwrap();
        }
    }
    let officer = rig.officer().await;
    let text = unique("My own statement");
    let d = rig
        .app
        .create_draft(
            &officer,
            rig.content(&text, vec![TargetRef::Account(a.id)]),
            Utc::now(),
        )
        .await
        .unwrap();
    let d = rig.app.submit(&officer, d.id, Utc::now()).await.unwrap();
    for action in [
        WorkflowAction::Approve {
            content_hash: d.content_hash.clone(),
        },
        WorkflowAction::Approve {
            content_hash: d.content_hash.clone(),
        },
    ] {
        let e = rig
            .app
            .act_on_draft(&officer, d.id, action, Utc::now())
            .await
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::Forbidden);
        assert!(
            e.to_string().contains("cannot approve a draft you wrote"),
            "{e}"
        );
    }
    assert!(rig.outbox_of(&d).await.is_empty());
    let report = rig.publish_once().await;
    assert!(report.entries.is_empty());
    assert!(rig.create_requests().is_empty());
}

/// A crisis pause holds a due post: nothing is sent while it holds; resuming lists it (its time
/// passed, so it stays held), an approver releases it, and it goes out once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_crisis_pause_holds_a_due_post_until_resumed_and_released() {
    use chancery_model::outbox::{HeldOutcome, PauseScope};
    use chancery_model::ErrorCode;
    let rig = Rig::start(quiet_sandbox()).await;
    let accounts: Vec<_> = rig
        .accounts()
        .await
        .into_iter()
        .step_by(5)
        .take(3)
        .collect();
    let text = unique("Celebrating our national day with friends worldwide.");
    let d = rig
        .approved(rig.content(
            &text,
            accounts.iter().map(|a| TargetRef::Account(a.id)).collect(),
        ))
        .await;
    // The post is due; an earthquake: the digital lead pauses everything before it goes out.
    let lead = rig.digital_lead().await;
    let pause = rig
        .app
        .start_pause(
            &lead,
            PauseScope::All,
            "Earthquake: all celebratory posts on hold",
            None,
            Utc::now(),
        )
        .await
        .unwrap();
    for _ in 0..3 {
        let report = rig.publish_once().await;
        assert!(
            report
                .entries
                .iter()
                .all(|e| e.outcome == EntryOutcome::HeldByPause),
            "{report:#?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        rig.create_requests().is_empty(),
        "nothing is sent while the pause holds"
    );
    assert!(rig
        .outbox_of(&d)
        .await
        .iter()
        .all(|e| e.state == OutboxState::Held));

    // Resume: its time has passed, so it is listed and stays held for a person to decide.
    let report = rig.app.resume(&lead, pause.id, Utc::now()).await.unwrap();
    assert_eq!(report.held.len(), accounts.len());
    assert!(report
        .held
        .iter()
        .all(|h| h.outcome == HeldOutcome::StillHeldPastTime));
    assert!(rig.publish_once().await.entries.is_empty());
    assert!(rig.create_requests().is_empty());
    // The officer may not release it; the digital lead (an approver) does.
    let officer = rig.officer().await;
    let e = rig
        .app
        .release_held(&officer, report.held[0].entry.id, Utc::now())
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden);
    for h in &report.held {
        rig.app
            .release_held(&lead, h.entry.id, Utc::now())
            .await
            .unwrap();
    }
    let sent = rig.publish_once().await;
    assert_eq!(sent.count(EntryOutcome::Sent), accounts.len(), "{sent:#?}");
    for a in &accounts {
        assert_eq!(rig.posts_with_text(a, &text).await, 1);
    }
    assert_eq!(rig.create_requests().len(), accounts.len());
}

/// Facebook blocks one Page for policy reasons (Graph code 368) and X refuses a duplicate:
/// each entry shows the network's reason in plain words, the author is told, nothing is
/// retried; the other accounts publish.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_policy_block_and_a_duplicate_show_the_networks_reason_in_plain_words() {
    use chancery_model::accounts::Network;
    use chancery_model::ErrorCode;
    use chancery_net::{Auth, NewPost};
    let rig = Rig::start(quiet_sandbox()).await;
    let x = rig.accounts_of(Network::X).await;
    let fb = rig.accounts_of(Network::Facebook).await;
    let (blocked, dup) = (&fb[0], &x[0]);
    let targets = [blocked, dup, &fb[1], &x[1]];
    let text = unique("Our consulate in the capital is closed today.");
    rig.sandbox
        .add_fault(
            format!(
                "endpoint=graph.create_post,account={},kind=graph_error:368",
                blocked.external_id.as_deref().unwrap()
            )
            .parse()
            .unwrap(),
        )
        .unwrap();
    // Someone already posted exactly this text from the X account, by hand.
    let token = rig.app.access_token(dup.id, Utc::now()).await.unwrap();
    rig.app
        .x_client()
        .create_post(&Auth::new(&token, "by hand"), &NewPost::text(text.clone()))
        .await
        .unwrap();
    let d = rig
        .approved(rig.content(
            &text,
            targets.iter().map(|a| TargetRef::Account(a.id)).collect(),
        ))
        .await;
    let mut events = rig.app.subscribe();
    let report = rig.publish_once().await;
    assert_eq!(report.count(EntryOutcome::Sent), 2, "{report:#?}");
    assert_eq!(report.count(EntryOutcome::Failed), 2, "{report:#?}");
    let outbox = rig.outbox_of(&d).await;
    let entry = |id| outbox.iter().find(|e| e.account_id == id).unwrap().clone();
    let policy = entry(blocked.id);
    assert_eq!(policy.state, OutboxState::Failed);
    assert_eq!(
        policy.last_error.as_deref(),
        Some("Facebook has temporarily blocked posting from this Page for policy reasons. Do not retry; check the Page's notifications on Facebook (Page quality) and wait for the block to end.")
    );
    let duplicate = entry(dup.id);
    assert_eq!(duplicate.state, OutboxState::Failed);
    assert_eq!(
        duplicate.last_error.as_deref(),
        Some("X says this account already posted exactly this text. Change the wording if it should go out again.")
    );
    let failed: Vec<CoreEvent> = drain(&mut events)
        .into_iter()
        .filter(|e| matches!(e, CoreEvent::PublishFailed { .. }))
        .collect();
    assert_eq!(failed.len(), 2, "{failed:#?}");
    for e in &failed {
        let CoreEvent::PublishFailed {
            author_id,
            code,
            error,
            retrying,
            ..
        } = e
        else {
            unreachable!()
        };
        assert_eq!(author_id, &rig.people.officer);
        assert_eq!(*code, ErrorCode::Rejected);
        assert!(!retrying);
        assert!(!error.contains("368") && !error.contains("403"), "{error}");
    }
    // Nothing is retried.
    let before = rig.create_requests().len();
    assert!(rig.publish_once().await.entries.is_empty());
    assert_eq!(rig.create_requests().len(), before);
    assert_eq!(
        rig.posts_with_text(dup, &text).await,
        1,
        "only the hand-made post"
    );
}

/// One X account's access is revoked (its grant, refresh token included) while 29 others
/// publish: its post is held (not failed) and the account marked for re-authorisation; the
/// others go out. Reconnected, the held post goes out, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_revoked_account_is_held_while_29_others_publish() {
    use chancery_core::connect::ConnectOptions;
    use chancery_model::accounts::{Network, TokenStatus};
    use chancery_model::outbox::HoldReason;
    use chancery_sandbox::Credentials;
    let rig = Rig::start(quiet_sandbox()).await;
    let accounts: Vec<_> = rig.accounts().await.into_iter().take(30).collect();
    let revoked = accounts
        .iter()
        .find(|a| a.network == Network::X)
        .unwrap()
        .clone();
    let m = rig
        .manifest
        .accounts
        .iter()
        .find(|m| Some(m.id.as_str()) == revoked.external_id.as_deref())
        .unwrap();
    let Credentials::XUser { refresh_token, .. } = &m.credentials else {
        panic!("an X account has X credentials")
    };
    // Someone withdraws Chancery's access to the account on x.com.
    let r = reqwest::Client::new()
        .post(&rig.manifest.x.revoke_url)
        .form(&[
            ("token", refresh_token.as_str()),
            ("token_type_hint", "refresh_token"),
            ("client_id", rig.manifest.x.client_id.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());

    let text = unique("Ministers meet in Geneva tomorrow.");
    let d = rig
        .approved(rig.content(
            &text,
            accounts.iter().map(|a| TargetRef::Account(a.id)).collect(),
        ))
        .await;
    let mut events = rig.app.subscribe();
    let report = rig.publish_once().await;
    assert_eq!(report.count(EntryOutcome::Sent), 29, "{report:#?}");
    assert_eq!(
        report.count(EntryOutcome::HeldNeedsReauth),
        1,
        "{report:#?}"
    );
    let held = rig
        .outbox_of(&d)
        .await
        .into_iter()
        .find(|e| e.account_id == revoked.id)
        .unwrap();
    assert_eq!(held.state, OutboxState::Held, "held, not failed");
    assert_eq!(held.hold_reason, Some(HoldReason::NeedsReauth));
    assert_eq!(
        held.attempts, 0,
        "the attempt that could not happen is not counted"
    );
    let acct = rig
        .app
        .store()
        .get_account(revoked.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(acct.token.status, TokenStatus::NeedsReauth);
    let ev = drain(&mut events);
    assert!(ev.iter().any(|e| matches!(e, CoreEvent::AccountNeedsReauth { account_id, .. } if *account_id == revoked.id)));
    assert!(ev.iter().any(|e| matches!(e, CoreEvent::PostHeld { reason: HoldReason::NeedsReauth, author_id, .. } if author_id == &rig.people.officer)));
    let ext = revoked.external_id.clone().unwrap();
    let tries = |rig: &Rig| {
        rig.create_requests()
            .into_iter()
            .filter(|r| r.account_id.as_deref() == Some(ext.as_str()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        tries(&rig).len(),
        1,
        "one refused request, then one refresh, no more"
    );
    assert_eq!(tries(&rig)[0].status, 401);
    // It stays held while the account is not reconnected.
    assert!(rig.publish_once().await.entries.is_empty());
    assert_eq!(tries(&rig).len(), 1);

    // A person reconnects the account (the sandbox approves the consent page at once).
    rig.sandbox
        .set_auto_approve(Some(revoked.handle.clone()), false);
    let acct = rig
        .app
        .connect_x(
            |url| {
                let url = url.clone();
                tokio::spawn(async move {
                    let _ = reqwest::get(url).await;
                });
            },
            &ConnectOptions {
                timeout: std::time::Duration::from_secs(20),
                ..ConnectOptions::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (acct.id, acct.token.status),
        (revoked.id, TokenStatus::Connected)
    );
    let report = rig.publish_once().await;
    assert_eq!(
        report.count(EntryOutcome::RequeuedAfterReconnect),
        1,
        "{report:#?}"
    );
    assert_eq!(report.count(EntryOutcome::Sent), 1, "{report:#?}");
    for a in &accounts {
        assert_eq!(rig.posts_with_text(a, &text).await, 1, "@{}", a.handle);
    }
    assert_eq!(
        rig.created_per_account()
            .values()
            .map(Vec::len)
            .sum::<usize>(),
        30
    );
}

/// Safety default 1: a group with no approval policy anywhere up its tree is not "no
/// approval": the workspace default (one approver) applies and nothing leaves unapproved.
/// Only an admin's explicit policy with scope `none` means no approval. Both are audited.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn without_any_policy_one_approver_is_needed_unless_an_admin_says_none() {
    use chancery_model::approvals::{ApprovalPolicy, ApprovalScope};
    use chancery_model::drafts::DraftState;
    let rig = Rig::start(quiet_sandbox()).await;
    let admin = rig.admin().await;
    let a = rig.accounts().await.remove(0);
    let lineage = rig.app.store().account_lineages().await.unwrap()[&a.id].clone();
    let top = *lineage.last().unwrap();
    // No policy anywhere above the account.
    for g in &lineage {
        rig.app
            .remove_approval_policy(&admin, *g, Utc::now())
            .await
            .unwrap();
    }
    let officer = rig.officer().await;
    let text = unique("A post under no policy");
    let d = rig
        .app
        .create_draft(
            &officer,
            rig.content(&text, vec![TargetRef::Account(a.id)]),
            Utc::now(),
        )
        .await
        .unwrap();
    let d = rig.app.submit(&officer, d.id, Utc::now()).await.unwrap();
    assert_eq!(d.state, DraftState::InReview, "not approved by default");
    let status = rig.app.approval_status(d.id).await.unwrap();
    assert_eq!(status.lanes.len(), 1);
    assert!(status.lanes[0].workspace_default);
    assert_eq!(status.lanes[0].group_id, Some(top));
    assert_eq!(status.waiting_on, vec![rig.people.digital_lead]);
    assert!(rig.publish_once().await.entries.is_empty());
    assert!(
        rig.create_requests().is_empty(),
        "nothing leaves unapproved"
    );
    // The reviewer is not an approver; the digital lead is.
    assert!(rig
        .app
        .approve(&rig.ambassador().await, d.id, &d.content_hash, Utc::now())
        .await
        .is_err());
    let d = rig
        .app
        .approve(&rig.digital_lead().await, d.id, &d.content_hash, Utc::now())
        .await
        .unwrap();
    assert_eq!(d.state, DraftState::Approved);
    assert_eq!(rig.publish_once().await.count(EntryOutcome::Sent), 1);

    // An admin explicitly decides that this tree needs no approval.
    rig.app
        .set_approval_policy(
            &admin,
            ApprovalPolicy {
                group_id: top,
                scope: ApprovalScope::None,
                steps: vec![],
            },
            Utc::now(),
        )
        .await
        .unwrap();
    let text2 = unique("A post under an explicit no-approval policy");
    let d2 = rig
        .app
        .create_draft(
            &officer,
            rig.content(&text2, vec![TargetRef::Account(a.id)]),
            Utc::now(),
        )
        .await
        .unwrap();
    let d2 = rig.app.submit(&officer, d2.id, Utc::now()).await.unwrap();
    assert_eq!(d2.state, DraftState::Approved);
    assert_eq!(rig.publish_once().await.count(EntryOutcome::Sent), 1);
    assert_eq!(rig.posts_with_text(&a, &text).await, 1);
    assert_eq!(rig.posts_with_text(&a, &text2).await, 1);

    // The audit trail says which rule applied.
    let trail = rig
        .app
        .audit_trail("draft", &d.id.to_string())
        .await
        .unwrap();
    let submitted = trail
        .iter()
        .find(|e| e.action == "draft.submitted")
        .unwrap();
    let details: serde_json::Value = serde_json::from_str(&submitted.details).unwrap();
    assert_eq!(details["lanes"][0]["workspaceDefault"], true, "{details}");
    let trail2 = rig
        .app
        .audit_trail("draft", &d2.id.to_string())
        .await
        .unwrap();
    let submitted2 = trail2
        .iter()
        .find(|e| e.action == "draft.submitted")
        .unwrap();
    let details2: serde_json::Value = serde_json::from_str(&submitted2.details).unwrap();
    assert_eq!(
        details2["lanes"][0]["workspaceDefault"], false,
        "{details2}"
    );
    let policy = rig
        .app
        .audit_trail("policy", &top.to_string())
        .await
        .unwrap();
    let last = policy.last().unwrap();
    assert_eq!(last.action, "policy.set");
    assert!(last.details.contains("\"none\""), "{}", last.details);
}

/// A clock that runs `ahead` of the real one (the app was closed for that long).
struct Ahead(chrono::Duration);

impl chancery_sync::Clock for Ahead {
    fn now(&self) -> chrono::DateTime<Utc> {
        Utc::now() + self.0
    }
}

/// Safety default 2: an approved post the publisher only gets to more than 30 minutes after
/// its time (the app was closed) is held and its author told, not sent; an approver can
/// release it. The limit is a workspace setting only an admin changes. Audited.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_post_too_late_is_held_until_an_approver_releases_it() {
    use chancery_core::publish::Publisher;
    use chancery_model::outbox::HoldReason;
    use chancery_model::ErrorCode;
    use std::sync::Arc;
    let rig = Rig::start(quiet_sandbox()).await;
    let accounts: Vec<_> = rig
        .accounts()
        .await
        .into_iter()
        .step_by(11)
        .take(2)
        .collect();
    let text = unique("Good morning from the embassy!");
    let d = rig
        .approved(rig.content(
            &text,
            accounts.iter().map(|a| TargetRef::Account(a.id)).collect(),
        ))
        .await;
    let mut events = rig.app.subscribe();
    // The laptop was closed; the publisher gets to the post 45 minutes after its time.
    let later = Arc::new(Ahead(chrono::Duration::minutes(45)));
    let config = || chancery_core::publish::PublisherConfig {
        clock: later.clone(),
        ..Rig::publisher_config()
    };
    let report = Publisher::new(rig.app.clone(), config())
        .unwrap()
        .run_once()
        .await
        .unwrap();
    assert_eq!(report.count(EntryOutcome::HeldLate), 2, "{report:#?}");
    assert!(
        rig.create_requests().is_empty(),
        "nothing goes out late by itself"
    );
    let outbox = rig.outbox_of(&d).await;
    for e in &outbox {
        assert_eq!(
            (e.state, e.hold_reason),
            (OutboxState::Held, Some(HoldReason::Late))
        );
        assert!(
            e.last_error.as_deref().unwrap().contains("45 minutes late"),
            "{e:?}"
        );
    }
    let held_events: Vec<_> = drain(&mut events)
        .into_iter()
        .filter(|e| matches!(e, CoreEvent::PostHeld { reason: HoldReason::Late, author_id, .. } if author_id == &rig.people.officer))
        .collect();
    assert_eq!(held_events.len(), 2);
    // The officer cannot release it; the digital lead releases one and cancels the other.
    let now = Utc::now() + later.0;
    let e = rig
        .app
        .release_held(&rig.officer().await, outbox[0].id, now)
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden);
    let lead = rig.digital_lead().await;
    rig.app
        .release_held(&lead, outbox[0].id, now)
        .await
        .unwrap();
    rig.app
        .cancel_outbox_entry(&lead, outbox[1].id, now)
        .await
        .unwrap();
    let report = Publisher::new(rig.app.clone(), config())
        .unwrap()
        .run_once()
        .await
        .unwrap();
    assert_eq!(report.count(EntryOutcome::Sent), 1, "{report:#?}");
    let released = accounts
        .iter()
        .find(|a| a.id == outbox[0].account_id)
        .unwrap();
    let cancelled = accounts
        .iter()
        .find(|a| a.id == outbox[1].account_id)
        .unwrap();
    assert_eq!(rig.posts_with_text(released, &text).await, 1);
    assert_eq!(rig.posts_with_text(cancelled, &text).await, 0);
    let trail: Vec<String> = rig
        .app
        .audit_trail("outbox", &outbox[0].id.to_string())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        trail,
        vec![
            "outbox.queued",
            "outbox.held_late",
            "outbox.released",
            "outbox.sending",
            "outbox.sent"
        ]
    );

    // The limit is a setting: only an admin changes it (audited); with 2 hours, a post 45
    // minutes late goes out.
    let e = rig
        .app
        .set_max_lateness(&rig.officer().await, chrono::Duration::hours(2), Utc::now())
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden);
    rig.app
        .set_max_lateness(&rig.admin().await, chrono::Duration::hours(2), Utc::now())
        .await
        .unwrap();
    assert_eq!(
        rig.app.max_lateness().await.unwrap(),
        chrono::Duration::hours(2)
    );
    let text2 = unique("Good afternoon from the embassy!");
    rig.approved(rig.content(&text2, vec![TargetRef::Account(accounts[0].id)]))
        .await;
    let report = Publisher::new(rig.app.clone(), config())
        .unwrap()
        .run_once()
        .await
        .unwrap();
    assert_eq!(report.count(EntryOutcome::Sent), 1, "{report:#?}");
    let settings = rig
        .app
        .audit_trail("setting", chancery_core::publish::MAX_LATENESS_KEY)
        .await
        .unwrap();
    assert_eq!(settings.len(), 1);
    assert_eq!(settings[0].action, "settings.max_lateness_set");
}

/// Only one publisher runs per workspace: a second one (in-process, or `chancery publish`)
/// is refused while the first runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_second_publisher_for_the_same_workspace_is_refused() {
    use chancery_core::publish::Publisher;
    let rig = Rig::start(quiet_sandbox()).await;
    let first = Publisher::new(rig.app.clone(), Rig::publisher_config()).unwrap();
    let e = Publisher::new(rig.app.clone(), Rig::publisher_config()).unwrap_err();
    assert!(e.to_string().contains("already running"), "{e}");
    let bin = rig::chancery_bin();
    let child = publish_child(&bin, rig.dir.path(), &["--once"], None);
    let (status, _out, err) = wait_bounded(child, std::time::Duration::from_secs(60));
    assert!(!status.success());
    assert!(err.contains("already running"), "{err}");
    drop(first);
    let child = publish_child(&bin, rig.dir.path(), &["--once"], None);
    let (status, _out, err) = wait_bounded(child, std::time::Duration::from_secs(60));
    assert!(status.success(), "{err}");
}

/// Replies from the inbox and images: an X reply (with a GIF, uploaded in chunks) to a real
/// mention, a Facebook reply to a real comment, an X post with an image (one-request upload)
/// and a Page photo post. What the networks received is exactly what was approved.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replies_and_images_go_out_as_approved() {
    use chancery_model::accounts::Network;
    use chancery_model::drafts::ReplyTo;
    use chancery_model::inbox::InboxFilter;
    use chancery_model::items::ItemKind;
    let rig = Rig::start(quiet_sandbox().volume(1.0)).await;
    let x = rig.accounts_of(Network::X).await.remove(0);
    let fb = rig.accounts_of(Network::Facebook).await.remove(0);
    // The inbox: one sync cycle of the two accounts.
    let engine = rig
        .app
        .sync_engine(
            chancery_sync::SyncConfig {
                backfill: false,
                // The Page's comment sweep makes dozens of calls; at the production pace
                // (100 per Page per hour) this one cycle took almost five minutes.
                fb_page_calls_per_hour: 10_000,
                ..chancery_sync::SyncConfig::default()
            },
            &chancery_sync::AccountFilter {
                ids: vec![x.id, fb.id],
                handles: vec![],
            },
        )
        .await
        .unwrap();
    engine.run_cycle(false, None).await;
    let newest = |kind: ItemKind, account| {
        let app = rig.app.clone();
        async move {
            app.store()
                .inbox_page(
                    &InboxFilter {
                        account_ids: vec![account],
                        kinds: vec![kind],
                        ..InboxFilter::default()
                    },
                    None,
                    20,
                )
                .await
                .unwrap()
                .items
                .into_iter()
                .find(|i| !i.deleted)
                .expect("an item to answer")
        }
    };
    let mention = newest(ItemKind::XMention, x.id).await;
    let comment = newest(ItemKind::FbComment, fb.id).await;
    let reply_to = |i: &chancery_model::items::InboxItem| ReplyTo {
        item_id: i.id,
        account_id: i.account_id,
        network: i.network,
        external_id: i.external_id.clone(),
    };
    let gif = rig.attach("wave.gif", rig::GIF_1X1).await;
    let png = rig.attach("flag.png", &rig::PNG_1X1).await;

    let x_reply = unique("Thank you, we have passed this on to the consular team.");
    let mut c = rig.content(&x_reply, vec![]);
    c.reply_to = Some(reply_to(&mention));
    c.media = vec![gif];
    rig.approved(c).await;
    let fb_reply = unique("Thank you for your message; please write to us by email.");
    let mut c = rig.content(&fb_reply, vec![]);
    c.reply_to = Some(reply_to(&comment));
    rig.approved(c).await;
    let with_image = unique("Flag raised at the embassy this morning.");
    let mut c = rig.content(
        &with_image,
        vec![TargetRef::Account(x.id), TargetRef::Account(fb.id)],
    );
    c.media = vec![png];
    rig.approved(c).await;

    let report = rig.publish_once().await;
    assert_eq!(report.count(EntryOutcome::Sent), 4, "{report:#?}");
    let writes = rig
        .sandbox
        .requests_matching(&chancery_sandbox::RequestQuery {
            writes_only: Some(true),
            ..Default::default()
        });
    let endpoints: Vec<&str> = writes.iter().map(|r| r.endpoint.as_str()).collect();
    for e in [
        "x.media_initialize",
        "x.media_append",
        "x.media_finalize",
        "x.media_upload",
        "graph.create_photo",
        "graph.create_comment",
    ] {
        assert!(endpoints.contains(&e), "{e} missing from {endpoints:?}");
    }
    let tweets: Vec<serde_json::Value> = writes
        .iter()
        .filter(|r| r.endpoint == "x.create_tweet" && r.status == 201)
        .map(|r| serde_json::from_str(r.body.as_deref().unwrap()).unwrap())
        .collect();
    assert_eq!(tweets.len(), 2);
    let reply = tweets
        .iter()
        .find(|t| t["text"] == x_reply.as_str())
        .unwrap();
    assert_eq!(
        reply["reply"]["in_reply_to_tweet_id"],
        mention.external_id.as_str()
    );
    assert_eq!(reply["media"]["media_ids"].as_array().unwrap().len(), 1);
    let post = tweets
        .iter()
        .find(|t| t["text"] == with_image.as_str())
        .unwrap();
    assert!(post.get("reply").is_none());
    assert_eq!(post["media"]["media_ids"].as_array().unwrap().len(), 1);
    let comment_write = writes
        .iter()
        .find(|r| r.endpoint == "graph.create_comment")
        .unwrap();
    assert!(
        comment_write
            .path
            .contains(&format!("/{}/comments", comment.external_id)),
        "{}",
        comment_write.path
    );
    // On the networks: the X reply answers the mention; the Page's photo post has the caption.
    let token = rig.app.access_token(x.id, Utc::now()).await.unwrap();
    let timeline = rig
        .app
        .x_client()
        .user_posts(
            &chancery_net::Auth::new(&token, "test"),
            x.external_id.as_deref().unwrap(),
            &chancery_net::TimelineQuery::default(),
        )
        .await
        .unwrap();
    let mine = timeline
        .data
        .posts
        .iter()
        .find(|p| p.text == x_reply)
        .unwrap();
    assert_eq!(mine.replied_to(), Some(mention.external_id.as_str()));
    assert_eq!(rig.posts_with_text(&fb, &with_image).await, 1);
    // Published twice? Never: a second run sends nothing.
    let before = rig.create_requests().len();
    assert!(rig.publish_once().await.entries.is_empty());
    assert_eq!(rig.create_requests().len(), before);
}

/// X's posting limit, read from the headers: 101 posts for one account; 100 go out, the 101st
/// waits for the window's reset without a request (no 429), and the other accounts are not
/// held up.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_x_posting_limit_from_the_headers_is_respected() {
    use chancery_core::publish::Publisher;
    use chancery_model::accounts::Network;
    let rig = Rig::start(quiet_sandbox()).await;
    let x = rig.accounts_of(Network::X).await;
    let (busy, other) = (x[0].clone(), x[1].clone());
    for i in 0..101 {
        rig.approved(rig.content(
            &unique(&format!("Live from the summit, update {i}")),
            vec![TargetRef::Account(busy.id)],
        ))
        .await;
    }
    let other_text = unique("Another embassy carries on");
    rig.approved(rig.content(&other_text, vec![TargetRef::Account(other.id)]))
        .await;
    // The local fallback count is set high: only the headers can stop the 101st.
    let config = chancery_core::publish::PublisherConfig {
        x_posts_per_window: 10_000,
        ..Rig::publisher_config()
    };
    let report = Publisher::new(rig.app.clone(), config)
        .unwrap()
        .run_once()
        .await
        .unwrap();
    assert_eq!(
        report.count(EntryOutcome::Sent),
        101,
        "{:#?}",
        report.waiting
    );
    let ext = busy.external_id.clone().unwrap();
    let tries: Vec<_> = rig
        .create_requests()
        .into_iter()
        .filter(|r| r.account_id.as_deref() == Some(ext.as_str()))
        .collect();
    assert_eq!(tries.len(), 100, "the 101st was not even tried");
    assert!(tries.iter().all(|r| r.status == 201), "no 429");
    assert_eq!(report.waiting.len(), 1, "{:?}", report.waiting);
    assert_eq!(report.waiting[0].0, busy.handle);
    assert!(report.waiting[0].1 > Utc::now(), "until the window's reset");
    assert_eq!(rig.posts_with_text(&other, &other_text).await, 1);
}

/// A 429 from X and a throttle from Facebook (code 32): the account waits until the reset the
/// network names (nothing is sent to it before), the others carry on, and the post goes out
/// once afterwards. The author is told in plain words that it will be retried.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rate_limited_accounts_wait_for_the_reset_and_others_carry_on() {
    use chancery_model::accounts::Network;
    // 15 virtual minutes pass in 9 real seconds: X's window resets quickly.
    let rig = Rig::start(quiet_sandbox().time_scale(100.0)).await;
    let x = rig.accounts_of(Network::X).await;
    let fb = rig.accounts_of(Network::Facebook).await;
    let (limited_x, limited_fb) = (x[0].clone(), fb[0].clone());
    rig.sandbox
        .add_fault(
            format!(
                "endpoint=x.create_tweet,account={},kind=rate_limit,count=1",
                limited_x.external_id.as_deref().unwrap()
            )
            .parse()
            .unwrap(),
        )
        .unwrap();
    rig.sandbox
        .add_fault(
            format!(
                "endpoint=graph.create_post,account={},kind=graph_error:32,count=1",
                limited_fb.external_id.as_deref().unwrap()
            )
            .parse()
            .unwrap(),
        )
        .unwrap();
    let targets = [&limited_x, &limited_fb, &x[1], &fb[1]];
    let text = unique("Travel advice updated for the region.");
    let d = rig
        .approved(rig.content(
            &text,
            targets.iter().map(|a| TargetRef::Account(a.id)).collect(),
        ))
        .await;
    let mut events = rig.app.subscribe();
    let report = rig.publish_once().await;
    assert_eq!(report.count(EntryOutcome::Sent), 2, "{report:#?}");
    assert_eq!(report.count(EntryOutcome::RetryScheduled), 2, "{report:#?}");
    let outbox = rig.outbox_of(&d).await;
    let entry = |id| outbox.iter().find(|e| e.account_id == id).unwrap().clone();
    let ex = entry(limited_x.id);
    assert_eq!(ex.state, OutboxState::Queued);
    assert!(
        ex.last_error
            .as_deref()
            .unwrap()
            .starts_with("X has limited how often Chancery may do this"),
        "{ex:?}"
    );
    let ef = entry(limited_fb.id);
    assert!(
        ef.last_error
            .as_deref()
            .unwrap()
            .starts_with("Facebook has slowed Chancery down for this Page"),
        "{ef:?}"
    );
    let retrying: Vec<_> = drain(&mut events)
        .into_iter()
        .filter(|e| matches!(e, CoreEvent::PublishFailed { retrying: true, .. }))
        .collect();
    assert_eq!(retrying.len(), 2);
    // Nothing is sent to them before the reset they were given.
    let reset = ex.send_at;
    assert!(reset > Utc::now());
    let report = rig.publish_once().await;
    if Utc::now() < reset {
        assert!(report.entries.is_empty(), "{report:#?}");
        assert_eq!(report.waiting.len(), 2, "{:?}", report.waiting);
    }
    // After the reset (bounded wait), both go out once.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while Utc::now() < reset {
        assert!(std::time::Instant::now() < deadline, "X's reset is {reset}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let report = rig.publish_once().await;
    assert!(report.count(EntryOutcome::Sent) >= 1, "{report:#?}");
    let ext = limited_x.external_id.clone().unwrap();
    let x_tries: Vec<_> = rig
        .create_requests()
        .into_iter()
        .filter(|r| r.account_id.as_deref() == Some(ext.as_str()))
        .collect();
    assert_eq!(
        x_tries.iter().map(|r| r.status).collect::<Vec<_>>(),
        vec![429, 201]
    );
    let second = chancery_sync_at(&x_tries[1]);
    assert!(
        second >= reset,
        "retried at {second}, before the reset {reset}"
    );
    assert_eq!(rig.posts_with_text(&limited_x, &text).await, 1);
    // Facebook named no wait: Chancery waits its default (5 minutes) before that Page's next
    // try, and said so on the entry.
    assert!(
        ef.send_at > Utc::now() + chrono::Duration::minutes(4),
        "{ef:?}"
    );
    let fb_ext = limited_fb.external_id.clone().unwrap();
    assert_eq!(
        rig.create_requests()
            .iter()
            .filter(|r| r.account_id.as_deref() == Some(fb_ext.as_str()))
            .count(),
        1,
        "not retried before its wait"
    );
}

fn chancery_sync_at(r: &chancery_sandbox::RecordedRequest) -> chrono::DateTime<Utc> {
    chrono::DateTime::parse_from_rfc3339(&r.at)
        .unwrap()
        .with_timezone(&Utc)
}

/// An answer that never arrives whole: X created the post but the answer was cut off; the
/// publisher does not resend, it finds the post on the account's timeline. Facebook's
/// connection is reset before the request is handled: the publisher checks the Page's feed,
/// finds nothing, and only then sends again. One post each, in the end.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_unclear_answer_is_checked_on_the_network_before_any_retry() {
    use chancery_model::accounts::Network;
    let rig = Rig::start(quiet_sandbox()).await;
    let x = rig.accounts_of(Network::X).await.remove(0);
    let fb = rig.accounts_of(Network::Facebook).await.remove(0);
    rig.sandbox
        .add_fault(
            format!(
                "endpoint=x.create_tweet,account={},kind=truncate,count=1",
                x.external_id.as_deref().unwrap()
            )
            .parse()
            .unwrap(),
        )
        .unwrap();
    rig.sandbox
        .add_fault(
            format!(
                "endpoint=graph.create_post,account={},kind=reset,count=1",
                fb.external_id.as_deref().unwrap()
            )
            .parse()
            .unwrap(),
        )
        .unwrap();
    let text = unique("Election observers arrive on Friday.");
    let d = rig
        .approved(rig.content(
            &text,
            vec![TargetRef::Account(x.id), TargetRef::Account(fb.id)],
        ))
        .await;
    let report = rig.publish_once().await;
    assert_eq!(report.count(EntryOutcome::ReconciledSent), 1, "{report:#?}");
    // The Facebook post was checked (not there), failed with the network's words, retried.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let done = rig
            .outbox_of(&d)
            .await
            .iter()
            .all(|e| e.state == OutboxState::Sent);
        if done {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{:#?}",
            rig.outbox_of(&d).await
        );
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        rig.publish_once().await;
    }
    let created = rig.created_per_account();
    assert_eq!(
        created[x.external_id.as_deref().unwrap()].len(),
        1,
        "X: the cut-off answer's post, once"
    );
    assert_eq!(created[fb.external_id.as_deref().unwrap()].len(), 1);
    assert_eq!(rig.posts_with_text(&x, &text).await, 1);
    assert_eq!(rig.posts_with_text(&fb, &text).await, 1);
    let trail: Vec<String> = rig
        .app
        .audit_trail(
            "outbox",
            &rig.outbox_of(&d)
                .await
                .iter()
                .find(|e| e.account_id == fb.id)
                .unwrap()
                .id
                .to_string(),
        )
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        trail,
        vec![
            "outbox.queued",
            "outbox.sending",
            "outbox.retry_scheduled",
            "outbox.sending",
            "outbox.sent"
        ]
    );
}
