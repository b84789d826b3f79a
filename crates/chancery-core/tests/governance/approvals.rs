//! Drafts and approvals through the core API (the one the CLI and IPC call).

use chancery_core::outbox::SendPayload;
use chancery_core::CoreEvent;
use chancery_model::approvals::StepMode;
use chancery_model::drafts::{DraftState, Schedule};
use chancery_model::outbox::OutboxState;
use chancery_model::{ErrorCode, IpcError};
use chancery_store::OutboxFilter;

use super::world::{mins, t0, World};

fn drain(rx: &mut tokio::sync::broadcast::Receiver<CoreEvent>) -> Vec<CoreEvent> {
    let mut out = Vec::new();
    while let Ok(e) = rx.try_recv() {
        out.push(e);
    }
    out
}

#[tokio::test]
async fn rejection_and_resubmission() {
    let w = World::new(StepMode::Any).await;
    let (olivia, rita, alan) = (
        w.actor("olivia").await,
        w.actor("rita").await,
        w.actor("alan").await,
    );
    let mut rx = w.app.subscribe();
    let d = w
        .app
        .create_draft(
            &olivia,
            w.content(
                "Embassy open on Monday",
                vec![w.group_target("paris")],
                Schedule::Now,
            ),
            t0(),
        )
        .await
        .unwrap();
    assert_eq!(
        d.targets.len(),
        2,
        "the Paris group has an X account and a Facebook page"
    );
    let d = w.app.submit(&olivia, d.id, t0()).await.unwrap();
    assert_eq!(d.state, DraftState::InReview);
    let ev = drain(&mut rx);
    assert!(ev.iter().any(|e| matches!(e, CoreEvent::ApprovalRequested { to, .. } if *to == vec![w.people["rita"].id])), "{ev:?}");

    // A reason is required.
    let e = w
        .app
        .reject(&rita, d.id, "   ", t0() + mins(1))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Validation);
    let d = w
        .app
        .reject(&rita, d.id, "Monday is a public holiday", t0() + mins(2))
        .await
        .unwrap();
    assert_eq!(
        (d.state, d.state_note.as_deref()),
        (DraftState::Rejected, Some("Monday is a public holiday"))
    );
    let ev = drain(&mut rx);
    assert!(ev.iter().any(|e| matches!(e, CoreEvent::DraftDecided { approved: false, reason: Some(r), author_id, .. }
        if r == "Monday is a public holiday" && *author_id == w.people["olivia"].id)), "{ev:?}");

    // The author fixes it; the draft stays rejected until resubmitted.
    let mut c = d.content.clone();
    c.text = "Embassy open on Tuesday".into();
    let d = w
        .app
        .edit_draft(&olivia, d.id, Some(d.rev), c, t0() + mins(3))
        .await
        .unwrap();
    assert_eq!((d.state, d.version), (DraftState::Rejected, 2));
    assert_eq!(
        w.app
            .submit(&olivia, d.id, t0() + mins(4))
            .await
            .unwrap_err()
            .code(),
        ErrorCode::Conflict,
        "submit is for new drafts"
    );
    let d = w.app.resubmit(&olivia, d.id, t0() + mins(4)).await.unwrap();
    assert_eq!((d.state, d.round), (DraftState::InReview, 2));
    let d = w
        .app
        .approve(&rita, d.id, &d.content_hash, t0() + mins(5))
        .await
        .unwrap();
    assert_eq!(d.state, DraftState::InReview);
    let d = w
        .app
        .approve(&alan, d.id, &d.content_hash, t0() + mins(6))
        .await
        .unwrap();
    assert_eq!(d.state, DraftState::Approved);
    assert_eq!(d.approved_hash.as_deref(), Some(d.content_hash.as_str()));
    let outbox = w
        .app
        .list_outbox(&OutboxFilter {
            draft: Some(d.id),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(outbox.len(), 2);
    assert!(outbox.iter().all(|e| e.state == OutboxState::Queued
        && e.content_hash == d.content_hash
        && e.send_at == t0() + mins(6)));

    let trail: Vec<String> = w
        .app
        .audit_trail("draft", &d.id.to_string())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        trail,
        vec![
            "draft.created",
            "draft.submitted",
            "draft.rejected",
            "draft.edited",
            "draft.resubmitted",
            "draft.approval_recorded",
            "draft.approval_recorded",
            "draft.approved"
        ]
    );
    let decisions = w.app.draft_decisions(d.id).await.unwrap();
    assert_eq!(decisions.len(), 5);
    assert_eq!(
        decisions[1].note.as_deref(),
        Some("Monday is a public holiday")
    );
}

