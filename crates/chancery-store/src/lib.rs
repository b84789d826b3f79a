//! chancery-store: the local SQLite cache (in progress).
