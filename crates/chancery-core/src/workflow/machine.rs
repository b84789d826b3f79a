//! The approval state machine (pure): (draft, decisions, registry facts, action, actor, now)
//! → a transition or a typed refusal. Every entry point (UI, CLI, IPC) reaches it through
//! `App::act_on_draft`, so none can skip a rule, in particular: **nobody approves their own
//! draft**.
//!
//! ```text
//!            edit (voids)                 reject(reason)
//!   ┌──────── editing ◄──────────┐   ┌──────────────► rejected ─────┐
//!   │            │ submit        │   │                               │
//!   │            ▼               │   │  request changes(comment)     │ resubmit
//!   │        in_review ──────────┼───┼──────────────► changes_req ───┤
//!   │            │ approve (all  │   │                               │
//!   │            │ lanes done)   │   └── withdraw ──► withdrawn ─────┤
//!   │            ▼               │                                   │
//!   └──────── approved ──────────┘   deadline passed ─► expired ─────┘
//! ```
//!
//! A submission with nothing to approve goes straight to `approved`.

use chancery_model::accounts::PersonId;
use chancery_model::approvals::{Decision, DecisionKind, LaneStatus, LaneStep, WorkflowAction};
use chancery_model::drafts::{Draft, DraftState};
use chrono::{DateTime, Utc};

use super::policy::{
    approval_counts_for, evaluate_lanes, unstaffed_steps, waiting_on, PolicyContext,
};
use crate::CoreError;

/// What the machine looks at.
#[derive(Debug, Clone, Copy)]
pub struct MachineInput<'a> {
    pub draft: &'a Draft,
    /// The author and everyone who saved a version.
    pub contributors: &'a [PersonId],
    pub ctx: &'a PolicyContext,
    pub decisions: &'a [Decision],
    /// Blocking validation problems (for submission), in words.
    pub blocking: &'a [String],
    pub now: DateTime<Utc>,
}

/// Why an action is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The actor wrote (part of) this draft.
    SelfApproval,
    /// Only the author may do this.
    NotAuthor {
        action: &'static str,
    },
    /// The actor holds no role that lets them act on the current step.
    NotEligible {
        detail: String,
    },
    /// Deactivated people cannot act.
    ActorInactive,
    WrongState {
        action: &'static str,
        state: DraftState,
        hint: String,
    },
    /// The approver saw another version than the current one.
    ContentChanged {
        current: String,
    },
    ReasonRequired,
    CommentRequired,
    /// The draft has blocking problems.
    NotReady {
        problems: Vec<String>,
    },
    /// Its first scheduled time passed before it was approved: it does not go out.
    DeadlinePassed {
        deadline: DateTime<Utc>,
    },
}

impl Refusal {
    pub fn message(&self) -> String {
        match self {
            Refusal::SelfApproval => {
                "you cannot approve a draft you wrote or edited: someone else must approve it".into()
            }
            Refusal::NotAuthor { action } => format!("only the draft's author can {action} it"),
            Refusal::NotEligible { detail } => detail.clone(),
            Refusal::ActorInactive => "this person is deactivated and cannot act on drafts".into(),
            Refusal::WrongState { action, state, hint } => {
                format!("cannot {action} a draft that is {}{hint}", state.as_str().replace('_', " "))
            }
            Refusal::ContentChanged { current } => format!(
                "the draft changed since you opened it (it is now {}…); review the new version before approving",
                &current[..current.len().min(12)]
            ),
            Refusal::ReasonRequired => "a rejection needs a reason".into(),
            Refusal::CommentRequired => "a change request needs a comment saying what to change".into(),
            Refusal::NotReady { problems } => {
                format!("the draft cannot be submitted yet: {}", problems.join("; "))
            }
            Refusal::DeadlinePassed { deadline } => format!(
                "the draft's scheduled time ({}) passed before it was approved, so it will not go out; \
                 its author can reschedule and resubmit it",
                deadline.to_rfc3339()
            ),
        }
    }
}