#[tokio::test]
async fn an_edit_after_approval_voids_it() {
    let w = World::new(StepMode::Any).await;
    let (olivia, dana) = (w.actor("olivia").await, w.actor("dana").await);
    let c = w.content(
        "Konnichiwa",
        vec![w.account_target("tokyo_x")],
        Schedule::At {
            instant: t0() + mins(120),
        },
    );
    let d = w.app.create_draft(&olivia, c, t0()).await.unwrap();
    let d = w.app.submit(&olivia, d.id, t0()).await.unwrap();
    let approved_hash = d.content_hash.clone();
    let d = w
        .app
        .approve(&dana, d.id, &approved_hash, t0() + mins(1))
        .await
        .unwrap();
    assert_eq!(d.state, DraftState::Approved);
    let queued = w
        .app
        .list_outbox(&OutboxFilter {
            draft: Some(d.id),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(queued[0].state, OutboxState::Queued);

    let mut rx = w.app.subscribe();
    let mut c = d.content.clone();
    c.text = "Konnichiwa!".into();
    let d = w
        .app
        .edit_draft(&olivia, d.id, Some(d.rev), c, t0() + mins(2))
        .await
        .unwrap();
    assert_eq!(d.state, DraftState::Editing, "back to needing submission");
    assert_eq!(d.approved_hash, None);
    assert_ne!(d.content_hash, approved_hash);
    let entries = w
        .app
        .list_outbox(&OutboxFilter {
            draft: Some(d.id),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(
        entries[0].state,
        OutboxState::Cancelled,
        "the queued post is cancelled"
    );
    let ev = drain(&mut rx);
    assert!(ev.iter().any(|e| matches!(e, CoreEvent::ApprovalsVoided { notify, .. } if notify.contains(&w.people["dana"].id))), "{ev:?}");

    // The old approval is gone; approving the old content is refused.
    let e = w
        .app
        .approve(&dana, d.id, &approved_hash, t0() + mins(3))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Conflict);
    let d = w.app.submit(&olivia, d.id, t0() + mins(3)).await.unwrap();
    let status = w.app.approval_status(d.id).await.unwrap();
    assert!(!status.approved);
    assert_eq!(status.round, 2);
    assert_eq!(status.waiting_on, vec![w.people["dana"].id]);
    assert!(status
        .lanes
        .iter()
        .all(|l| l.steps.iter().all(|s| s.approved_by.is_empty())));
    let e = w
        .app
        .approve(&dana, d.id, &approved_hash, t0() + mins(4))
        .await
        .unwrap_err();
    assert_eq!(
        e.code(),
        ErrorCode::Conflict,
        "the approver must have seen the current content"
    );
    let d = w
        .app
        .approve(&dana, d.id, &d.content_hash, t0() + mins(4))
        .await
        .unwrap();
    assert_eq!(d.state, DraftState::Approved);
    let entries = w
        .app
        .list_outbox(&OutboxFilter {
            draft: Some(d.id),
            states: vec![OutboxState::Queued],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].content_hash, d.content_hash);
    assert_eq!(entries[0].draft_version, 2);
    let trail: Vec<String> = w
        .app
        .audit_trail("draft", &d.id.to_string())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(
        trail.contains(&"draft.approvals_voided".to_string()),
        "{trail:?}"
    );
}

#[tokio::test]
async fn self_approval_is_refused_through_the_core_api() {
    let w = World::new(StepMode::Any).await;
    let (dana, olivia, tom) = (
        w.actor("dana").await,
        w.actor("olivia").await,
        w.actor("tom").await,
    );
    // Dana is an approver (and admin) over everything, but wrote this one.
    let d = w
        .app
        .create_draft(
            &dana,
            w.content(
                "Statement",
                vec![w.account_target("tokyo_x")],
                Schedule::Now,
            ),
            t0(),
        )
        .await
        .unwrap();
    // No approver other than the author: submission says so rather than waiting forever.
    let e = w.app.submit(&dana, d.id, t0()).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Validation);
    assert!(
        e.to_string()
            .contains("needs an approver on Asia other than the draft's authors"),
        "{e}"
    );
    // Give Asia a second approver; Dana still cannot approve her own draft.
    w.app
        .store()
        .grant_role(
            w.people["alan"].id,
            w.groups["asia"].id,
            chancery_model::accounts::Role::Approver,
            t0(),
        )
        .await
        .unwrap();
    let d = w.app.submit(&dana, d.id, t0()).await.unwrap();
    let e = w
        .app
        .approve(&dana, d.id, &d.content_hash, t0())
        .await
        .unwrap_err();
    let ipc: IpcError = e.into();
    assert_eq!(ipc.code, ErrorCode::Forbidden);
    assert!(
        ipc.message.contains("cannot approve a draft you wrote"),
        "{}",
        ipc.message
    );

    // Someone who edited another person's draft counts as an author too.
    let d2 = w
        .app
        .create_draft(
            &olivia,
            w.content("Note", vec![w.account_target("tokyo_x")], Schedule::Now),
            t0(),
        )
        .await
        .unwrap();
    let mut c = d2.content.clone();
    c.text = "Note (edited by Alan)".into();
    let alan = w.actor("alan").await;
    let d2 = w.app.edit_draft(&alan, d2.id, None, c, t0()).await.unwrap();
    let d2 = w.app.submit(&olivia, d2.id, t0()).await.unwrap();
    assert_eq!(
        w.app
            .approve(&alan, d2.id, &d2.content_hash, t0())
            .await
            .unwrap_err()
            .code(),
        ErrorCode::Forbidden
    );
    // Only people with the step's role on the lane's group may act.
    assert_eq!(
        w.app
            .approve(&tom, d2.id, &d2.content_hash, t0())
            .await
            .unwrap_err()
            .code(),
        ErrorCode::Forbidden
    );
    let rita = w.actor("rita").await;
    assert_eq!(
        w.app
            .approve(&rita, d2.id, &d2.content_hash, t0())
            .await
            .unwrap_err()
            .code(),
        ErrorCode::Forbidden
    );
    assert_eq!(
        w.app
            .approve(&dana, d2.id, &d2.content_hash, t0())
            .await
            .unwrap()
            .state,
        DraftState::Approved
    );
    // Deactivated people cannot act at all.
    let mut tom_p = w.people["tom"].clone();
    tom_p.active = false;
    w.app.store().update_person(&tom_p, t0()).await.unwrap();
    assert_eq!(
        w.app.actor(tom_p.id).await.unwrap_err().code(),
        ErrorCode::Forbidden
    );
}

#[tokio::test]
async fn two_steps_with_all_approvers() {
    let w = World::new(StepMode::All).await;
    let olivia = w.actor("olivia").await;
    let d = w
        .app
        .create_draft(
            &olivia,
            w.content(
                "Europe Day",
                vec![w.account_target("rome_x")],
                Schedule::Now,
            ),
            t0(),
        )
        .await
        .unwrap();
    let d = w.app.submit(&olivia, d.id, t0()).await.unwrap();
    let mut rx = w.app.subscribe();
    let d = w
        .app
        .approve(&w.actor("rita").await, d.id, &d.content_hash, t0())
        .await
        .unwrap();
    let ev = drain(&mut rx);
    let (alan, bea, dana) = (w.people["alan"].id, w.people["bea"].id, w.people["dana"].id);
    let mut expected = vec![alan, bea, dana];
    expected.sort();
    assert!(
        ev.iter()
            .any(|e| matches!(e, CoreEvent::ApprovalRequested { to, .. } if *to == expected)),
        "step 2 is announced to all its approvers: {ev:?}"
    );
    let d = w
        .app
        .approve(&w.actor("alan").await, d.id, &d.content_hash, t0())
        .await
        .unwrap();
    let d = w
        .app
        .approve(&w.actor("bea").await, d.id, &d.content_hash, t0())
        .await
        .unwrap();
    assert_eq!(d.state, DraftState::InReview);
    assert_eq!(
        w.app.approval_status(d.id).await.unwrap().waiting_on,
        vec![dana]
    );
    let d = w
        .app
        .approve(&w.actor("dana").await, d.id, &d.content_hash, t0())
        .await
        .unwrap();
    assert_eq!(d.state, DraftState::Approved);
}

#[tokio::test]
async fn two_steps_with_any_approver_and_two_lanes() {
    let w = World::new(StepMode::Any).await;
    let olivia = w.actor("olivia").await;
    // Every embassy: the Europe lane (reviewer, then any approver) and the Asia lane.
    let d = w
        .app
        .create_draft(
            &olivia,
            w.content(
                "Ministry statement",
                vec![w.group_target("ministry")],
                Schedule::Now,
            ),
            t0(),
        )
        .await
        .unwrap();
    assert_eq!(d.targets.len(), 4);
    let d = w.app.submit(&olivia, d.id, t0()).await.unwrap();
    let status = w.app.approval_status(d.id).await.unwrap();
    let names: Vec<&str> = status.lanes.iter().map(|l| l.group_name.as_str()).collect();
    assert_eq!(names.len(), 2);
    assert!(
        names.contains(&"Europe") && names.contains(&"Asia"),
        "{names:?}"
    );
    let d = w
        .app
        .approve(&w.actor("dana").await, d.id, &d.content_hash, t0())
        .await
        .unwrap();
    assert_eq!(
        d.state,
        DraftState::InReview,
        "Dana completes Asia; Europe waits for its reviewer"
    );
    let d = w
        .app
        .approve(&w.actor("rita").await, d.id, &d.content_hash, t0())
        .await
        .unwrap();
    let d = w
        .app
        .approve(&w.actor("bea").await, d.id, &d.content_hash, t0())
        .await
        .unwrap();
    assert_eq!(d.state, DraftState::Approved);
    let entries = w
        .app
        .list_outbox(&OutboxFilter {
            draft: Some(d.id),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(entries.len(), 4);
}

#[tokio::test]
async fn a_draft_not_approved_by_its_time_expires() {
    let w = World::new(StepMode::Any).await;
    let olivia = w.actor("olivia").await;
    let at = t0() + mins(120);
    let d = w
        .app
        .create_draft(
            &olivia,
            w.content(
                "Reception tonight",
                vec![w.account_target("paris_x")],
                Schedule::At { instant: at },
            ),
            t0(),
        )
        .await
        .unwrap();
    let d = w.app.submit(&olivia, d.id, t0()).await.unwrap();
    let mut rx = w.app.subscribe();
    w.app.tick(at - mins(1)).await.unwrap();
    assert_eq!(w.app.draft(d.id).await.unwrap().state, DraftState::InReview);
    w.app.tick(at).await.unwrap();
    let d = w.app.draft(d.id).await.unwrap();
    assert_eq!(d.state, DraftState::Expired);
    assert!(d
        .state_note
        .unwrap()
        .contains("not approved by its scheduled time"));
    let ev = drain(&mut rx);
    assert!(ev.iter().any(|e| matches!(e, CoreEvent::DraftExpired { author_id, .. } if *author_id == w.people["olivia"].id)), "{ev:?}");
    assert!(
        w.app
            .list_outbox(&OutboxFilter {
                draft: Some(d.id),
                ..Default::default()
            })
            .await
            .unwrap()
            .is_empty(),
        "nothing went out"
    );
    let e = w
        .app
        .approve(&w.actor("rita").await, d.id, &d.content_hash, at + mins(1))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Conflict);
    let trail = w.app.audit_trail("draft", &d.id.to_string()).await.unwrap();
    let last = trail.last().unwrap();
    assert_eq!(
        (
            last.action.as_str(),
            last.actor_name.as_str(),
            last.actor_id
        ),
        ("draft.expired", "system", None)
    );
    // Rescheduled and resubmitted, it can go.
    let mut c = d.content.clone();
    c.schedule = Schedule::At {
        instant: at + mins(60),
    };
    let d = w
        .app
        .edit_draft(&olivia, d.id, None, c, at + mins(2))
        .await
        .unwrap();
    assert_eq!(
        w.app
            .resubmit(&olivia, d.id, at + mins(2))
            .await
            .unwrap()
            .state,
        DraftState::InReview
    );
}

#[tokio::test]
async fn versions_are_kept_and_compared() {
    let w = World::new(StepMode::Any).await;
    let olivia = w.actor("olivia").await;
    let d = w
        .app
        .create_draft(
            &olivia,
            w.content(
                "The ambassador met the minister",
                vec![w.account_target("paris_x")],
                Schedule::Now,
            ),
            t0(),
        )
        .await
        .unwrap();
    let mut c = d.content.clone();
    c.text = "The ambassador met the foreign minister".into();
    let d = w
        .app
        .edit_draft(&olivia, d.id, Some(d.rev), c.clone(), t0() + mins(1))
        .await
        .unwrap();
    // Saving the same content again makes no version.
    let same = w
        .app
        .edit_draft(&olivia, d.id, Some(d.rev), c.clone(), t0() + mins(2))
        .await
        .unwrap();
    assert_eq!(same.version, 2);
    // A stale window's save is refused, not merged.
    let mut c2 = c.clone();
    c2.variants.x = Some("Short X version".into());
    let e = w
        .app
        .edit_draft(&olivia, d.id, Some(d.rev - 1), c2.clone(), t0() + mins(3))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Conflict);
    let d = w
        .app
        .edit_draft(&olivia, d.id, Some(d.rev), c2, t0() + mins(3))
        .await
        .unwrap();
    let versions = w.app.draft_versions(d.id).await.unwrap();
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert_eq!(versions[0].content.text, "The ambassador met the minister");
    let diff = w.app.diff_draft_versions(d.id, 1, 3).await.unwrap();
    let fields: Vec<&str> = diff.changes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, vec!["text", "variants.x"]);
    assert!(diff.changes[0]
        .spans
        .iter()
        .any(|s| s.op == chancery_model::drafts::DiffOp::Added && s.text.contains("foreign")));
    // Versions cannot be changed or deleted, even with SQL.
    let mut conn = raw_connection(&w).await;
    let e = sqlx::query("UPDATE draft_versions SET content = '{}'")
        .execute(&mut conn)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("never changed"), "{e}");
    let e = sqlx::query("DELETE FROM draft_versions")
        .execute(&mut conn)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("never deleted"), "{e}");
}

