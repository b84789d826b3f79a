//! The core's error type and its mapping onto the closed set of IPC error codes.

use chancery_model::{ErrorCode, IpcError};

/// Everything that can go wrong in the core, classified by what the user can do about it.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("{0}")]
    Validation(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NeedsReauth(String),
    #[error("{0}")]
    RateLimited(String),
    #[error("{0}")]
    Rejected(String),
    #[error("{0}")]
    Network(String),
    #[error("{0}")]
    KeychainUnavailable(String),
    #[error("{0}")]
    Paused(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Internal(String),
}

impl CoreError {
    /// The code the UI switches on.
    pub fn code(&self) -> ErrorCode {
        match self {
            CoreError::Validation(_) => ErrorCode::Validation,
            CoreError::NotFound(_) => ErrorCode::NotFound,
            CoreError::Conflict(_) => ErrorCode::Conflict,
            CoreError::Forbidden(_) => ErrorCode::Forbidden,
            CoreError::NeedsReauth(_) => ErrorCode::NeedsReauth,
            CoreError::RateLimited(_) => ErrorCode::RateLimited,
            CoreError::Rejected(_) => ErrorCode::Rejected,
            CoreError::Network(_) => ErrorCode::Network,
            CoreError::KeychainUnavailable(_) => ErrorCode::KeychainUnavailable,
            CoreError::Paused(_) => ErrorCode::Paused,
            CoreError::Io { .. } | CoreError::Internal(_) => ErrorCode::Internal,
        }
    }

    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        CoreError::Io {
            context: context.into(),
            source,
        }
    }
}

impl From<CoreError> for IpcError {
    fn from(e: CoreError) -> Self {
        let code = e.code();
        if code == ErrorCode::Internal {
            tracing::error!(error = %e, "internal error returned to the UI");
        }
        IpcError::new(code, e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_maps_to_its_code() {
        let cases = [
            (CoreError::Validation("x".into()), ErrorCode::Validation),
            (CoreError::Forbidden("x".into()), ErrorCode::Forbidden),
            (
                CoreError::KeychainUnavailable("x".into()),
                ErrorCode::KeychainUnavailable,
            ),
            (
                CoreError::io("reading", std::io::Error::other("boom")),
                ErrorCode::Internal,
            ),
        ];
        for (err, code) in cases {
            let ipc: IpcError = err.into();
            assert_eq!(ipc.code, code);
            assert!(!ipc.message.is_empty());
        }
    }
}
