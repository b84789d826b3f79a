//! Inbox items (one model across X and Facebook), their triage state, sync cursors and the
//! quarantine of payloads that could not be stored.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use specta::Type;
use uuid::Uuid;

use crate::accounts::{AccountId, Network, PersonId};

/// The public id of an inbox item: a UUIDv5 of `(account id, network-native id)`, so the same
/// item has the same id on every machine. `chancery_store::item_id` computes it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Type,
)]
#[serde(transparent)]
pub struct ItemId(pub Uuid);

impl std::fmt::Display for ItemId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for ItemId {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s).map(Self)
    }
}

/// The id of a triage note (UUIDv7: notes will be shared by a team workspace).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Type,
)]
#[serde(transparent)]
pub struct NoteId(pub Uuid);

impl NoteId {
    pub fn new_v7(now: DateTime<Utc>) -> Self {
        let secs = u64::try_from(now.timestamp()).unwrap_or(0);
        let ts = uuid::Timestamp::from_unix(uuid::NoContext, secs, now.timestamp_subsec_nanos());
        Self(Uuid::new_v7(ts))
    }
}

impl std::fmt::Display for NoteId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// What an inbox item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    XMention,
    XReply,
    FbComment,
    FbVisitorPost,
    FbTaggedPost,
    FbMessage,
}

impl ItemKind {
    pub const ALL: [ItemKind; 6] = [
        ItemKind::XMention,
        ItemKind::XReply,
        ItemKind::FbComment,
        ItemKind::FbVisitorPost,
        ItemKind::FbTaggedPost,
        ItemKind::FbMessage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::XMention => "x_mention",
            ItemKind::XReply => "x_reply",
            ItemKind::FbComment => "fb_comment",
            ItemKind::FbVisitorPost => "fb_visitor_post",
            ItemKind::FbTaggedPost => "fb_tagged_post",
            ItemKind::FbMessage => "fb_message",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        ItemKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The network this kind of item comes from.
    pub fn network(self) -> Network {
        match self {
            ItemKind::XMention | ItemKind::XReply => Network::X,
            _ => Network::Facebook,
        }
    }
}

/// Who wrote an item, as the network names them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ItemAuthor {
    pub external_id: String,
    /// X @handle without `@`; Facebook has none for most people.
    pub handle: Option<String>,
    pub display_name: Option<String>,
}

/// Mentions, hashtags and links found in an item's text (stored as JSON).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Entities {
    /// Handles without `@`.
    #[serde(default)]
    pub mentions: Vec<String>,
    /// Hashtags without `#`.
    #[serde(default)]
    pub hashtags: Vec<String>,
    /// Expanded URLs.
    #[serde(default)]
    pub urls: Vec<String>,
}

/// Triage status. `New` is "unread".
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Type,
)]
#[serde(rename_all = "snake_case")]
pub enum TriageStatus {
    New,
    Open,
    Done,
}

impl TriageStatus {
    pub const ALL: [TriageStatus; 3] = [TriageStatus::New, TriageStatus::Open, TriageStatus::Done];

    pub fn as_str(self) -> &'static str {
        match self {
            TriageStatus::New => "new",
            TriageStatus::Open => "open",
            TriageStatus::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        TriageStatus::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// An item as the sync engine hands it to the store (already parsed from the network's JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct NewItem {
    pub kind: ItemKind,
    /// The network-native id (X post id, Graph comment/post/message id).
    pub external_id: String,
    pub author: ItemAuthor,
    pub text: String,
    /// BCP 47 tag as the network reports it (`und` or none when unknown).
    pub language: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Set when the network says the item was edited.
    pub edited_at: Option<DateTime<Utc>>,
    pub conversation_id: Option<String>,
    pub in_reply_to: Option<String>,
    pub permalink: Option<String>,
    pub entities: Entities,
    /// The network's JSON for this item, as received (kept compressed).
    pub raw: String,
    /// The network says this item was deleted.
    pub deleted: bool,
}

/// A payload of a page that could not be parsed into a [`NewItem`]; it goes to the quarantine
/// in the same transaction as the rest of the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MalformedPayload {
    pub external_id: Option<String>,
    pub raw: String,
    pub reason: String,
}

/// An item in the inbox (list rows and details).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct InboxItem {
    pub id: ItemId,
    pub account_id: AccountId,
    pub network: Network,
    pub kind: ItemKind,
    pub external_id: String,
    pub author: ItemAuthor,
    pub text: String,
    pub language: Option<String>,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub conversation_id: Option<String>,
    pub in_reply_to: Option<String>,
    pub permalink: Option<String>,
    pub entities: Entities,
    pub deleted: bool,
    pub status: TriageStatus,
    pub assignee_id: Option<PersonId>,
    pub tags: Vec<String>,
}

/// A triage note on an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    pub id: NoteId,
    pub item_id: ItemId,
    pub author_id: PersonId,
    pub text: String,
    pub created_at: DateTime<Utc>,
}

/// A stream the sync engine reads for an account; each has its own cursor.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Type,
)]
#[serde(rename_all = "snake_case")]
pub enum SyncStream {
    XMentions,
    XReplies,
    FbFeed,
    FbTagged,
    FbComments,
    FbConversations,
}

impl SyncStream {
    pub const ALL: [SyncStream; 6] = [
        SyncStream::XMentions,
        SyncStream::XReplies,
        SyncStream::FbFeed,
        SyncStream::FbTagged,
        SyncStream::FbComments,
        SyncStream::FbConversations,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SyncStream::XMentions => "x_mentions",
            SyncStream::XReplies => "x_replies",
            SyncStream::FbFeed => "fb_feed",
            SyncStream::FbTagged => "fb_tagged",
            SyncStream::FbComments => "fb_comments",
            SyncStream::FbConversations => "fb_conversations",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        SyncStream::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn network(self) -> Network {
        match self {
            SyncStream::XMentions | SyncStream::XReplies => Network::X,
            _ => Network::Facebook,
        }
    }
}

/// The new state of a stream's cursor, committed with the page that produced it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CursorUpdate {
    /// Newest network id seen (X `since_id`).
    pub newest_id: Option<String>,
    /// Newest time seen (Graph `since`).
    pub since: Option<DateTime<Utc>>,
    /// Where backfill resumes (X `pagination_token`, Graph `after` cursor).
    pub backfill_position: Option<String>,
    /// Backfill went as far back as the network allows or the configured horizon.
    pub horizon_reached: bool,
}

/// A stream's stored cursor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncCursor {
    pub account_id: AccountId,
    pub stream: SyncStream,
    pub newest_id: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub backfill_position: Option<String>,
    pub horizon_reached: bool,
    pub updated_at: DateTime<Utc>,
}

/// Why one entry of a page was not stored as an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ItemRejection {
    pub external_id: Option<String>,
    pub reason: String,
}

/// What happened to a page.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct IngestReport {
    /// New items stored.
    pub inserted: u32,
    /// Their ids, in the order they were stored (the sync engine announces them to the UI).
    #[serde(default)]
    pub inserted_ids: Vec<ItemId>,
    /// Already stored items that the network reported edited or deleted, updated in place.
    pub updated: u32,
    /// Items already stored unchanged, or repeated within the page.
    pub duplicates: u32,
    /// Entries that went to the quarantine (see `rejections` for why).
    pub quarantined: u32,
    pub rejections: Vec<ItemRejection>,
}

/// A quarantined payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct QuarantineEntry {
    pub id: String,
    pub account_id: AccountId,
    pub stream: SyncStream,
    pub external_id: Option<String>,
    pub reason: String,
    pub raw: String,
    pub received_at: DateTime<Utc>,
}
