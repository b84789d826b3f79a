//! Approval policies, workflow actions and decisions, and the approval status of a draft.
//!
//! A policy is set on a group and applies to the accounts of that group and of its
//! descendants, unless a nearer group has its own. A draft whose accounts fall under several
//! policies needs every one of them: each policy-owning group is a *lane*, approved by people
//! holding the step's role on that group (or on an ancestor of it).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::accounts::{AccountId, GroupId, PersonId, Role};
use crate::drafts::{DecisionId, DraftId, DraftState};

/// Which drafts a policy requires approval for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalScope {
    None,
    Posts,
    Replies,
    All,
}

impl ApprovalScope {
    pub const ALL: [ApprovalScope; 4] = [
        ApprovalScope::None,
        ApprovalScope::Posts,
        ApprovalScope::Replies,
        ApprovalScope::All,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalScope::None => "none",
            ApprovalScope::Posts => "posts",
            ApprovalScope::Replies => "replies",
            ApprovalScope::All => "all",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        ApprovalScope::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Whether one approver of a step is enough, or every eligible person must approve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum StepMode {
    Any,
    All,
}

/// One step of a policy: who approves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalStep {
    pub role: Role,
    pub mode: StepMode,
}

/// The approval policy of a group (and of its descendants without their own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalPolicy {
    pub group_id: GroupId,
    pub scope: ApprovalScope,
    /// In order; empty means nothing to approve.
    pub steps: Vec<ApprovalStep>,
}

/// What a person does to a draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(
    tag = "kind",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
)]
pub enum WorkflowAction {
    /// Send a draft for approval (from editing).
    Submit,
    /// Send it again after a rejection, a change request, a withdrawal or an expiry.
    Resubmit,
    /// Take it back out of review (author only).
    Withdraw,
    /// Approve the exact content with this hash.
    Approve { content_hash: String },
    /// Reject; a reason is required.
    Reject { reason: String },
    /// Ask the author for changes; a comment is required.
    RequestChanges { comment: String },
}

impl WorkflowAction {
    pub fn name(&self) -> &'static str {
        match self {
            WorkflowAction::Submit => "submit",
            WorkflowAction::Resubmit => "resubmit",
            WorkflowAction::Withdraw => "withdraw",
            WorkflowAction::Approve { .. } => "approve",
            WorkflowAction::Reject { .. } => "reject",
            WorkflowAction::RequestChanges { .. } => "request changes",
        }
    }
}

/// What a recorded decision was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    Submitted,
    Resubmitted,
    Withdrawn,
    Approved,
    Rejected,
    ChangesRequested,
    Expired,
}

impl DecisionKind {
    pub const ALL: [DecisionKind; 7] = [
        DecisionKind::Submitted,
        DecisionKind::Resubmitted,
        DecisionKind::Withdrawn,
        DecisionKind::Approved,
        DecisionKind::Rejected,
        DecisionKind::ChangesRequested,
        DecisionKind::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Submitted => "submitted",
            DecisionKind::Resubmitted => "resubmitted",
            DecisionKind::Withdrawn => "withdrawn",
            DecisionKind::Approved => "approved",
            DecisionKind::Rejected => "rejected",
            DecisionKind::ChangesRequested => "changes_requested",
            DecisionKind::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        DecisionKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A step of a lane an approval counted for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LaneStep {
    /// The policy-owning group (the lane).
    pub lane: GroupId,
    /// 0-based step index.
    pub step: u32,
}

/// A recorded decision on a draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    pub id: DecisionId,
    pub draft_id: DraftId,
    pub round: u32,
    /// `None` for the system (expiry).
    pub person_id: Option<PersonId>,
    pub kind: DecisionKind,
    /// The content hash the decision was made on.
    pub content_hash: String,
    /// Reason (reject), comment (changes requested).
    pub note: Option<String>,
    /// For approvals: the lane steps it counted for.
    pub counted_for: Vec<LaneStep>,
    pub at: DateTime<Utc>,
}

/// A step of a lane as it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StepStatus {
    pub role: Role,
    pub mode: StepMode,
    /// Who may approve it (holding the role on the lane's group or an ancestor, active, not
    /// the author).
    pub eligible: Vec<PersonId>,
    /// Who approved it in this round, on the current content.
    pub approved_by: Vec<PersonId>,
    pub complete: bool,
}

/// One lane: a policy-owning group and the draft's accounts under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LaneStatus {
    /// The group that owns the policy. For accounts with no policy anywhere up their tree it
    /// is the top of their tree, where the workspace default applies (`workspaceDefault`).
    pub group_id: Option<GroupId>,
    pub group_name: String,
    pub scope: ApprovalScope,
    pub accounts: Vec<AccountId>,
    pub steps: Vec<StepStatus>,
    /// No group up the tree has a policy: the workspace default (one approver, any) applies.
    /// Only a policy an admin sets explicitly (scope `none` included) replaces it.
    #[serde(default)]
    pub workspace_default: bool,
    /// The first incomplete step, if any.
    pub current_step: Option<u32>,
    pub complete: bool,
}

/// Where a draft's approval stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalStatus {
    pub draft_id: DraftId,
    pub state: DraftState,
    pub round: u32,
    pub content_hash: String,
    pub lanes: Vec<LaneStatus>,
    /// Every lane is complete.
    pub approved: bool,
    /// Who can move it forward now (eligible for a current step and not yet approved it).
    pub waiting_on: Vec<PersonId>,
}
