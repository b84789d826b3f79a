//! Shared helpers for the cross-crate stories.

pub mod secret_scan;
