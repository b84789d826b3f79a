//! The outbox: one entry per (approved draft, target account), with its send state, and the
//! crisis pauses that hold entries.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::accounts::{AccountId, GroupId, Network, PersonId};
use crate::drafts::{DraftId, OutboxId, PauseId};

/// Where an outbox entry is.
///
/// ```text
/// queued --claim--> sending --sent--> sent
///   |  ^               |  \--failed (retryable)--> queued (attempt counted)
///   |  |               |  \--failed (final)------> failed
///   |  release         \--crash: stays `sending`; reconcile -> sent | queued
///   v  |
///  held (a pause covers the account; or, set by the publisher: the post is too late, or
///        its account must be reconnected)  queued|held --cancel--> cancelled
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    /// Waiting for its time (or due).
    Queued,
    /// It does not go out until released: a crisis pause covers its account, it is too late
    /// to go out without a person deciding, or its account must be reconnected (see
    /// [`OutboxEntry::hold_reason`]).
    Held,
    /// A publisher claimed it and is sending. An entry left here with no outcome means the
    /// app stopped mid-send: reconcile before any retry.
    Sending,
    Sent,
    /// Gave up (the error says why).
    Failed,
    /// Taken out of the queue by a person (or by an edit of the draft).
    Cancelled,
}

impl OutboxState {
    pub const ALL: [OutboxState; 6] = [
        OutboxState::Queued,
        OutboxState::Held,
        OutboxState::Sending,
        OutboxState::Sent,
        OutboxState::Failed,
        OutboxState::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Queued => "queued",
            OutboxState::Held => "held",
            OutboxState::Sending => "sending",
            OutboxState::Sent => "sent",
            OutboxState::Failed => "failed",
            OutboxState::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        OutboxState::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Nothing more will happen to it.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            OutboxState::Sent | OutboxState::Failed | OutboxState::Cancelled
        )
    }
}

/// One post to one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct OutboxEntry {
    pub id: OutboxId,
    pub draft_id: DraftId,
    /// The draft version that was approved (what is sent).
    pub draft_version: u32,
    pub account_id: AccountId,
    pub network: Network,
    /// The approved content hash; the publisher checks the content it sends still has it.
    pub content_hash: String,
    /// Not before this instant (the approval time for "now").
    pub send_at: DateTime<Utc>,
    pub state: OutboxState,
    pub attempts: u32,
    /// The last error in plain words.
    pub last_error: Option<String>,
    /// When the current or last send attempt started.
    pub attempt_started_at: Option<DateTime<Utc>>,
    /// The network's id of the post, once sent.
    pub external_post_id: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    /// The pause holding it (state `held`, reason `pause`).
    pub held_by: Option<PauseId>,
    /// Why it is held (state `held`); `None` otherwise.
    #[serde(default)]
    pub hold_reason: Option<HoldReason>,
    /// When it was meant to go out: its scheduled time (the approval time for "now"), or when
    /// a person released it. Retries do not move it; the publisher's lateness rule measures
    /// from it.
    pub scheduled_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Why an outbox entry is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum HoldReason {
    /// A crisis pause covers its account (`held_by` names it).
    Pause,
    /// The publisher got to it too long after its scheduled time (the app was closed, a pause
    /// just ended): it goes out only if a person releases it.
    Late,
    /// Its account's sign-in stopped working; it goes back in the queue once the account is
    /// reconnected.
    NeedsReauth,
}

impl HoldReason {
    pub const ALL: [HoldReason; 3] = [HoldReason::Pause, HoldReason::Late, HoldReason::NeedsReauth];

    pub fn as_str(self) -> &'static str {
        match self {
            HoldReason::Pause => "pause",
            HoldReason::Late => "late",
            HoldReason::NeedsReauth => "needs_reauth",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        HoldReason::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// What a pause covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum PauseScope {
    /// Every account.
    All,
    /// Every account of a group and of its descendants.
    Group(GroupId),
    /// One account.
    Account(AccountId),
}

impl PauseScope {
    /// Does this scope cover `account`, whose group and its ancestors are `lineage`?
    pub fn covers(&self, account: AccountId, lineage: &[GroupId]) -> bool {
        match self {
            PauseScope::All => true,
            PauseScope::Group(g) => lineage.contains(g),
            PauseScope::Account(a) => *a == account,
        }
    }
}

/// A crisis pause: nothing it covers leaves while it is on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Pause {
    pub id: PauseId,
    pub scope: PauseScope,
    pub reason: String,
    pub started_by: PersonId,
    pub started_at: DateTime<Utc>,
    /// Ends by itself at this instant, if set.
    pub until: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// `None` when it ended by itself (`until`).
    pub ended_by: Option<PersonId>,
}

impl Pause {
    /// Is the pause on at `now`?
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.ended_at.is_none() && self.until.is_none_or(|u| now < u)
    }
}

/// What a resume did with an entry the pause held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum HeldOutcome {
    /// Its time is still ahead: back in the queue.
    Requeued,
    /// Its time passed during the pause: it stays held until someone releases (sends now) or
    /// cancels it, so nothing goes out late without a person deciding.
    StillHeldPastTime,
    /// Another pause still covers its account.
    StillPaused,
}

impl HeldOutcome {
    /// What resuming does with a held entry due at `send_at`: another pause covering it keeps
    /// it held; a time still ahead puts it back in the queue; a time that passed during the
    /// pause leaves it held for a person to release or cancel.
    pub fn decide(send_at: DateTime<Utc>, now: DateTime<Utc>, covered_by_another: bool) -> Self {
        if covered_by_another {
            HeldOutcome::StillPaused
        } else if send_at > now {
            HeldOutcome::Requeued
        } else {
            HeldOutcome::StillHeldPastTime
        }
    }
}

/// One entry the pause held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct HeldEntry {
    pub entry: OutboxEntry,
    pub outcome: HeldOutcome,
}

/// The result of resuming: the pause and everything it held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ResumeReport {
    pub pause: Pause,
    pub held: Vec<HeldEntry>,
}

/// How a send attempt ended, as the publisher reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(
    tag = "kind",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
)]
pub enum SendOutcome {
    /// The network accepted it and gave this id.
    Sent { external_post_id: String },
    /// It failed; `retryable` puts it back in the queue (not before `retry_at`).
    Failed {
        error: String,
        retryable: bool,
        retry_at: Option<DateTime<Utc>>,
    },
}
