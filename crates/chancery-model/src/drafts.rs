//! Drafts: a post (or a reply from the inbox) with its text, per-network variants, images,
//! targets and schedule; every save is a version; validation results; and the ids of the
//! governance entities (drafts, decisions, outbox entries, pauses, audit entries).
//!
//! Everything here is data. The rules (counting, validation, scheduling, the approval state
//! machine) live in `chancery-core`.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::accounts::{AccountId, GroupId, Network, PersonId};
use crate::items::ItemId;

uuid_id!(
    /// A draft (post or reply).
    DraftId
);
uuid_id!(
    /// One workflow decision on a draft (submit, approve, reject...).
    DecisionId
);
uuid_id!(
    /// One (draft, target account) entry of the outbox.
    OutboxId
);
uuid_id!(
    /// A crisis pause.
    PauseId
);
uuid_id!(
    /// One entry of the audit trail.
    AuditEntryId
);

/// A new post, or a reply to an inbox item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum DraftKind {
    Post,
    Reply,
}

impl DraftKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DraftKind::Post => "post",
            DraftKind::Reply => "reply",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "post" => Some(DraftKind::Post),
            "reply" => Some(DraftKind::Reply),
            _ => None,
        }
    }
}

/// What a draft is addressed to: one account, or a group (every account in it and in its
/// descendants, resolved when the draft is saved).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Type,
)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum TargetRef {
    Account(AccountId),
    Group(GroupId),
}

/// An image attached to a draft: a local file, identified by the SHA-256 of its bytes. The
/// upload happens at publish time; if the file changes or disappears before then, validation
/// says so.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MediaAttachment {
    pub path: String,
    /// Lower-case hex SHA-256 of the file's bytes when attached.
    pub sha256: String,
    /// Detected from the bytes, e.g. `image/png`.
    pub mime_type: String,
    pub size_bytes: u64,
    pub alt_text: Option<String>,
}

/// When a draft goes out (once approved).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(
    tag = "kind",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
)]
pub enum Schedule {
    /// As soon as it is approved.
    Now,
    /// A wall-clock time in each target account's own time zone (e.g. 09:00 in Paris and
    /// 09:00 in Tokyo).
    LocalTime { local: NaiveDateTime },
    /// One instant for every target.
    At { instant: DateTime<Utc> },
}

/// Per-network replacements of the main text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Variants {
    pub x: Option<String>,
    pub facebook: Option<String>,
}

impl Variants {
    /// The variant for `network`, if there is one.
    pub fn for_network(&self, network: Network) -> Option<&str> {
        match network {
            Network::X => self.x.as_deref(),
            Network::Facebook => self.facebook.as_deref(),
        }
    }
}

/// The inbox item a reply answers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ReplyTo {
    pub item_id: ItemId,
    /// The account the item arrived on (the reply is sent from it).
    pub account_id: AccountId,
    pub network: Network,
    /// The network's id of the post or comment being answered.
    pub external_id: String,
}

/// What the author edits. Saving it makes a new version.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DraftContent {
    pub text: String,
    #[serde(default)]
    pub variants: Variants,
    #[serde(default)]
    pub media: Vec<MediaAttachment>,
    #[serde(default)]
    pub targets: Vec<TargetRef>,
    pub schedule: Schedule,
    pub reply_to: Option<ReplyTo>,
}

impl DraftContent {
    /// The text that goes to `network`: its variant if there is one, else the main text.
    pub fn text_for(&self, network: Network) -> &str {
        self.variants.for_network(network).unwrap_or(&self.text)
    }
}

/// One account a draft goes to, resolved from the targets when the draft was saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedTarget {
    pub account_id: AccountId,
    pub network: Network,
    pub handle: String,
    pub group_id: GroupId,
    pub time_zone: String,
    /// When it goes out; `None` for "as soon as approved" (or when the schedule could not be
    /// resolved, see `scheduleProblem`).
    pub send_at: Option<DateTime<Utc>>,
    /// A note about the schedule in this account's zone (an ambiguous local time and which
    /// instant was chosen).
    pub schedule_note: Option<String>,
    /// Why the schedule could not be resolved for this account (a local time that does not
    /// exist there, an unknown time zone).
    pub schedule_problem: Option<String>,
}

/// Where a draft is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum DraftState {
    /// Being written; not submitted (also after an edit voided a submission or approval).
    Editing,
    /// Submitted; waiting for approvals.
    InReview,
    /// A reviewer asked for changes; the author edits and resubmits.
    ChangesRequested,
    /// Rejected with a reason; the author may edit and resubmit.
    Rejected,
    /// The author took it back out of review.
    Withdrawn,
    /// Every approval it needs is in; its outbox entries are queued.
    Approved,
    /// Not approved by its scheduled time: it did not go out.
    Expired,
}

