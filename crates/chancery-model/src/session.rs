//! Who is using the app: the signed-in person and what they may do.

use serde::{Deserialize, Serialize};
use specta::Type;

use crate::accounts::{GroupId, Person, Role};

/// A role a person holds, and on which group (it applies to that group's descendants too).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RoleOnGroup {
    pub role: Role,
    pub group_id: GroupId,
    pub group_name: String,
}

/// A person as the sign-in screen and the people pickers show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PersonSummary {
    pub person: Person,
    pub roles: Vec<RoleOnGroup>,
}

/// The signed-in person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub person: Person,
    pub roles: Vec<RoleOnGroup>,
    /// Holds a reviewer or approver role somewhere (shows the approvals queue).
    pub can_review: bool,
    /// Holds the admin role somewhere (accounts, policies).
    pub is_admin: bool,
}

/// What this workspace is: a rehearsal on the sandbox, or the ministry's real accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceInfo {
    pub id: String,
    pub name: String,
    /// A rehearsal (sandbox) workspace: nothing reaches the real networks.
    pub rehearsal: bool,
    /// Where the X API and the Graph API are reached (the embedded sandbox in rehearsals).
    pub x_api_base: String,
    pub graph_api_base: String,
}

/// A draft waiting for the signed-in person, with where its approval stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct QueueEntry {
    pub draft: crate::drafts::DraftSummary,
    pub author_name: String,
    pub status: crate::approvals::ApprovalStatus,
}