impl From<Refusal> for CoreError {
    fn from(r: Refusal) -> Self {
        let m = r.message();
        match r {
            Refusal::SelfApproval
            | Refusal::NotAuthor { .. }
            | Refusal::NotEligible { .. }
            | Refusal::ActorInactive => CoreError::Forbidden(m),
            Refusal::WrongState { .. }
            | Refusal::ContentChanged { .. }
            | Refusal::DeadlinePassed { .. } => CoreError::Conflict(m),
            Refusal::ReasonRequired | Refusal::CommentRequired | Refusal::NotReady { .. } => {
                CoreError::Validation(m)
            }
        }
    }
}

/// Who must hear about a transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// These people can now approve (newly waited on).
    ApprovalRequested {
        to: Vec<PersonId>,
    },
    Approved,
    Rejected {
        reason: String,
    },
    ChangesRequested {
        comment: String,
    },
    Withdrawn,
    Expired,
}

/// The outcome of an allowed action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub state: DraftState,
    pub round: u32,
    pub approved_hash: Option<String>,
    pub state_note: Option<String>,
    pub decision: DecisionKind,
    pub note: Option<String>,
    /// For approvals: the lane steps it counts for.
    pub counted_for: Vec<LaneStep>,
    /// The lanes after the action.
    pub lanes: Vec<LaneStatus>,
    /// The draft just became approved: queue its outbox entries.
    pub enqueue: bool,
    /// Cancel its queued outbox entries (an approved draft withdrawn).
    pub cancel_outbox: bool,
    pub notices: Vec<Notice>,
}

fn lanes_for(input: &MachineInput<'_>, decisions: &[Decision], round: u32) -> Vec<LaneStatus> {
    evaluate_lanes(
        input.ctx,
        input.draft.kind,
        &input.draft.targets,
        input.contributors,
        decisions,
        round,
        &input.draft.content_hash,
    )
}

fn base(
    input: &MachineInput<'_>,
    state: DraftState,
    decision: DecisionKind,
    lanes: Vec<LaneStatus>,
) -> Transition {
    Transition {
        state,
        round: input.draft.round,
        approved_hash: None,
        state_note: None,
        decision,
        note: None,
        counted_for: Vec::new(),
        lanes,
        enqueue: false,
        cancel_outbox: false,
        notices: Vec::new(),
    }
}

fn what_is_needed(lanes: &[LaneStatus]) -> String {
    let needs: Vec<String> = lanes
        .iter()
        .filter_map(|l| {
            let s = l.current_step?;
            let step = l.steps.get(s as usize)?;
            Some(format!(
                "step {} of {} needs {} on {}",
                s + 1,
                l.group_name,
                super::policy::with_article(step.role),
                l.group_name
            ))
        })
        .collect();
    needs.join("; ")
}

