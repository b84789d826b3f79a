//! The crisis pause and the outbox's publisher-facing functions.

use chancery_core::CoreEvent;
use chancery_model::approvals::StepMode;
use chancery_model::drafts::{DraftState, Schedule};
use chancery_model::outbox::{HeldOutcome, OutboxState, PauseScope, SendOutcome};
use chancery_model::ErrorCode;
use chancery_store::OutboxFilter;

use super::approvals::raw_connection;
use super::world::{mins, t0, World};

/// An approved post to every embassy at `at` (Dana approves Asia, Rita + Alan Europe).
async fn approved_everywhere(
    w: &World,
    text: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> chancery_model::drafts::Draft {
    let olivia = w.actor("olivia").await;
    let d = w
        .app
        .create_draft(
            &olivia,
            w.content(
                text,
                vec![w.group_target("ministry")],
                Schedule::At { instant: at },
            ),
            t0(),
        )
        .await
        .unwrap();
    let d = w.app.submit(&olivia, d.id, t0()).await.unwrap();
    let d = w
        .app
        .approve(&w.actor("dana").await, d.id, &d.content_hash, t0())
        .await
        .unwrap();
    let d = w
        .app
        .approve(&w.actor("rita").await, d.id, &d.content_hash, t0())
        .await
        .unwrap();
    let d = w
        .app
        .approve(&w.actor("alan").await, d.id, &d.content_hash, t0())
        .await
        .unwrap();
    assert_eq!(d.state, DraftState::Approved);
    d
}

#[tokio::test]
async fn a_pause_holds_due_posts_and_resume_lists_them() {
    let w = World::new(StepMode::Any).await;
    let at = t0() + mins(60);
    let d = approved_everywhere(&w, "National day greetings", at).await;
    let olivia = w.actor("olivia").await;
    let mut rx = w.app.subscribe();

    // Any officer can stop Europe's posts; a reason is required.
    let e = w
        .app
        .start_pause(
            &olivia,
            PauseScope::Group(w.groups["europe"].id),
            " ",
            None,
            t0() + mins(30),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Validation);
    let pause = w
        .app
        .start_pause(
            &olivia,
            PauseScope::Group(w.groups["europe"].id),
            "Earthquake in the region",
            None,
            t0() + mins(30),
        )
        .await
        .unwrap();
    let held = w
        .app
        .list_outbox(&OutboxFilter {
            held_by: Some(pause.id),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(held.len(), 3, "Paris X, Paris Facebook, Rome X");
    assert!(held.iter().all(|e| e.state == OutboxState::Held));
    let ev: Vec<CoreEvent> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
    assert!(
        ev.iter()
            .any(|e| matches!(e, CoreEvent::PauseStarted { held: 3, .. })),
        "{ev:?}"
    );
    assert!(
        ev.iter().any(
            |e| matches!(e, CoreEvent::HeldByPause { outbox_ids, author_ids, .. }
        if outbox_ids.len() == 3 && *author_ids == vec![w.people["olivia"].id])
        ),
        "{ev:?}"
    );

    // The pre-send check.
    let paris = w.accounts["paris_x"].id;
    assert_eq!(
        w.app.ensure_not_paused(paris, at).await.unwrap_err().code(),
        ErrorCode::Paused
    );
    assert!(w
        .app
        .ensure_not_paused(w.accounts["tokyo_x"].id, at)
        .await
        .is_ok());

    // At the scheduled time only Tokyo goes.
    let claimed = w.app.claim_due(at, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].account_id, w.accounts["tokyo_x"].id);

    // An officer cannot lift it; the digital lead can, after the posts' time.
    assert_eq!(
        w.app
            .resume(&olivia, pause.id, at + mins(30))
            .await
            .unwrap_err()
            .code(),
        ErrorCode::Forbidden
    );
    let report = w
        .app
        .resume(&w.actor("dana").await, pause.id, at + mins(30))
        .await
        .unwrap();
    assert_eq!(report.held.len(), 3);
    assert!(report
        .held
        .iter()
        .all(|h| h.outcome == HeldOutcome::StillHeldPastTime));
    assert_eq!(report.pause.ended_by, Some(w.people["dana"].id));
    // Nothing late goes out by itself...
    assert!(w.app.claim_due(at + mins(31), 10).await.unwrap().is_empty());
    // ...until a person releases it (and may cancel the rest).
    let dana = w.actor("dana").await;
    let released = w
        .app
        .release_held(&dana, report.held[0].entry.id, at + mins(32))
        .await
        .unwrap();
    assert_eq!(released.state, OutboxState::Queued);
    let cancelled = w
        .app
        .cancel_outbox_entry(&dana, report.held[1].entry.id, at + mins(32))
        .await
        .unwrap();
    assert_eq!(cancelled.state, OutboxState::Cancelled);
    let claimed = w.app.claim_due(at + mins(33), 10).await.unwrap();
    assert_eq!(
        claimed.iter().map(|e| e.id).collect::<Vec<_>>(),
        vec![released.id]
    );

    let trail: Vec<String> = w
        .app
        .audit_trail("pause", &pause.id.to_string())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(trail, vec!["pause.started", "pause.ended"]);
    let _ = d;
}

#[tokio::test]
async fn resuming_before_the_time_requeues_and_pauses_cover_late_claims_and_new_approvals() {
    let w = World::new(StepMode::Any).await;
    let at = t0() + mins(60);
    let dana = w.actor("dana").await;
    // A pause on everything, until a set time.
    let pause = w
        .app
        .start_pause(
            &dana,
            PauseScope::All,
            "Mourning period",
            Some(t0() + mins(45)),
            t0(),
        )
        .await
        .unwrap();
    // A post approved while the pause is on is queued held.
    approved_everywhere(&w, "Condolences", at).await;
    let held = w
        .app
        .list_outbox(&OutboxFilter {
            states: vec![OutboxState::Held],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(held.len(), 4);
    // The pause ends by itself at its end time: everything goes back in the queue.
    w.app.tick(t0() + mins(44)).await.unwrap();
    assert_eq!(w.app.active_pauses(t0() + mins(44)).await.unwrap().len(), 1);
    w.app.tick(t0() + mins(45)).await.unwrap();
    assert!(w
        .app
        .active_pauses(t0() + mins(45))
        .await
        .unwrap()
        .is_empty());
    let p = w
        .app
        .list_pauses()
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.id == pause.id)
        .unwrap();
    assert!(p.ended_at.is_some() && p.ended_by.is_none());
    let queued = w
        .app
        .list_outbox(&OutboxFilter {
            states: vec![OutboxState::Queued],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(queued.len(), 4);

    // A pause that starts after a post was claimed stops it at the pre-send check.
    let claimed = w.app.claim_due(at, 10).await.unwrap();
    assert_eq!(claimed.len(), 4);
    let rome = claimed
        .iter()
        .find(|e| e.account_id == w.accounts["rome_x"].id)
        .unwrap();
    let pause2 = w
        .app
        .start_pause(
            &w.actor("rita").await,
            PauseScope::Account(w.accounts["rome_x"].id),
            "Wrong photo",
            None,
            at,
        )
        .await
        .unwrap();
    let e = w.app.prepare_send(rome.id, at).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Paused);
    let rome_now = w
        .app
        .list_outbox(&OutboxFilter {
            account: Some(w.accounts["rome_x"].id),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        (rome_now[0].state, rome_now[0].attempts, rome_now[0].held_by),
        (OutboxState::Held, 0, Some(pause2.id))
    );
    // Resumed while its time is still ahead of a retry? Its time passed: it stays held.
    let report = w.app.resume(&dana, pause2.id, at + mins(1)).await.unwrap();
    assert_eq!(report.held.len(), 1);
    assert_eq!(report.held[0].outcome, HeldOutcome::StillHeldPastTime);
}

#[tokio::test]
async fn resume_before_the_posts_time_puts_them_back_in_the_queue() {
    let w = World::new(StepMode::Any).await;
    let at = t0() + mins(60);
    approved_everywhere(&w, "Tomorrow", at).await;
    let dana = w.actor("dana").await;
    let outer = w
        .app
        .start_pause(
            &dana,
            PauseScope::Group(w.groups["ministry"].id),
            "Checking facts",
            None,
            t0() + mins(1),
        )
        .await
        .unwrap();
    let inner = w
        .app
        .start_pause(
            &dana,
            PauseScope::Account(w.accounts["tokyo_x"].id),
            "Tokyo only",
            None,
            t0() + mins(2),
        )
        .await
        .unwrap();
    let report = w
        .app
        .resume(&dana, outer.id, t0() + mins(10))
        .await
        .unwrap();
    assert_eq!(report.held.len(), 4);
    let tokyo = report
        .held
        .iter()
        .find(|h| h.entry.account_id == w.accounts["tokyo_x"].id)
        .unwrap();
    assert_eq!(tokyo.outcome, HeldOutcome::StillPaused);
    assert_eq!(tokyo.entry.held_by, Some(inner.id));
    assert_eq!(
        report
            .held
            .iter()
            .filter(|h| h.outcome == HeldOutcome::Requeued)
            .count(),
        3
    );
    assert_eq!(w.app.claim_due(at, 10).await.unwrap().len(), 3);
    let report = w
        .app
        .resume(&dana, inner.id, t0() + mins(11))
        .await
        .unwrap();
    assert_eq!(report.held[0].outcome, HeldOutcome::Requeued);
    assert_eq!(w.app.claim_due(at, 10).await.unwrap().len(), 1);
    assert_eq!(
        w.app
            .resume(&dana, inner.id, t0() + mins(12))
            .await
            .unwrap_err()
            .code(),
        ErrorCode::Conflict
    );
}

#[tokio::test]
async fn publisher_flow_crash_reconciliation_and_the_hash_check() {
    let w = World::new(StepMode::Any).await;
    let olivia = w.actor("olivia").await;
    let mut c = w.content(
        "Long text for Facebook",
        vec![w.group_target("paris")],
        Schedule::Now,
    );
    c.variants.x = Some("Short for X".into());
    let d = w.app.create_draft(&olivia, c, t0()).await.unwrap();
    let d = w.app.submit(&olivia, d.id, t0()).await.unwrap();
    let d = w
        .app
        .approve(&w.actor("rita").await, d.id, &d.content_hash, t0())
        .await
        .unwrap();
    let d = w
        .app
        .approve(&w.actor("bea").await, d.id, &d.content_hash, t0() + mins(1))
        .await
        .unwrap();
    let claimed = w.app.claim_due(t0() + mins(1), 10).await.unwrap();
    assert_eq!(claimed.len(), 2);
    assert!(
        w.app
            .claim_due(t0() + mins(1), 10)
            .await
            .unwrap()
            .is_empty(),
        "never claimed twice"
    );
    let x = claimed
        .iter()
        .find(|e| e.account_id == w.accounts["paris_x"].id)
        .unwrap();
    let fb = claimed
        .iter()
        .find(|e| e.account_id == w.accounts["paris_fb"].id)
        .unwrap();
    let px = w.app.prepare_send(x.id, t0() + mins(1)).await.unwrap();
    assert_eq!(
        (px.text.as_str(), px.content_hash.as_str()),
        ("Short for X", d.content_hash.as_str())
    );
    let sent = w
        .app
        .record_send_outcome(
            x.id,
            SendOutcome::Sent {
                external_post_id: "1901".into(),
            },
            t0() + mins(1),
        )
        .await
        .unwrap();
    assert_eq!(
        (sent.state, sent.external_post_id.as_deref()),
        (OutboxState::Sent, Some("1901"))
    );

    // The Facebook send "crashes": no outcome. It is detectable and never re-claimed.
    let pf = w.app.prepare_send(fb.id, t0() + mins(1)).await.unwrap();
    assert_eq!(pf.text, "Long text for Facebook");
    let unresolved = w.app.unresolved_sends().await.unwrap();
    assert_eq!(
        unresolved.iter().map(|e| e.id).collect::<Vec<_>>(),
        vec![fb.id]
    );
    assert!(w
        .app
        .claim_due(t0() + mins(5), 10)
        .await
        .unwrap()
        .is_empty());
    // The publisher checked the page's recent posts: not there. Back in the queue.
    let q = w
        .app
        .reconcile_send(fb.id, None, t0() + mins(6))
        .await
        .unwrap();
    assert_eq!((q.state, q.attempts), (OutboxState::Queued, 1));
    let again = w.app.claim_due(t0() + mins(6), 10).await.unwrap();
    assert_eq!((again.len(), again[0].attempts), (1, 2));
    // A retryable failure, then success.
    let r = w
        .app
        .record_send_outcome(
            fb.id,
            SendOutcome::Failed {
                error: "Facebook is not answering".into(),
                retryable: true,
                retry_at: Some(t0() + mins(10)),
            },
            t0() + mins(6),
        )
        .await
        .unwrap();
    assert_eq!(
        (r.state, r.last_error.as_deref()),
        (OutboxState::Queued, Some("Facebook is not answering"))
    );
    assert!(w
        .app
        .claim_due(t0() + mins(9), 10)
        .await
        .unwrap()
        .is_empty());
    let again = w.app.claim_due(t0() + mins(10), 10).await.unwrap();
    // Once sent, an edit of the draft is refused.
    w.app
        .reconcile_send(again[0].id, Some("fbpost_77".into()), t0() + mins(11))
        .await
        .unwrap();
    let mut c = d.content.clone();
    c.text = "Changed".into();
    let e = w
        .app
        .edit_draft(&olivia, d.id, None, c, t0() + mins(12))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Conflict);
    assert_eq!(w.app.draft(d.id).await.unwrap().state, DraftState::Approved);
    let trail: Vec<String> = w
        .app
        .audit_trail("outbox", &fb.id.to_string())
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
            "outbox.reconciled_not_sent",
            "outbox.sending",
            "outbox.retry_scheduled",
            "outbox.sending",
            "outbox.reconciled_sent"
        ]
    );
}

#[tokio::test]
async fn content_changed_behind_the_apps_back_is_never_sent() {
    let w = World::new(StepMode::Any).await;
    let olivia = w.actor("olivia").await;
    let d = w
        .app
        .create_draft(
            &olivia,
            w.content(
                "Approved words",
                vec![w.account_target("tokyo_x")],
                Schedule::Now,
            ),
            t0(),
        )
        .await
        .unwrap();
    let d = w.app.submit(&olivia, d.id, t0()).await.unwrap();
    w.app
        .approve(&w.actor("dana").await, d.id, &d.content_hash, t0())
        .await
        .unwrap();
    // Someone edits the stored version directly in the database file.
    let mut conn = raw_connection(&w).await;
    sqlx::query("DROP TRIGGER draft_versions_are_immutable")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE draft_versions SET content = replace(content, 'Approved words', 'Other words')",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let claimed = w.app.claim_due(t0(), 10).await.unwrap();
    let e = w.app.prepare_send(claimed[0].id, t0()).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Conflict);
    assert!(e.to_string().contains("approved content hash"), "{e}");
    let entry = w
        .app
        .list_outbox(&OutboxFilter {
            draft: Some(d.id),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(entry[0].state, OutboxState::Failed);
}
