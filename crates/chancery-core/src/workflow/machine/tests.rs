//! Table tests of the state machine and the lane rules.

use std::collections::HashSet;

use chancery_model::accounts::{
    AccountId, Group, GroupId, GroupKind, Network, PersonId, Role, RoleGrant,
};
use chancery_model::approvals::{
    ApprovalPolicy, ApprovalScope, ApprovalStep, Decision, DecisionKind, StepMode, WorkflowAction,
};
use chancery_model::drafts::{
    DecisionId, Draft, DraftContent, DraftId, DraftKind, DraftState, ResolvedTarget, Schedule,
    Variants,
};
use chrono::{DateTime, Duration, TimeZone, Utc};
use uuid::Uuid;

use super::*;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 8, 0, 0).unwrap()
}

fn pid(n: u128) -> PersonId {
    PersonId(Uuid::from_u128(n))
}
fn gid(n: u128) -> GroupId {
    GroupId(Uuid::from_u128(0x1000 + n))
}

const AUTHOR: u128 = 1;
const REVIEWER: u128 = 2;
const APPROVER1: u128 = 3;
const APPROVER2: u128 = 4;
const LEAD: u128 = 5;
const INACTIVE: u128 = 6;
const TOKYO_OFFICER: u128 = 7;
const ROOT: u128 = 0;
const EUROPE: u128 = 1;
const PARIS: u128 = 2;
const ASIA: u128 = 3;
const TOKYO: u128 = 4;

fn group(n: u128, name: &str, parent: Option<u128>) -> Group {
    Group {
        id: gid(n),
        name: name.into(),
        kind: GroupKind::Other,
        parent_id: parent.map(gid),
    }
}

fn grant(p: u128, g: u128, role: Role) -> RoleGrant {
    RoleGrant {
        person_id: pid(p),
        group_id: gid(g),
        role,
    }
}

/// Root (lead: approver; author: officer) > Europe (policy: posts, reviewer any then approver
/// `europe_mode`) > Paris; Root > Asia (policy: all, approver any) > Tokyo.
fn ctx(europe_mode: StepMode) -> PolicyContext {
    let groups = vec![
        group(ROOT, "Ministry", None),
        group(EUROPE, "Europe", Some(ROOT)),
        group(PARIS, "Embassy Paris", Some(EUROPE)),
        group(ASIA, "Asia", Some(ROOT)),
        group(TOKYO, "Embassy Tokyo", Some(ASIA)),
    ];
    let policies = vec![
        ApprovalPolicy {
            group_id: gid(EUROPE),
            scope: ApprovalScope::Posts,
            steps: vec![
                ApprovalStep {
                    role: Role::Reviewer,
                    mode: StepMode::Any,
                },
                ApprovalStep {
                    role: Role::Approver,
                    mode: europe_mode,
                },
            ],
        },
        ApprovalPolicy {
            group_id: gid(ASIA),
            scope: ApprovalScope::All,
            steps: vec![ApprovalStep {
                role: Role::Approver,
                mode: StepMode::Any,
            }],
        },
    ];
    let grants = vec![
        grant(AUTHOR, ROOT, Role::Officer),
        grant(AUTHOR, ROOT, Role::Approver), // the author is an approver too: still cannot approve their own
        grant(REVIEWER, EUROPE, Role::Reviewer),
        grant(APPROVER1, EUROPE, Role::Approver),
        grant(APPROVER2, EUROPE, Role::Approver),
        grant(LEAD, ROOT, Role::Approver),
        grant(INACTIVE, EUROPE, Role::Approver),
        grant(TOKYO_OFFICER, TOKYO, Role::Officer),
    ];
    let active: HashSet<PersonId> = [AUTHOR, REVIEWER, APPROVER1, APPROVER2, LEAD, TOKYO_OFFICER]
        .into_iter()
        .map(pid)
        .collect();
    PolicyContext::new(&groups, policies, grants, active)
}

fn target(n: u128, g: u128) -> ResolvedTarget {
    ResolvedTarget {
        account_id: AccountId(Uuid::from_u128(0x2000 + n)),
        network: Network::X,
        handle: format!("acct{n}"),
        group_id: gid(g),
        time_zone: "UTC".into(),
        send_at: Some(t0() + Duration::hours(4)),
        schedule_note: None,
        schedule_problem: None,
    }
}