#[tokio::test]
async fn per_target_problems_are_reported_before_submission() {
    let w = World::new(StepMode::Any).await;
    let olivia = w.actor("olivia").await;
    let health = chancery_model::accounts::TokenHealth {
        status: chancery_model::accounts::TokenStatus::NeedsReauth,
        access_expires_at: None,
        last_refresh_at: None,
        last_error: Some("revoked".into()),
    };
    w.app
        .store()
        .set_token_health(w.accounts["rome_x"].id, &health, t0())
        .await
        .unwrap();
    let img = w.dir.path().join("flag.png");
    std::fs::write(&img, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDRxxxx").unwrap();
    let mut c = w.content(
        &"x".repeat(297),
        vec![w.group_target("europe")],
        Schedule::Now,
    );
    c.media.push(
        w.app
            .attach_media(&img, Some("The flag".into()))
            .await
            .unwrap(),
    );
    let d = w.app.create_draft(&olivia, c, t0()).await.unwrap();
    std::fs::remove_file(&img).unwrap();
    let report = w.app.check_draft(d.id, t0()).await.unwrap();
    let msgs: Vec<&str> = report.problems.iter().map(|p| p.message.as_str()).collect();
    assert!(msgs.contains(&"@EmbassyParis: 297/280"), "{msgs:?}");
    assert!(msgs.contains(&"@EmbassyRome: 297/280"), "{msgs:?}");
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("@EmbassyRome: account needs re-authorisation")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("Facebook page embassyparis (facebook): image missing")),
        "{msgs:?}"
    );
    let e = w.app.submit(&olivia, d.id, t0()).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Validation);
    assert!(e.to_string().contains("@EmbassyParis: 297/280"), "{e}");
    // Tom (officer in Tokyo only) may not draft for Europe: submission says so.
    let tom = w.actor("tom").await;
    let d = w
        .app
        .create_draft(
            &tom,
            w.content("Hi", vec![w.account_target("paris_x")], Schedule::Now),
            t0(),
        )
        .await
        .unwrap();
    let report = w.app.check_draft(d.id, t0()).await.unwrap();
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.message == "@EmbassyParis: the author has no role on this account's group"),
        "{:?}",
        report.problems
    );
}

