//! The error that crosses IPC: `{code, message}` with a closed set of codes.

use serde::{Deserialize, Serialize};
use specta::Type;

/// The closed set of error codes the UI switches on. Never match on messages.
///
/// Adding a variant is a breaking change for the UI: the TypeScript `switch` over this union is
/// exhaustive, so the type check fails until every screen decides what to do with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The input was refused (bad field, over a limit). The message says what to fix.
    Validation,
    /// The thing asked for does not exist (or is not visible to this person).
    NotFound,
    /// The action conflicts with the current state (already approved, edited meanwhile...).
    Conflict,
    /// The acting person may not do this (for example approve their own draft).
    Forbidden,
    /// An account's token is expired or revoked: it needs re-authorisation.
    NeedsReauth,
    /// A network's rate limit or usage cap was hit; try again later.
    RateLimited,
    /// The network refused the request (policy block, duplicate post...). The message is the network's reason in plain words.
    Rejected,
    /// The network could not be reached or answered with a server error.
    Network,
    /// No usable OS credential store (keyring) on this machine.
    KeychainUnavailable,
    /// A crisis pause holds this action.
    Paused,
    /// A bug or an unexpected state. The message is for the logs and a bug report.
    Internal,
}

/// The error value every command returns to the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct IpcError {
    pub code: ErrorCode,
    pub message: String,
}

impl IpcError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_code_and_message() {
        let e = IpcError::new(ErrorCode::NeedsReauth, "token revoked");
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "needs_reauth", "message": "token revoked"})
        );
    }
}
