//! Shared helpers for the cross-crate stories.