/// Decide `action` by `actor`.
pub fn decide(
    input: &MachineInput<'_>,
    action: &WorkflowAction,
    actor: PersonId,
) -> Result<Transition, Refusal> {
    let d = input.draft;
    if !input.ctx.active_people.contains(&actor) {
        return Err(Refusal::ActorInactive);
    }
    let is_author = actor == d.author_id;
    let wrote_it = is_author || input.contributors.contains(&actor);
    match action {
        WorkflowAction::Submit | WorkflowAction::Resubmit => {
            let (name, ok, kind) = match action {
                WorkflowAction::Submit => (
                    "submit",
                    d.state == DraftState::Editing,
                    DecisionKind::Submitted,
                ),
                _ => (
                    "resubmit",
                    matches!(
                        d.state,
                        DraftState::ChangesRequested
                            | DraftState::Rejected
                            | DraftState::Withdrawn
                            | DraftState::Expired
                    ),
                    DecisionKind::Resubmitted,
                ),
            };
            if !is_author {
                return Err(Refusal::NotAuthor { action: name });
            }
            if !ok {
                let hint = match (name, d.state) {
                    (
                        "submit",
                        DraftState::ChangesRequested
                        | DraftState::Rejected
                        | DraftState::Withdrawn
                        | DraftState::Expired,
                    ) => " (use resubmit)".to_string(),
                    ("resubmit", DraftState::Editing) => " (use submit)".to_string(),
                    (_, DraftState::InReview) => {
                        " (it is already waiting for approval)".to_string()
                    }
                    (_, DraftState::Approved) => " (it is already approved)".to_string(),
                    _ => String::new(),
                };
                return Err(Refusal::WrongState {
                    action: name,
                    state: d.state,
                    hint,
                });
            }
            if !input.blocking.is_empty() {
                return Err(Refusal::NotReady {
                    problems: input.blocking.to_vec(),
                });
            }
            let round = d.round + 1;
            let lanes = lanes_for(input, input.decisions, round);
            let unstaffed = unstaffed_steps(&lanes);
            if !unstaffed.is_empty() {
                return Err(Refusal::NotReady {
                    problems: unstaffed,
                });
            }
            let approved = lanes.iter().all(|l| l.complete);
            let to = waiting_on(&lanes);
            let mut t = base(input, DraftState::InReview, kind, lanes);
            t.round = round;
            if approved {
                t.state = DraftState::Approved;
                t.approved_hash = Some(d.content_hash.clone());
                t.enqueue = true;
                t.notices.push(Notice::Approved);
            } else {
                t.notices.push(Notice::ApprovalRequested { to });
            }
            Ok(t)
        }
        WorkflowAction::Withdraw => {
            if !is_author {
                return Err(Refusal::NotAuthor { action: "withdraw" });
            }
            if !matches!(d.state, DraftState::InReview | DraftState::Approved) {
                return Err(Refusal::WrongState {
                    action: "withdraw",
                    state: d.state,
                    hint: " (only a submitted draft can be withdrawn)".into(),
                });
            }
            let lanes = lanes_for(input, input.decisions, d.round);
            let mut t = base(input, DraftState::Withdrawn, DecisionKind::Withdrawn, lanes);
            t.cancel_outbox = d.state == DraftState::Approved;
            t.notices.push(Notice::Withdrawn);
            Ok(t)
        }
        WorkflowAction::Approve { content_hash } => {
            if wrote_it {
                return Err(Refusal::SelfApproval);
            }
            if d.state != DraftState::InReview {
                let hint = if d.state == DraftState::Approved {
                    " (it is already approved)"
                } else {
                    " (it is not waiting for approval)"
                };
                return Err(Refusal::WrongState {
                    action: "approve",
                    state: d.state,
                    hint: hint.into(),
                });
            }
            if let Some(deadline) = d.deadline().filter(|dl| *dl <= input.now) {
                return Err(Refusal::DeadlinePassed { deadline });
            }
            if *content_hash != d.content_hash {
                return Err(Refusal::ContentChanged {
                    current: d.content_hash.clone(),
                });
            }
            let lanes = lanes_for(input, input.decisions, d.round);
            let counts = approval_counts_for(&lanes, actor);
            if counts.is_empty() {
                let already = lanes
                    .iter()
                    .any(|l| l.steps.iter().any(|s| s.approved_by.contains(&actor)));
                let detail = if already {
                    "you have already approved this draft; the remaining steps need someone else"
                        .to_string()
                } else {
                    format!(
                        "you cannot approve this draft now: {}",
                        what_is_needed(&lanes)
                    )
                };
                return Err(Refusal::NotEligible { detail });
            }
            let before = waiting_on(&lanes);
            let mut decisions = input.decisions.to_vec();
            decisions.push(Decision {
                id: chancery_model::drafts::DecisionId(uuid::Uuid::nil()),
                draft_id: d.id,
                round: d.round,
                person_id: Some(actor),
                kind: DecisionKind::Approved,
                content_hash: d.content_hash.clone(),
                note: None,
                counted_for: counts.clone(),
                at: input.now,
            });
            let after = lanes_for(input, &decisions, d.round);
            let approved = after.iter().all(|l| l.complete);
            let newly: Vec<PersonId> = waiting_on(&after)
                .into_iter()
                .filter(|p| !before.contains(p))
                .collect();
            let mut t = base(input, DraftState::InReview, DecisionKind::Approved, after);
            t.counted_for = counts;
            if approved {
                t.state = DraftState::Approved;
                t.approved_hash = Some(d.content_hash.clone());
                t.enqueue = true;
                t.notices.push(Notice::Approved);
            } else if !newly.is_empty() {
                t.notices.push(Notice::ApprovalRequested { to: newly });
            }
            Ok(t)
        }
        WorkflowAction::Reject { reason } | WorkflowAction::RequestChanges { comment: reason } => {
            let rejecting = matches!(action, WorkflowAction::Reject { .. });
            let name = if rejecting {
                "reject"
            } else {
                "request changes to"
            };
            let reason = reason.trim();
            if reason.is_empty() {
                return Err(if rejecting {
                    Refusal::ReasonRequired
                } else {
                    Refusal::CommentRequired
                });
            }
            if wrote_it {
                return Err(Refusal::NotEligible {
                    detail: "you wrote or edited this draft: withdraw or edit it instead".into(),
                });
            }
            if d.state != DraftState::InReview {
                return Err(Refusal::WrongState {
                    action: name,
                    state: d.state,
                    hint: " (it is not waiting for approval)".into(),
                });
            }
            let lanes = lanes_for(input, input.decisions, d.round);
            let may = lanes
                .iter()
                .filter(|l| !l.complete)
                .any(|l| l.steps.iter().any(|s| s.eligible.contains(&actor)));
            if !may {
                return Err(Refusal::NotEligible {
                    detail: format!("you cannot review this draft: {}", what_is_needed(&lanes)),
                });
            }
            let (state, kind, notice) = if rejecting {
                (
                    DraftState::Rejected,
                    DecisionKind::Rejected,
                    Notice::Rejected {
                        reason: reason.to_string(),
                    },
                )
            } else {
                (
                    DraftState::ChangesRequested,
                    DecisionKind::ChangesRequested,
                    Notice::ChangesRequested {
                        comment: reason.to_string(),
                    },
                )
            };
            let mut t = base(input, state, kind, lanes);
            t.note = Some(reason.to_string());
            t.state_note = Some(reason.to_string());
            t.notices.push(notice);
            Ok(t)
        }
    }
}

