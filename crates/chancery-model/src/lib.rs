//! Chancery's plain data types.
//!
//! Everything here is data: no I/O, no async, no database or HTTP types. Types that cross the
//! IPC boundary derive [`specta::Type`] so the desktop shell can generate TypeScript from them.

/// A UUIDv7 identifier type: created from the caller's clock, shown and parsed as a UUID.
/// (Declared before the modules so all of them can use it.)
macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize, ::specta::Type,
        )]
        #[serde(transparent)]
        pub struct $name(pub ::uuid::Uuid);

        impl $name {
            /// A new UUIDv7 for the given creation time (the caller passes the clock).
            pub fn new_v7(now: ::chrono::DateTime<::chrono::Utc>) -> Self {
                let secs = u64::try_from(now.timestamp()).unwrap_or(0);
                let ts = ::uuid::Timestamp::from_unix(::uuid::NoContext, secs, now.timestamp_subsec_nanos());
                Self(::uuid::Uuid::new_v7(ts))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = ::uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                ::uuid::Uuid::parse_str(s).map(Self)
            }
        }
    };
}

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