#[tokio::test]
async fn replies_from_the_inbox_are_drafts_too() {
    use chancery_model::items::{Entities, ItemAuthor, ItemKind, NewItem, SyncStream};
    let w = World::new(StepMode::Any).await;
    let paris = w.accounts["paris_x"].id;
    let item = NewItem {
        kind: ItemKind::XMention,
        external_id: "1900000000000000001".into(),
        author: ItemAuthor {
            external_id: "42".into(),
            handle: Some("citizen".into()),
            display_name: Some("A citizen".into()),
        },
        text: "Is the consulate open today?".into(),
        language: Some("en".into()),
        created_at: t0() - mins(30),
        edited_at: None,
        conversation_id: None,
        in_reply_to: None,
        permalink: None,
        entities: Entities::default(),
        raw: "{}".into(),
        deleted: false,
    };
    w.app
        .store()
        .ingest_page(paris, SyncStream::XMentions, &[item], None, t0())
        .await
        .unwrap();
    let item_id = chancery_store::item_id(paris, "1900000000000000001");
    let mut c = w.content("Yes, until 17:00.", vec![], Schedule::Now);
    c.reply_to = Some(chancery_model::drafts::ReplyTo {
        item_id,
        account_id: paris,
        network: chancery_model::accounts::Network::X,
        external_id: "1900000000000000001".into(),
    });
    let olivia = w.actor("olivia").await;
    let d = w.app.create_draft(&olivia, c, t0()).await.unwrap();
    assert_eq!(d.kind, chancery_model::drafts::DraftKind::Reply);
    assert_eq!(d.targets.len(), 1);
    let report = w.app.check_draft(d.id, t0()).await.unwrap();
    assert!(report.ok());
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.code == chancery_model::drafts::ProblemCode::ReplyNotSummoned),
        "{:?}",
        report.problems
    );
    // Europe's policy covers posts only: the reply is approved at submission.
    let d = w.app.submit(&olivia, d.id, t0()).await.unwrap();
    assert_eq!(d.state, DraftState::Approved);
    let claimed = w.app.claim_due(t0(), 10).await.unwrap();
    let SendPayload {
        reply_to_external_id,
        text,
        ..
    } = w.app.prepare_send(claimed[0].id, t0()).await.unwrap();
    assert_eq!(reply_to_external_id.as_deref(), Some("1900000000000000001"));
    assert_eq!(text, "Yes, until 17:00.");
}