fn draft(state: DraftState, targets: Vec<ResolvedTarget>) -> Draft {
    Draft {
        id: DraftId(Uuid::from_u128(0x3000)),
        kind: DraftKind::Post,
        author_id: pid(AUTHOR),
        state,
        version: 1,
        round: if state == DraftState::Editing { 0 } else { 1 },
        content: DraftContent {
            text: "Hello".into(),
            variants: Variants::default(),
            media: vec![],
            targets: vec![],
            schedule: Schedule::Now,
            reply_to: None,
        },
        targets,
        content_hash: "a".repeat(64),
        approved_hash: None,
        state_note: None,
        created_at: t0(),
        updated_at: t0(),
        rev: 1,
    }
}

struct World {
    ctx: PolicyContext,
    draft: Draft,
    decisions: Vec<Decision>,
    contributors: Vec<PersonId>,
}

impl World {
    fn new(mode: StepMode, targets: Vec<ResolvedTarget>) -> World {
        World {
            ctx: ctx(mode),
            draft: draft(DraftState::Editing, targets),
            decisions: vec![],
            contributors: vec![pid(AUTHOR)],
        }
    }

    fn act(&mut self, action: WorkflowAction, actor: u128) -> Result<Transition, Refusal> {
        let input = MachineInput {
            draft: &self.draft,
            contributors: &self.contributors,
            ctx: &self.ctx,
            decisions: &self.decisions,
            blocking: &[],
            now: t0(),
        };
        let t = decide(&input, &action, pid(actor))?;
        self.decisions.push(Decision {
            id: DecisionId(Uuid::from_u128(self.decisions.len() as u128 + 1)),
            draft_id: self.draft.id,
            round: t.round,
            person_id: Some(pid(actor)),
            kind: t.decision,
            content_hash: self.draft.content_hash.clone(),
            note: t.note.clone(),
            counted_for: t.counted_for.clone(),
            at: t0(),
        });
        self.draft.state = t.state;
        self.draft.round = t.round;
        self.draft.approved_hash = t.approved_hash.clone();
        Ok(t)
    }

    fn approve(&mut self, actor: u128) -> Result<Transition, Refusal> {
        let hash = self.draft.content_hash.clone();
        self.act(WorkflowAction::Approve { content_hash: hash }, actor)
    }
}

#[test]
fn nobody_approves_their_own_draft_in_any_state() {
    for state in DraftState::ALL {
        let mut w = World::new(StepMode::Any, vec![target(1, PARIS)]);
        w.draft.state = state;
        assert_eq!(
            w.approve(AUTHOR).unwrap_err(),
            Refusal::SelfApproval,
            "{state:?}"
        );
    }
    // Someone who edited the draft counts as an author.
    let mut w = World::new(StepMode::Any, vec![target(1, TOKYO)]);
    w.contributors.push(pid(LEAD));
    w.ctx.grants.push(grant(APPROVER1, ASIA, Role::Approver));
    w.act(WorkflowAction::Submit, AUTHOR).unwrap();
    assert_eq!(w.approve(LEAD).unwrap_err(), Refusal::SelfApproval);
    let e: crate::CoreError = Refusal::SelfApproval.into();
    assert_eq!(e.code(), chancery_model::ErrorCode::Forbidden);
}

