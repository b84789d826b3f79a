//! The store's error type.

/// Everything the store can fail with. Messages are plain words; callers map the variants to
/// an `ErrorCode` (`NotFound`, `Invalid` -> validation, `Conflict`, the rest -> internal).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("could not bring the database schema up to date: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    /// A stored value the store cannot read back (a bug or a damaged file).
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
}

pub type StoreResult<T> = Result<T, StoreError>;