impl DraftState {
    pub const ALL: [DraftState; 7] = [
        DraftState::Editing,
        DraftState::InReview,
        DraftState::ChangesRequested,
        DraftState::Rejected,
        DraftState::Withdrawn,
        DraftState::Approved,
        DraftState::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DraftState::Editing => "editing",
            DraftState::InReview => "in_review",
            DraftState::ChangesRequested => "changes_requested",
            DraftState::Rejected => "rejected",
            DraftState::Withdrawn => "withdrawn",
            DraftState::Approved => "approved",
            DraftState::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        DraftState::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A draft as it is now (its latest version and its workflow state).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Draft {
    pub id: DraftId,
    pub kind: DraftKind,
    pub author_id: PersonId,
    pub state: DraftState,
    /// The latest version number (1 for the first save).
    pub version: u32,
    /// The submission round (0 before the first submission; +1 on every submission).
    pub round: u32,
    pub content: DraftContent,
    pub targets: Vec<ResolvedTarget>,
    /// SHA-256 (hex) of the canonical encoding of the content, resolved targets and schedule.
    pub content_hash: String,
    /// The hash that was approved, once approved.
    pub approved_hash: Option<String>,
    /// The last reason or comment given with a rejection or change request.
    pub state_note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Bumped on every change (optimistic concurrency between windows and processes).
    pub rev: u32,
}

impl Draft {
    /// The first instant any target is scheduled for: a draft not approved by then expires.
    pub fn deadline(&self) -> Option<DateTime<Utc>> {
        self.targets.iter().filter_map(|t| t.send_at).min()
    }
}

/// A draft in lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DraftSummary {
    pub id: DraftId,
    pub kind: DraftKind,
    pub author_id: PersonId,
    pub state: DraftState,
    pub version: u32,
    /// The first line of the text (up to 80 characters).
    pub excerpt: String,
    pub target_count: u32,
    pub updated_at: DateTime<Utc>,
}

/// One saved version of a draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DraftVersion {
    pub draft_id: DraftId,
    pub version: u32,
    pub content: DraftContent,
    pub targets: Vec<ResolvedTarget>,
    pub content_hash: String,
    pub saved_by: PersonId,
    pub saved_at: DateTime<Utc>,
}

/// What a piece of a text diff is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum DiffOp {
    Same,
    Added,
    Removed,
}

/// A run of words in a text diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DiffSpan {
    pub op: DiffOp,
    pub text: String,
}

/// One field that differs between two versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FieldChange {
    /// `text`, `variants.x`, `variants.facebook`, `media`, `targets`, `schedule`, `replyTo`.
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
    /// For texts: a word-level diff.
    pub spans: Vec<DiffSpan>,
}

/// What changed from one version to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct VersionDiff {
    pub draft_id: DraftId,
    pub from: u32,
    pub to: u32,
    pub changes: Vec<FieldChange>,
}

/// An inclusive range of UTF-16 code units (the unit JavaScript strings index by).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Utf16Span {
    pub start: u32,
    /// Inclusive.
    pub end: u32,
}

/// The weighted count of a text by X's rules (twitter-text v3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct XCount {
    /// The weighted length (what X compares with the limit).
    pub weighted_length: u32,
    /// The limit (280).
    pub max_weighted_length: u32,
    /// `weighted_length * 1000 / max`, for a length meter.
    pub permillage: u32,
    /// Within the limit, not empty and without characters X refuses.
    pub valid: bool,
    /// The whole text; `None` for an empty text.
    pub display_range: Option<Utf16Span>,
    /// The part within the limit.
    pub valid_range: Option<Utf16Span>,
    /// The part over the limit, to highlight, if any.
    pub over_limit: Option<Utf16Span>,
}

/// The length of a text by Facebook's rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FacebookCount {
    /// Characters (Unicode scalar values).
    pub length: u32,
    /// 63,206 for a Page post, 8,000 for a comment reply.
    pub max_length: u32,
    /// The part over the limit, to highlight (UTF-16, inclusive), if any.
    pub over_limit: Option<Utf16Span>,
}

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Blocks submission.
    Error,
    /// Worth reading; does not block.
    Warning,
}

/// What kind of problem (for the UI to pick an icon or a fix-it action; the message says it
/// in words).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ProblemCode {
    TextEmpty,
    TextTooLong,
    InvalidCharacters,
    NoTargets,
    TargetMissing,
    TargetsChanged,
    NeedsReauth,
    NotConnected,
    TooManyImages,
    ImageTooLarge,
    ImageType,
    ImageMissing,
    ImageChanged,
    ReplyNotSummoned,
    ReplyTargetMismatch,
    LocalTimeDoesNotExist,
    LocalTimeAmbiguous,
    UnknownTimeZone,
    ScheduleInPast,
    NoRoleOnTarget,
    NoApproverAvailable,
}

/// One thing wrong with (or worth knowing about) a draft, for one target or for all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    pub severity: Severity,
    pub code: ProblemCode,
    /// The account concerned, if it is about one.
    pub account_id: Option<AccountId>,
    /// Plain words, naming the account, e.g. "@EmbassyParis: 297/280".
    pub message: String,
    /// The part of the text concerned (UTF-16, inclusive), for highlighting.
    pub range: Option<Utf16Span>,
}

/// The result of checking a draft: counts for the texts as they will be sent, and every
/// problem found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ValidationReport {
    /// The X text's count (when any target is on X, or always for the editor's meter).
    pub x: Option<XCount>,
    pub facebook: Option<FacebookCount>,
    pub problems: Vec<Problem>,
}

impl ValidationReport {
    /// No problem blocks submission.
    pub fn ok(&self) -> bool {
        !self.problems.iter().any(|p| p.severity == Severity::Error)
    }
}