#[test]
fn two_steps_reviewer_then_all_approvers() {
    let mut w = World::new(StepMode::All, vec![target(1, PARIS)]);
    let t = w.act(WorkflowAction::Submit, AUTHOR).unwrap();
    assert_eq!(t.state, DraftState::InReview);
    assert_eq!(
        t.notices,
        vec![Notice::ApprovalRequested {
            to: vec![pid(REVIEWER)]
        }]
    );
    // Step 2's people cannot jump the queue.
    assert!(matches!(
        w.approve(APPROVER1),
        Err(Refusal::NotEligible { .. })
    ));
    let t = w.approve(REVIEWER).unwrap();
    assert_eq!(t.state, DraftState::InReview);
    // Step 2 (all) = Europe's approvers and the lead (granted at the top); not the inactive
    // one, not the author.
    assert_eq!(
        t.lanes[0].steps[1].eligible,
        vec![pid(APPROVER1), pid(APPROVER2), pid(LEAD)]
    );
    assert_eq!(
        t.notices,
        vec![Notice::ApprovalRequested {
            to: vec![pid(APPROVER1), pid(APPROVER2), pid(LEAD)]
        }]
    );
    // The reviewer cannot approve twice in a lane.
    assert!(
        matches!(w.approve(REVIEWER), Err(Refusal::NotEligible { detail }) if detail.contains("already approved"))
    );
    assert_eq!(w.approve(APPROVER1).unwrap().state, DraftState::InReview);
    assert_eq!(w.approve(APPROVER2).unwrap().state, DraftState::InReview);
    let t = w.approve(LEAD).unwrap();
    assert_eq!(t.state, DraftState::Approved);
    assert!(t.enqueue);
    assert_eq!(
        t.approved_hash.as_deref(),
        Some(w.draft.content_hash.as_str())
    );
    assert_eq!(t.notices, vec![Notice::Approved]);
    assert!(matches!(
        w.approve(APPROVER1),
        Err(Refusal::WrongState { .. })
    ));
}

#[test]
fn two_steps_with_any_approver() {
    let mut w = World::new(StepMode::Any, vec![target(1, PARIS)]);
    w.act(WorkflowAction::Submit, AUTHOR).unwrap();
    w.approve(REVIEWER).unwrap();
    let t = w.approve(APPROVER2).unwrap();
    assert_eq!(t.state, DraftState::Approved);
}

#[test]
fn several_lanes_each_approved_by_their_own_people() {
    let mut w = World::new(StepMode::Any, vec![target(1, PARIS), target(2, TOKYO)]);
    let t = w.act(WorkflowAction::Submit, AUTHOR).unwrap();
    assert_eq!(t.lanes.len(), 2);
    assert_eq!(t.lanes[0].group_name, "Europe");
    assert_eq!(t.lanes[1].group_name, "Asia");
    // Europe's approver has no role in Asia and Europe's step 1 is not done: refused.
    let e = w.approve(APPROVER1).unwrap_err();
    assert!(
        matches!(&e, Refusal::NotEligible { detail } if detail.contains("step 1 of Europe needs a reviewer")),
        "{e:?}"
    );
    // The lead approves Asia's only step (Europe still waits for its reviewer).
    let t = w.approve(LEAD).unwrap();
    assert_eq!(
        t.counted_for,
        vec![LaneStep {
            lane: gid(ASIA),
            step: 0
        }]
    );
    assert!(t.lanes[1].complete && !t.lanes[0].complete);
    w.approve(REVIEWER).unwrap();
    // The lead may now approve Europe's step 2 too: one approval per lane.
    let t = w.approve(LEAD).unwrap();
    assert_eq!(
        t.counted_for,
        vec![LaneStep {
            lane: gid(EUROPE),
            step: 1
        }]
    );
    assert_eq!(t.state, DraftState::Approved);
}

#[test]
fn approvals_are_bound_to_the_content_hash_and_round() {
    let mut w = World::new(StepMode::Any, vec![target(1, TOKYO)]);
    w.act(WorkflowAction::Submit, AUTHOR).unwrap();
    let r = w
        .act(
            WorkflowAction::Approve {
                content_hash: "b".repeat(64),
            },
            LEAD,
        )
        .unwrap_err();
    assert!(matches!(r, Refusal::ContentChanged { .. }));
    // An approval recorded on other content, or in an earlier round, does not count.
    w.decisions.push(Decision {
        id: DecisionId(Uuid::from_u128(99)),
        draft_id: w.draft.id,
        round: 1,
        person_id: Some(pid(LEAD)),
        kind: DecisionKind::Approved,
        content_hash: "b".repeat(64),
        note: None,
        counted_for: vec![LaneStep {
            lane: gid(ASIA),
            step: 0,
        }],
        at: t0(),
    });
    let lanes = evaluate_lanes(
        &w.ctx,
        DraftKind::Post,
        &w.draft.targets,
        &w.contributors,
        &w.decisions,
        1,
        &w.draft.content_hash,
    );
    assert!(!lanes[0].complete);
    let lanes = evaluate_lanes(
        &w.ctx,
        DraftKind::Post,
        &w.draft.targets,
        &w.contributors,
        &w.decisions,
        2,
        &"b".repeat(64),
    );
    assert!(!lanes[0].complete, "another round");
}

