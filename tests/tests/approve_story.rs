//! Story: a statement to every embassy, approved region by region, then a crisis pause.
//!
//! The ministry has two regions with different policies. Europe: posts need a reviewer, then
//! an approver. Asia: everything needs an approver. Olivia (officer) writes one statement for
//! every embassy at 09:00 local time; it needs the Europe lane (Rita, then Alan) and the Asia
//! lane (Dana, the digital lead). Tokyo's post goes out; before Paris's time an earthquake
//! makes Dana pause Europe; after resuming she decides post by post. Everything is in the
//! audit trail, which verifies. The network call itself is the publisher's (later); here the
//! publisher's side is played through the functions it will call.

use chancery_core::audit::{Actor, ExportFormat};
use chancery_core::{App, AppConfig, CoreError, CoreEvent};
use chancery_model::accounts::{
    AccountInput, AccountKind, GroupKind, Network, Role, TokenHealth, TokenStatus,
};
use chancery_model::approvals::{ApprovalPolicy, ApprovalScope, ApprovalStep, StepMode};
use chancery_model::drafts::{DraftContent, DraftState, Schedule, TargetRef, Variants};
use chancery_model::outbox::{HeldOutcome, OutboxState, PauseScope, SendOutcome};
use chancery_model::ErrorCode;
use chancery_store::OutboxFilter;
use chrono::{Duration, NaiveDate, TimeZone, Utc};

