//! The audit trail: an append-only, hash-chained log of every governance action.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::accounts::PersonId;
use crate::drafts::AuditEntryId;

/// One entry. `entry_hash` is the SHA-256 of the canonical encoding of every other field
/// (including `prev_hash`, the previous entry's `entry_hash`), so changing, inserting or
/// deleting an entry breaks the chain from there on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    pub id: AuditEntryId,
    /// Position in the chain, from 1, without gaps.
    pub seq: u64,
    pub at: DateTime<Utc>,
    /// `None` for the system (an expiry, a pause that ended by itself).
    pub actor_id: Option<PersonId>,
    /// The actor's name when the entry was written (`system` for the system).
    pub actor_name: String,
    /// What happened, e.g. `draft.approved`.
    pub action: String,
    /// What it happened to: `draft`, `outbox`, `pause`, `policy`.
    pub subject_kind: String,
    pub subject_id: String,
    /// The content hash the action was taken on, if it concerns content.
    pub content_hash: Option<String>,
    /// Details as a JSON object (reason, comment, targets...), exactly as hashed.
    pub details: String,
    pub prev_hash: String,
    pub entry_hash: String,
}

/// The result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditVerification {
    pub ok: bool,
    pub entries_checked: u64,
    /// The last entry's hash (write it down elsewhere to anchor the chain).
    pub head_hash: Option<String>,
    /// The first entry that does not check out, and why.
    pub first_bad: Option<AuditBreak>,
}

/// Where and how the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditBreak {
    /// The chain position where it breaks.
    pub seq: u64,
    pub problem: String,
}