#[test]
fn reject_and_request_changes_need_words_and_a_reviewer() {
    let mut w = World::new(StepMode::Any, vec![target(1, PARIS)]);
    w.act(WorkflowAction::Submit, AUTHOR).unwrap();
    assert_eq!(
        w.act(
            WorkflowAction::Reject {
                reason: "  ".into()
            },
            REVIEWER
        )
        .unwrap_err(),
        Refusal::ReasonRequired
    );
    assert_eq!(
        w.act(
            WorkflowAction::RequestChanges { comment: "".into() },
            REVIEWER
        )
        .unwrap_err(),
        Refusal::CommentRequired
    );
    assert!(matches!(
        w.act(
            WorkflowAction::Reject {
                reason: "no".into()
            },
            TOKYO_OFFICER
        ),
        Err(Refusal::NotEligible { .. })
    ));
    assert!(matches!(
        w.act(
            WorkflowAction::Reject {
                reason: "no".into()
            },
            AUTHOR
        ),
        Err(Refusal::NotEligible { .. })
    ));
    let t = w
        .act(
            WorkflowAction::RequestChanges {
                comment: "Name the minister".into(),
            },
            REVIEWER,
        )
        .unwrap();
    assert_eq!(t.state, DraftState::ChangesRequested);
    assert_eq!(t.state_note.as_deref(), Some("Name the minister"));
    assert_eq!(
        t.notices,
        vec![Notice::ChangesRequested {
            comment: "Name the minister".into()
        }]
    );
    // Resubmit (not submit) from there; a new round with no approvals carried over.
    assert!(
        matches!(w.act(WorkflowAction::Submit, AUTHOR), Err(Refusal::WrongState { hint, .. }) if hint.contains("resubmit"))
    );
    assert!(matches!(
        w.act(WorkflowAction::Resubmit, REVIEWER),
        Err(Refusal::NotAuthor { .. })
    ));
    let t = w.act(WorkflowAction::Resubmit, AUTHOR).unwrap();
    assert_eq!((t.state, t.round), (DraftState::InReview, 2));
    let t = w
        .act(
            WorkflowAction::Reject {
                reason: "Not now".into(),
            },
            APPROVER1,
        )
        .unwrap();
    assert_eq!(t.state, DraftState::Rejected);
    assert_eq!(w.act(WorkflowAction::Resubmit, AUTHOR).unwrap().round, 3);
}

#[test]
fn state_table() {
    use DraftState::*;
    // (state, action, actor, Ok(new state) or Err(refusal kind))
    let submit = WorkflowAction::Submit;
    let resubmit = WorkflowAction::Resubmit;
    let withdraw = WorkflowAction::Withdraw;
    let reject = WorkflowAction::Reject { reason: "r".into() };
    let table: Vec<(DraftState, &WorkflowAction, u128, Result<DraftState, &str>)> = vec![
        (Editing, &submit, AUTHOR, Ok(InReview)),
        (Editing, &submit, REVIEWER, Err("not author")),
        (Editing, &resubmit, AUTHOR, Err("wrong state")),
        (Editing, &withdraw, AUTHOR, Err("wrong state")),
        (Editing, &reject, REVIEWER, Err("wrong state")),
        (InReview, &submit, AUTHOR, Err("wrong state")),
        (InReview, &withdraw, AUTHOR, Ok(Withdrawn)),
        (InReview, &withdraw, REVIEWER, Err("not author")),
        (InReview, &reject, REVIEWER, Ok(Rejected)),
        (Approved, &withdraw, AUTHOR, Ok(Withdrawn)),
        (Approved, &reject, REVIEWER, Err("wrong state")),
        (Rejected, &resubmit, AUTHOR, Ok(InReview)),
        (Withdrawn, &resubmit, AUTHOR, Ok(InReview)),
        (Expired, &resubmit, AUTHOR, Ok(InReview)),
        (ChangesRequested, &resubmit, AUTHOR, Ok(InReview)),
        (Rejected, &withdraw, AUTHOR, Err("wrong state")),
        (Editing, &submit, INACTIVE, Err("inactive")),
    ];
    for (state, action, actor, expected) in table {
        let mut w = World::new(StepMode::Any, vec![target(1, PARIS)]);
        w.draft.state = state;
        let got = w.act(action.clone(), actor);
        match (got, expected) {
            (Ok(t), Ok(s)) => assert_eq!(t.state, s, "{state:?} {action:?}"),
            (Err(r), Err(kind)) => {
                let k = match r {
                    Refusal::NotAuthor { .. } => "not author",
                    Refusal::WrongState { .. } => "wrong state",
                    Refusal::ActorInactive => "inactive",
                    other => panic!("{state:?} {action:?}: unexpected {other:?}"),
                };
                assert_eq!(k, kind, "{state:?} {action:?}");
            }
            (got, exp) => panic!("{state:?} {action:?} by {actor}: got {got:?}, expected {exp:?}"),
        }
    }
}