#[tokio::test]
async fn a_statement_to_every_embassy_approved_per_region_then_a_crisis_pause() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(AppConfig {
        data_dir: dir.path().to_path_buf(),
        workspace_id: "story-approve".into(),
    })
    .await
    .unwrap();
    let s = app.store();
    // Sunday 24 May 2026, evening in Europe.
    let t0 = Utc.with_ymd_and_hms(2026, 5, 24, 18, 0, 0).unwrap();

    // --- The workspace: groups, people, roles, accounts.
    let ministry = s
        .create_group("Ministry", GroupKind::Other, None, t0)
        .await
        .unwrap();
    let europe = s
        .create_group("Europe", GroupKind::Region, Some(ministry.id), t0)
        .await
        .unwrap();
    let asia = s
        .create_group("Asia", GroupKind::Region, Some(ministry.id), t0)
        .await
        .unwrap();
    let paris = s
        .create_group("Embassy Paris", GroupKind::Post, Some(europe.id), t0)
        .await
        .unwrap();
    let rome = s
        .create_group("Embassy Rome", GroupKind::Post, Some(europe.id), t0)
        .await
        .unwrap();
    let tokyo = s
        .create_group("Embassy Tokyo", GroupKind::Post, Some(asia.id), t0)
        .await
        .unwrap();
    let olivia = s
        .create_person("Olivia Officer", "olivia@ministry.example", t0)
        .await
        .unwrap();
    let rita = s
        .create_person("Rita Reviewer (Ambassador)", "rita@ministry.example", t0)
        .await
        .unwrap();
    let alan = s
        .create_person("Alan Approver", "alan@ministry.example", t0)
        .await
        .unwrap();
    let dana = s
        .create_person("Dana Digital Lead", "dana@ministry.example", t0)
        .await
        .unwrap();
    s.grant_role(olivia.id, ministry.id, Role::Officer, t0)
        .await
        .unwrap();
    s.grant_role(rita.id, europe.id, Role::Reviewer, t0)
        .await
        .unwrap();
    s.grant_role(alan.id, europe.id, Role::Approver, t0)
        .await
        .unwrap();
    s.grant_role(dana.id, ministry.id, Role::Approver, t0)
        .await
        .unwrap();
    s.grant_role(dana.id, ministry.id, Role::Admin, t0)
        .await
        .unwrap();
    let mut accounts = Vec::new();
    for (network, handle, group, tz) in [
        (Network::X, "EmbassyParis", paris.id, "Europe/Paris"),
        (
            Network::Facebook,
            "AmbassadeParis",
            paris.id,
            "Europe/Paris",
        ),
        (Network::X, "EmbassyRome", rome.id, "Europe/Rome"),
        (Network::X, "EmbassyTokyo", tokyo.id, "Asia/Tokyo"),
    ] {
        let input = AccountInput {
            network,
            external_id: Some(format!("id-{handle}")),
            handle: handle.into(),
            display_name: handle.into(),
            avatar_path: None,
            time_zone: tz.into(),
            language: "en".into(),
            group_id: group,
            kind: AccountKind::Institutional,
        };
        let (a, _) = s.upsert_account(&input, t0).await.unwrap();
        let health = TokenHealth {
            status: TokenStatus::Connected,
            access_expires_at: None,
            last_refresh_at: Some(t0),
            last_error: None,
        };
        s.set_token_health(a.id, &health, t0).await.unwrap();
        accounts.push(a);
    }
    let (paris_x, paris_fb, rome_x, tokyo_x) = (
        accounts[0].id,
        accounts[1].id,
        accounts[2].id,
        accounts[3].id,
    );
    let as_ = |p: &chancery_model::accounts::Person| Actor {
        id: Some(p.id),
        name: p.display_name.clone(),
    };
    let (olivia_a, rita_a, alan_a, dana_a) = (as_(&olivia), as_(&rita), as_(&alan), as_(&dana));

    // --- Dana (admin) sets the policies.
    let europe_policy = ApprovalPolicy {
        group_id: europe.id,
        scope: ApprovalScope::Posts,
        steps: vec![
            ApprovalStep {
                role: Role::Reviewer,
                mode: StepMode::Any,
            },
            ApprovalStep {
                role: Role::Approver,
                mode: StepMode::Any,
            },
        ],
    };
    let asia_policy = ApprovalPolicy {
        group_id: asia.id,
        scope: ApprovalScope::All,
        steps: vec![ApprovalStep {
            role: Role::Approver,
            mode: StepMode::Any,
        }],
    };
    assert_eq!(
        app.set_approval_policy(&olivia_a, europe_policy.clone(), t0)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::Forbidden
    );
    app.set_approval_policy(&dana_a, europe_policy, t0)
        .await
        .unwrap();
    app.set_approval_policy(&dana_a, asia_policy, t0)
        .await
        .unwrap();

    // --- Olivia writes one statement for every embassy, 09:00 local time on Monday.
    let mut events = app.subscribe();
    let long = "The Ministry expresses its solidarity with everyone affected by the floods and thanks the rescue teams for their tireless work over the weekend; our embassies remain open for consular assistance and will publish updates as the situation develops across the region. Please follow the advice of the local authorities and contact us at any time.";
    let content = DraftContent {
        text: long.into(),
        variants: Variants::default(),
        media: vec![],
        targets: vec![TargetRef::Group(ministry.id)],
        schedule: Schedule::LocalTime {
            local: NaiveDate::from_ymd_opt(2026, 5, 25)
                .unwrap()
                .and_hms_opt(9, 0, 0)
                .unwrap(),
        },
        reply_to: None,
    };
    let draft = app.create_draft(&olivia_a, content, t0).await.unwrap();
    let at = |id| {
        draft
            .targets
            .iter()
            .find(|t| t.account_id == id)
            .unwrap()
            .send_at
            .unwrap()
    };
    assert_eq!(
        at(paris_x),
        Utc.with_ymd_and_hms(2026, 5, 25, 7, 0, 0).unwrap(),
        "09:00 CEST"
    );
    assert_eq!(
        at(tokyo_x),
        Utc.with_ymd_and_hms(2026, 5, 25, 0, 0, 0).unwrap(),
        "09:00 JST"
    );
    // Too long for X: the check names every X account and submission is refused.
    let report = app.check_draft(draft.id, t0).await.unwrap();
    let too_long: Vec<&str> = report
        .problems
        .iter()
        .map(|p| p.message.as_str())
        .filter(|m| m.contains("/280"))
        .collect();
    assert_eq!(too_long.len(), 3, "{too_long:?}");
    assert_eq!(
        app.submit(&olivia_a, draft.id, t0)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::Validation
    );
    // A shorter X variant fixes it.
    let mut c = draft.content.clone();
    c.variants.x = Some("Solidarity with everyone affected by the floods. Our embassies remain open for consular assistance.".into());
    let draft = app
        .edit_draft(
            &olivia_a,
            draft.id,
            Some(draft.rev),
            c,
            t0 + Duration::minutes(5),
        )
        .await
        .unwrap();
    assert!(app.check_draft(draft.id, t0).await.unwrap().ok());
    let draft = app
        .submit(&olivia_a, draft.id, t0 + Duration::minutes(6))
        .await
        .unwrap();
    assert_eq!(draft.state, DraftState::InReview);
    let requested: Vec<CoreEvent> = std::iter::from_fn(|| events.try_recv().ok()).collect();
    assert!(requested.iter().any(|e| matches!(e, CoreEvent::ApprovalRequested { to, .. } if to.contains(&rita.id) && to.contains(&dana.id))), "{requested:?}");

    // --- Olivia cannot approve her own statement, whatever she tries.
    let e: CoreError = app
        .approve(
            &olivia_a,
            draft.id,
            &draft.content_hash,
            t0 + Duration::minutes(7),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden);

    // --- The ambassador asks for a change; Olivia makes it and resubmits.
    let draft = app
        .request_changes(
            &rita_a,
            draft.id,
            "Mention the hotline number",
            t0 + Duration::minutes(10),
        )
        .await
        .unwrap();
    assert_eq!(draft.state, DraftState::ChangesRequested);
    let mut c = draft.content.clone();
    c.text.push_str(" Hotline: +00 123 456.");
    let draft = app
        .edit_draft(
            &olivia_a,
            draft.id,
            Some(draft.rev),
            c,
            t0 + Duration::minutes(12),
        )
        .await
        .unwrap();
    let draft = app
        .resubmit(&olivia_a, draft.id, t0 + Duration::minutes(13))
        .await
        .unwrap();

    // --- Each lane is approved by its own people.
    let draft = app
        .approve(
            &dana_a,
            draft.id,
            &draft.content_hash,
            t0 + Duration::minutes(20),
        )
        .await
        .unwrap();
    let status = app.approval_status(draft.id).await.unwrap();
    let lane = |name: &str| {
        status
            .lanes
            .iter()
            .find(|l| l.group_name == name)
            .unwrap()
            .clone()
    };
    assert!(lane("Asia").complete && !lane("Europe").complete);
    assert_eq!(status.waiting_on, vec![rita.id]);
    let draft = app
        .approve(
            &rita_a,
            draft.id,
            &draft.content_hash,
            t0 + Duration::minutes(25),
        )
        .await
        .unwrap();
    let draft = app
        .approve(
            &alan_a,
            draft.id,
            &draft.content_hash,
            t0 + Duration::minutes(30),
        )
        .await
        .unwrap();
    assert_eq!(draft.state, DraftState::Approved);
    let queue = app
        .list_outbox(&OutboxFilter {
            draft: Some(draft.id),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(queue.len(), 4);
    assert!(queue
        .iter()
        .all(|e| e.state == OutboxState::Queued && e.content_hash == draft.content_hash));

    // --- The publisher's loop at 09:00 Tokyo: only Tokyo is due.
    let tokyo_time = at(tokyo_x);
    app.tick(tokyo_time).await.unwrap();
    let due = app.claim_due(tokyo_time, 10).await.unwrap();
    assert_eq!(
        due.iter().map(|e| e.account_id).collect::<Vec<_>>(),
        vec![tokyo_x]
    );
    let payload = app.prepare_send(due[0].id, tokyo_time).await.unwrap();
    assert_eq!(payload.content_hash, draft.content_hash);
    assert!(
        payload.text.starts_with("Solidarity"),
        "X gets the X variant"
    );
    app.record_send_outcome(
        due[0].id,
        SendOutcome::Sent {
            external_post_id: "1927000000000000001".into(),
        },
        tokyo_time,
    )
    .await
    .unwrap();

    // --- 06:30 UTC: an earthquake; Dana pauses Europe half an hour before Paris's post.
    let crisis = at(paris_x) - Duration::minutes(30);
    let pause = app
        .start_pause(
            &dana_a,
            PauseScope::Group(europe.id),
            "Earthquake in southern Europe",
            None,
            crisis,
        )
        .await
        .unwrap();
    assert_eq!(
        app.ensure_not_paused(paris_fb, at(paris_x))
            .await
            .unwrap_err()
            .code(),
        ErrorCode::Paused
    );
    app.tick(at(paris_x)).await.unwrap();
    assert!(
        app.claim_due(at(paris_x) + Duration::minutes(1), 10)
            .await
            .unwrap()
            .is_empty(),
        "nothing leaves Europe"
    );

    // --- Noon: Dana resumes and sees what was held; she releases Paris's X post, cancels the rest.
    let noon = Utc.with_ymd_and_hms(2026, 5, 25, 10, 0, 0).unwrap();
    let report = app.resume(&dana_a, pause.id, noon).await.unwrap();
    let mut held: Vec<_> = report
        .held
        .iter()
        .map(|h| (h.entry.account_id, h.outcome))
        .collect();
    held.sort_by_key(|h| h.0);
    let mut expected = vec![
        (paris_x, HeldOutcome::StillHeldPastTime),
        (paris_fb, HeldOutcome::StillHeldPastTime),
        (rome_x, HeldOutcome::StillHeldPastTime),
    ];
    expected.sort_by_key(|h| h.0);
    assert_eq!(held, expected);
    let entry = |id| {
        report
            .held
            .iter()
            .find(|h| h.entry.account_id == id)
            .unwrap()
            .entry
            .id
    };
    app.release_held(&dana_a, entry(paris_x), noon)
        .await
        .unwrap();
    app.cancel_outbox_entry(&dana_a, entry(paris_fb), noon)
        .await
        .unwrap();
    app.cancel_outbox_entry(&dana_a, entry(rome_x), noon)
        .await
        .unwrap();
    let due = app.claim_due(noon, 10).await.unwrap();
    assert_eq!(
        due.iter().map(|e| e.account_id).collect::<Vec<_>>(),
        vec![paris_x]
    );
    app.prepare_send(due[0].id, noon).await.unwrap();
    app.record_send_outcome(
        due[0].id,
        SendOutcome::Sent {
            external_post_id: "1927000000000000002".into(),
        },
        noon,
    )
    .await
    .unwrap();

    // --- The record: every step is in the audit trail, which verifies.
    let v = app.verify_audit().await.unwrap();
    assert!(v.ok, "{v:?}");
    let mut json = Vec::new();
    app.export_audit(ExportFormat::Json, &mut json)
        .await
        .unwrap();
    let entries: Vec<serde_json::Value> = serde_json::from_slice(&json).unwrap();
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "policy.set",
        "draft.created",
        "draft.changes_requested",
        "draft.resubmitted",
        "draft.approved",
        "pause.started",
        "pause.ended",
        "outbox.released",
        "outbox.cancelled",
        "outbox.sent",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
    let sent: Vec<&serde_json::Value> = entries
        .iter()
        .filter(|e| e["action"] == "outbox.sent")
        .collect();
    assert_eq!(sent.len(), 2);
    assert!(
        sent.iter()
            .all(|e| e["contentHash"] == draft.content_hash.as_str()),
        "what was sent is what was approved"
    );
}
