//! Chancery's plain data types.
//!
//! Everything here is data: no I/O, no async, no database or HTTP types. Types that cross the
//! IPC boundary derive [`specta::Type`] so the desktop shell can generate TypeScript from them.

pub mod error;
pub mod system;

pub use error::{ErrorCode, IpcError};
pub use system::{CheckOutcome, SystemCheck};
