//! The unified inbox: filters, pages, unread counts, threads and triage changes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::accounts::{AccountId, GroupId, Network, PersonId};
use crate::items::{InboxItem, ItemId, ItemKind, TriageStatus};

/// Whose items to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AssigneeFilter {
    Unassigned,
    Person { id: PersonId },
}

/// An inbox filter. Every field narrows the result (they are AND-ed); a list field matches any
/// of its values; an empty list or `None` does not filter.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase", default)]
pub struct InboxFilter {
    pub networks: Vec<Network>,
    pub account_ids: Vec<AccountId>,
    /// Groups, each including all of its descendants.
    pub group_ids: Vec<GroupId>,
    pub kinds: Vec<ItemKind>,
    pub statuses: Vec<TriageStatus>,
    pub assignee: Option<AssigneeFilter>,
    /// Items carrying any of these tags.
    pub tags: Vec<String>,
    /// BCP 47 primary language subtags as stored (`ar`, `zh`, `en`...).
    pub languages: Vec<String>,
    /// Created at or after.
    pub since: Option<DateTime<Utc>>,
    /// Created strictly before.
    pub until: Option<DateTime<Utc>>,
    /// Full-text query: words (all must match), `"quoted phrases"`, `prefix*`, `-excluded`,
    /// `#hashtags` and `@handles`.
    pub search: Option<String>,
    /// Show items the network reported deleted (hidden by default).
    pub include_deleted: bool,
}

/// One page of the inbox, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct InboxPage {
    pub items: Vec<InboxItem>,
    /// Pass back to get the next (older) page; `None` at the end.
    pub next_cursor: Option<String>,
}

/// Unread (`new`) and `open` counts of one account (deleted items are not counted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AccountCounts {
    pub account_id: AccountId,
    pub unread: u32,
    pub open: u32,
}

/// Unread and `open` counts of a group, including all of its descendants' accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GroupCounts {
    pub group_id: GroupId,
    pub unread: u32,
    pub open: u32,
}

/// Counts for every account and every group at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct UnreadCounts {
    pub accounts: Vec<AccountCounts>,
    pub groups: Vec<GroupCounts>,
}

/// One item of a thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ThreadEntry {
    pub item: InboxItem,
    /// Written by one of our own accounts on that network.
    pub is_ours: bool,
}

/// The conversation an item belongs to, oldest first, as far as it is in the cache.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Thread {
    pub network: Network,
    pub conversation_id: Option<String>,
    pub entries: Vec<ThreadEntry>,
}

/// A triage change applied to one or many items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TriageChange {
    SetStatus { status: TriageStatus },
    Assign { person_id: Option<PersonId> },
    Tag { tag: String },
    Untag { tag: String },
}

/// The result of a bulk triage change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TriageOutcome {
    /// Items whose state actually changed.
    pub changed: u32,
    /// Ids that are not in the cache.
    pub not_found: Vec<ItemId>,
}