#[test]
fn withdrawing_an_approved_draft_cancels_its_queue() {
    let mut w = World::new(StepMode::Any, vec![target(1, TOKYO)]);
    w.act(WorkflowAction::Submit, AUTHOR).unwrap();
    assert!(w.approve(LEAD).unwrap().enqueue);
    let t = w.act(WorkflowAction::Withdraw, AUTHOR).unwrap();
    assert!(t.cancel_outbox);
    assert_eq!(t.state, DraftState::Withdrawn);
}

#[test]
fn no_policy_anywhere_up_the_tree_means_the_workspace_default_one_approver() {
    // An account directly under the root: no policy above it. That is not "no approval": the
    // workspace default (one approver, any) applies, as if set on the root.
    let mut w = World::new(StepMode::Any, vec![target(1, ROOT)]);
    let t = w.act(WorkflowAction::Submit, AUTHOR).unwrap();
    assert_eq!(t.state, DraftState::InReview);
    assert!(!t.enqueue);
    assert_eq!(t.lanes[0].group_id, Some(gid(ROOT)));
    assert!(t.lanes[0].workspace_default);
    assert_eq!(t.lanes[0].scope, ApprovalScope::All);
    assert_eq!(t.lanes[0].steps.len(), 1);
    assert_eq!(t.lanes[0].steps[0].role, Role::Approver);
    // The author holds the approver role at the root too, and still cannot approve it.
    assert_eq!(w.approve(AUTHOR).unwrap_err(), Refusal::SelfApproval);
    // A reviewer is not an approver.
    assert!(matches!(
        w.approve(REVIEWER).unwrap_err(),
        Refusal::NotEligible { .. }
    ));
    let t = w.approve(LEAD).unwrap();
    assert_eq!(t.state, DraftState::Approved);
    assert!(t.enqueue);
    // Replies too.
    let mut w = World::new(StepMode::Any, vec![target(1, ROOT)]);
    w.draft.kind = DraftKind::Reply;
    assert_eq!(
        w.act(WorkflowAction::Submit, AUTHOR).unwrap().state,
        DraftState::InReview
    );
    // With nobody holding the approver role at the top, submission is refused (never
    // approved by default).
    let mut w = World::new(StepMode::Any, vec![target(1, ROOT)]);
    w.ctx
        .grants
        .retain(|g| !(g.role == Role::Approver && g.group_id == gid(ROOT)));
    assert!(matches!(
        w.act(WorkflowAction::Submit, AUTHOR).unwrap_err(),
        Refusal::NotReady { .. }
    ));
}

#[test]
fn an_explicit_policy_with_scope_none_means_no_approval() {
    let mut w = World::new(StepMode::Any, vec![target(1, ROOT)]);
    w.ctx.policies.insert(
        gid(ROOT),
        ApprovalPolicy {
            group_id: gid(ROOT),
            scope: ApprovalScope::None,
            steps: vec![],
        },
    );
    let t = w.act(WorkflowAction::Submit, AUTHOR).unwrap();
    assert_eq!(t.state, DraftState::Approved);
    assert!(t.enqueue);
    assert!(!t.lanes[0].workspace_default);
}

