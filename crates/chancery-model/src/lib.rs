//! Chancery's plain data types.
//!
//! Everything here is data: no I/O, no async, no database or HTTP types. Types that cross the
//! IPC boundary derive [`specta::Type`] so the desktop shell can generate TypeScript from them.

pub mod accounts;
pub mod approvals;
pub mod audit;
pub mod drafts;
pub mod error;
pub mod inbox;
pub mod items;
pub mod outbox;
pub mod session;
pub mod system;

pub use error::{ErrorCode, IpcError};
pub use system::{CheckOutcome, SystemCheck};
