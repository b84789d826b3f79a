//! What the app reports about itself (version, where its data lives, whether the keychain works).

use serde::{Deserialize, Serialize};
use specta::Type;

/// The outcome of one start-up check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct CheckOutcome {
    pub ok: bool,
    /// What was checked and, on failure, what to do about it.
    pub message: String,
}

/// The app's self-description and start-up checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SystemCheck {
    pub version: String,
    pub data_dir: String,
    /// The keyring service name this workspace's credentials are stored under.
    pub keyring_service: String,
    pub keychain: CheckOutcome,
}