#[test]
fn scope_not_covering_the_kind_means_approved_at_submission() {
    // Europe's policy covers posts only: a reply from Paris needs no approval.
    let mut w = World::new(StepMode::Any, vec![target(1, PARIS)]);
    w.draft.kind = DraftKind::Reply;
    assert_eq!(
        w.act(WorkflowAction::Submit, AUTHOR).unwrap().state,
        DraftState::Approved
    );
    // Asia's covers all: a reply from Tokyo does.
    let mut w = World::new(StepMode::Any, vec![target(1, TOKYO)]);
    w.draft.kind = DraftKind::Reply;
    assert_eq!(
        w.act(WorkflowAction::Submit, AUTHOR).unwrap().state,
        DraftState::InReview
    );
}

#[test]
fn a_step_nobody_may_approve_blocks_submission() {
    let mut w = World::new(StepMode::Any, vec![target(1, PARIS)]);
    w.ctx.grants.retain(|g| g.role != Role::Reviewer);
    let r = w.act(WorkflowAction::Submit, AUTHOR).unwrap_err();
    assert!(
        matches!(&r, Refusal::NotReady { problems } if problems[0].contains("needs a reviewer on Europe")),
        "{r:?}"
    );
    // Blocking validation problems too.
    let w = World::new(StepMode::Any, vec![target(1, PARIS)]);
    let blocking = vec!["@acct1: 300/280".to_string()];
    let input = MachineInput {
        draft: &w.draft,
        contributors: &w.contributors,
        ctx: &w.ctx,
        decisions: &[],
        blocking: &blocking,
        now: t0(),
    };
    assert!(matches!(
        decide(&input, &WorkflowAction::Submit, pid(AUTHOR)),
        Err(Refusal::NotReady { .. })
    ));
}

#[test]
fn expiry_at_the_first_scheduled_instant() {
    let mut w = World::new(StepMode::Any, vec![target(1, PARIS)]);
    w.act(WorkflowAction::Submit, AUTHOR).unwrap();
    let deadline = w.draft.deadline().unwrap();
    fn at(w: &World, now: DateTime<Utc>) -> Option<Transition> {
        let input = MachineInput {
            draft: &w.draft,
            contributors: &w.contributors,
            ctx: &w.ctx,
            decisions: &w.decisions,
            blocking: &[],
            now,
        };
        expire(&input)
    }
    assert!(at(&w, deadline - Duration::seconds(1)).is_none());
    // Approving at or after the deadline is refused (even before the expiry ran).
    let input = MachineInput {
        draft: &w.draft,
        contributors: &w.contributors,
        ctx: &w.ctx,
        decisions: &w.decisions,
        blocking: &[],
        now: deadline,
    };
    let hash = w.draft.content_hash.clone();
    assert!(matches!(
        decide(
            &input,
            &WorkflowAction::Approve { content_hash: hash },
            pid(REVIEWER)
        ),
        Err(Refusal::DeadlinePassed { .. })
    ));
    let t = at(&w, deadline).unwrap();
    assert_eq!(t.state, DraftState::Expired);
    assert_eq!(t.notices, vec![Notice::Expired]);
    // An approved draft does not expire; neither does one being edited.
    w.draft.state = DraftState::Approved;
    assert!(at(&w, deadline).is_none());
    w.draft.state = DraftState::Editing;
    assert!(at(&w, deadline).is_none());
}

#[test]
fn edits_void_submissions_and_approvals() {
    use DraftState::*;
    assert_eq!(after_edit(Editing), (Editing, false, false));
    assert_eq!(after_edit(InReview), (Editing, true, false));
    assert_eq!(after_edit(Approved), (Editing, true, true));
    for s in [ChangesRequested, Rejected, Withdrawn, Expired] {
        assert_eq!(after_edit(s), (s, false, false));
    }
}

#[test]
fn who_may_edit() {
    let w = World::new(StepMode::Any, vec![target(1, PARIS), target(2, TOKYO)]);
    assert!(may_edit(&w.ctx, &w.draft, pid(AUTHOR)).is_ok());
    assert!(
        may_edit(&w.ctx, &w.draft, pid(LEAD)).is_ok(),
        "a role at the top covers both"
    );
    assert!(
        may_edit(&w.ctx, &w.draft, pid(REVIEWER)).is_err(),
        "no role on Tokyo"
    );
    assert!(may_edit(&w.ctx, &w.draft, pid(INACTIVE)).is_err());
}