pub async fn raw_connection(w: &World) -> sqlx::SqliteConnection {
    use sqlx::Connection;
    sqlx::SqliteConnection::connect_with(
        &sqlx::sqlite::SqliteConnectOptions::new().filename(w.db_path()),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn policies_are_admin_only_and_the_nearest_one_applies_and_drafts_are_listed() {
    use chancery_model::approvals::{ApprovalPolicy, ApprovalScope};
    let w = World::new(StepMode::Any).await;
    let (olivia, dana) = (w.actor("olivia").await, w.actor("dana").await);
    let none_for_rome = ApprovalPolicy {
        group_id: w.groups["rome"].id,
        scope: ApprovalScope::None,
        steps: vec![],
    };
    assert_eq!(
        w.app
            .set_approval_policy(&olivia, none_for_rome.clone(), t0())
            .await
            .unwrap_err()
            .code(),
        ErrorCode::Forbidden
    );
    w.app
        .set_approval_policy(&dana, none_for_rome, t0())
        .await
        .unwrap();
    assert_eq!(w.app.list_approval_policies().await.unwrap().len(), 3);
    // Rome's own policy (none) is nearer than Europe's: approved at submission.
    let d = w
        .app
        .create_draft(
            &olivia,
            w.content("Ciao", vec![w.account_target("rome_x")], Schedule::Now),
            t0(),
        )
        .await
        .unwrap();
    assert_eq!(
        w.app.submit(&olivia, d.id, t0()).await.unwrap().state,
        DraftState::Approved
    );
    // Removed, Europe's applies again.
    assert!(w
        .app
        .remove_approval_policy(&dana, w.groups["rome"].id, t0())
        .await
        .unwrap());
    assert!(!w
        .app
        .remove_approval_policy(&dana, w.groups["rome"].id, t0())
        .await
        .unwrap());
    let d2 = w
        .app
        .create_draft(
            &olivia,
            w.content("Ciao 2", vec![w.account_target("rome_x")], Schedule::Now),
            t0() + mins(1),
        )
        .await
        .unwrap();
    assert_eq!(
        w.app
            .submit(&olivia, d2.id, t0() + mins(1))
            .await
            .unwrap()
            .state,
        DraftState::InReview
    );
    let all = w.app.list_drafts(&Default::default()).await.unwrap();
    assert_eq!(
        all.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![d2.id, d.id],
        "most recent first"
    );
    let in_review = w
        .app
        .list_drafts(&chancery_store::DraftFilter {
            states: vec![DraftState::InReview],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(in_review.len(), 1);
    assert_eq!(in_review[0].excerpt, "Ciao 2");
    let by_dana = w
        .app
        .list_drafts(&chancery_store::DraftFilter {
            author: Some(w.people["dana"].id),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(by_dana.is_empty());
    let trail = w
        .app
        .audit_trail("policy", &w.groups["rome"].id.to_string())
        .await
        .unwrap();
    assert_eq!(
        trail.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        vec!["policy.set", "policy.removed"]
    );
}