/// The system's move when a draft's first scheduled instant passes without approval.
pub fn expire(input: &MachineInput<'_>) -> Option<Transition> {
    let d = input.draft;
    let deadline = d.deadline()?;
    if !matches!(d.state, DraftState::InReview | DraftState::ChangesRequested)
        || input.now < deadline
    {
        return None;
    }
    let lanes = lanes_for(input, input.decisions, d.round);
    let note = format!(
        "not approved by its scheduled time ({}); it did not go out",
        deadline.to_rfc3339()
    );
    let mut t = base(input, DraftState::Expired, DecisionKind::Expired, lanes);
    t.note = Some(note.clone());
    t.state_note = Some(note);
    t.notices.push(Notice::Expired);
    Some(t)
}

/// What saving a new version does to the workflow: `(new state, approvals voided, cancel the
/// queued outbox entries)`. Any edit of a submitted or approved draft sends it back to
/// editing (it must be submitted again, and earlier approvals no longer count); a draft
/// waiting for resubmission keeps its state (and the reason it was sent back).
pub fn after_edit(state: DraftState) -> (DraftState, bool, bool) {
    match state {
        DraftState::Editing => (DraftState::Editing, false, false),
        DraftState::InReview => (DraftState::Editing, true, false),
        DraftState::Approved => (DraftState::Editing, true, true),
        s @ (DraftState::ChangesRequested
        | DraftState::Rejected
        | DraftState::Withdrawn
        | DraftState::Expired) => (s, false, false),
    }
}

/// May `actor` edit a draft? Its author may; so may anyone holding a role on the group of
/// every target account (a reviewer fixing a typo), who then counts as one of its authors
/// and cannot approve it.
pub fn may_edit(ctx: &PolicyContext, draft: &Draft, actor: PersonId) -> Result<(), Refusal> {
    if !ctx.active_people.contains(&actor) {
        return Err(Refusal::ActorInactive);
    }
    if actor == draft.author_id {
        return Ok(());
    }
    let missing: Vec<String> = draft
        .targets
        .iter()
        .filter(|t| !ctx.has_any_role(actor, t.group_id))
        .map(|t| format!("@{}", t.handle))
        .collect();
    if missing.is_empty() && !draft.targets.is_empty() {
        Ok(())
    } else {
        Err(Refusal::NotEligible {
            detail: format!(
                "only the author, or someone with a role on every target account, may edit this draft{}",
                if missing.is_empty() { String::new() } else { format!(" (you have none on {})", missing.join(", ")) }
            ),
        })
    }
}

#[cfg(test)]
mod tests;
