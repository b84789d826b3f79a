//! The account registry: people, their roles, the group tree, and the X accounts and Facebook
//! Pages the ministry runs.
//!
//! Ids are UUIDv7 (they will be shared by a future team workspace) and cross IPC as strings.
//! Tokens are never part of these types: they live in the OS keyring.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use specta::Type;

uuid_id!(
    /// A person using Chancery (officer, reviewer, approver, admin).
    PersonId
);
uuid_id!(
    /// A node of the group tree (region, embassy, "Ministers"...).
    GroupId
);
uuid_id!(
    /// One X account or Facebook Page in the registry.
    AccountId
);

/// The social network an account or item belongs to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Type,
)]
#[serde(rename_all = "snake_case")]
pub enum Network {
    X,
    Facebook,
}

impl Network {
    pub const ALL: [Network; 2] = [Network::X, Network::Facebook];

    /// The stable lowercase name used in storage and files (`x`, `facebook`).
    pub fn as_str(self) -> &'static str {
        match self {
            Network::X => "x",
            Network::Facebook => "facebook",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "x" => Some(Network::X),
            "facebook" => Some(Network::Facebook),
            _ => None,
        }
    }
}

/// A person. Deactivated people keep their history (notes, assignments) but cannot act.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    pub id: PersonId,
    pub display_name: String,
    pub email: String,
    pub active: bool,
}

/// What a person may do in a group (and, through inheritance, in all of its descendants).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Type,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Officer,
    Reviewer,
    Approver,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Officer, Role::Reviewer, Role::Approver, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Officer => "officer",
            Role::Reviewer => "reviewer",
            Role::Approver => "approver",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// A role granted to a person on a group.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RoleGrant {
    pub person_id: PersonId,
    pub group_id: GroupId,
    pub role: Role,
}

/// A role a person holds on a group, and where it comes from (the group itself or an ancestor).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct EffectiveRole {
    pub role: Role,
    /// The group the grant was made on (the asked group or one of its ancestors).
    pub granted_on: GroupId,
}

/// What kind of node a group is. Free-form trees are allowed; the kind is for display and
/// filtering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    Region,
    Post,
    Ministers,
    Ambassadors,
    Other,
}

impl GroupKind {
    pub const ALL: [GroupKind; 5] = [
        GroupKind::Region,
        GroupKind::Post,
        GroupKind::Ministers,
        GroupKind::Ambassadors,
        GroupKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GroupKind::Region => "region",
            GroupKind::Post => "post",
            GroupKind::Ministers => "ministers",
            GroupKind::Ambassadors => "ambassadors",
            GroupKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        GroupKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A node of the group tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub id: GroupId,
    pub name: String,
    pub kind: GroupKind,
    pub parent_id: Option<GroupId>,
}

/// A group with its children, for the tree view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GroupNode {
    pub group: Group,
    pub children: Vec<GroupNode>,
}

/// What an account is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// The ministry's or an embassy's institutional account.
    Institutional,
    /// A minister's or an ambassador's account run by the ministry.
    Personal,
    Other,
}

impl AccountKind {
    pub const ALL: [AccountKind; 3] = [
        AccountKind::Institutional,
        AccountKind::Personal,
        AccountKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Institutional => "institutional",
            AccountKind::Personal => "personal",
            AccountKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        AccountKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Whether the account's token (kept in the keyring) works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum TokenStatus {
    Connected,
    NeedsReauth,
    Disconnected,
}

impl TokenStatus {
    pub const ALL: [TokenStatus; 3] = [
        TokenStatus::Connected,
        TokenStatus::NeedsReauth,
        TokenStatus::Disconnected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TokenStatus::Connected => "connected",
            TokenStatus::NeedsReauth => "needs_reauth",
            TokenStatus::Disconnected => "disconnected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        TokenStatus::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The health of an account's token. The token itself is never stored here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TokenHealth {
    pub status: TokenStatus,
    pub access_expires_at: Option<DateTime<Utc>>,
    pub last_refresh_at: Option<DateTime<Utc>>,
    /// The last error in plain words, if the last use or refresh failed.
    pub last_error: Option<String>,
}

impl TokenHealth {
    pub fn disconnected() -> Self {
        Self {
            status: TokenStatus::Disconnected,
            access_expires_at: None,
            last_refresh_at: None,
            last_error: None,
        }
    }
}

/// An X account or a Facebook Page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub id: AccountId,
    pub network: Network,
    /// The X user id or the Facebook Page id; unknown until the account is connected.
    pub external_id: Option<String>,
    /// The X @handle (without `@`) or the Page's username / vanity name.
    pub handle: String,
    pub display_name: String,
    /// Path of the locally cached avatar file.
    pub avatar_path: Option<String>,
    /// IANA time zone name, e.g. `Asia/Tokyo`.
    pub time_zone: String,
    /// BCP 47 language tag of the account's main language, e.g. `ar`.
    pub language: String,
    pub group_id: GroupId,
    pub kind: AccountKind,
    pub token: TokenHealth,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What import or the UI provide to create or update an account. Matching an existing account:
/// by `(network, external_id)` when the external id is known, otherwise by `(network, handle)`
/// (case-insensitive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AccountInput {
    pub network: Network,
    pub external_id: Option<String>,
    pub handle: String,
    pub display_name: String,
    pub avatar_path: Option<String>,
    pub time_zone: String,
    pub language: String,
    pub group_id: GroupId,
    pub kind: AccountKind,
}

/// An account with the names of its group and the group's ancestors (root first), for lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AccountListing {
    pub account: Account,
    /// e.g. `["Europe", "Embassy Paris"]`.
    pub group_path: Vec<String>,
}
