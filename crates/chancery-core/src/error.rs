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

impl From<chancery_store::StoreError> for CoreError {
    fn from(e: chancery_store::StoreError) -> Self {
        use chancery_store::StoreError;
        match e {
            StoreError::NotFound(what) => CoreError::NotFound(format!("{what} not found")),
            StoreError::Invalid(m) => CoreError::Validation(m),
            StoreError::Conflict(m) => CoreError::Conflict(m),
            other => CoreError::Internal(other.to_string()),
        }
    }
}

/// A network error as the core reports it: the class picks the code, the message is the
/// network layer's plain words.
pub fn from_net(e: chancery_net::NetError) -> CoreError {
    use chancery_net::NetError as N;
    let words = e.plain_words();
    match e {
        N::Unauthorized { .. } => CoreError::NeedsReauth(words),
        N::RateLimited { .. } | N::Throttled { .. } | N::UsageCapped { .. } => {
            CoreError::RateLimited(words)
        }
        N::Permission { .. } => CoreError::Forbidden(words),
        N::PolicyBlock { .. }
        | N::DuplicatePost { .. }
        | N::ReplyNotAllowed { .. }
        | N::InvalidRequest { .. }
        | N::OAuth { .. } => CoreError::Rejected(words),
        N::NotFound { .. } => CoreError::NotFound(words),
        N::Server { .. }
        | N::Timeout { .. }
        | N::ConnectionReset { .. }
        | N::Connect { .. }
        | N::Malformed { .. }
        | N::Unexpected { .. } => CoreError::Network(words),
        N::Config(detail) => CoreError::Internal(format!("network configuration: {detail}")),
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
