//! chancery-sync: reads every account's inbox streams into the local cache.
//!
//! - [`plan`]: the planner, a pure function from accounts, streams and their cursors, budgets
//!   and the clock to the next requests (tested with tables, no I/O).
//! - [`budget`]: the limits, from the servers' headers and the configured caps.
//! - [`stream`]: what each stream asks next and how a page moves its cursor ([`cursor`]).
//! - [`Engine`]: carries plans out with chancery-net and chancery-store (a page and its cursor
//!   in one transaction), in one cycle or continuously, and emits [`SyncEvent`]s.
//! - [`TokenSource`]: what the host (the core) must provide: tokens, one refresh after a 401,
//!   and "needs re-authorisation".

pub mod budget;
pub mod config;
pub mod cursor;
pub mod engine;
pub mod events;
mod fetch;
pub mod latency;
pub mod plan;
pub mod stream;
pub mod tokens;

pub use budget::{BudgetKey, BudgetStatus};
pub use config::SyncConfig;
pub use engine::{AccountFilter, Clock, Engine, RunReport, RunningEngine, SyncError, SystemClock};
pub use events::{
    AccountStatus, AccountSyncState, CostEstimate, NetworkTotals, SyncEvent, SyncStatus, SyncTotals,
};
pub use stream::{Purpose, SyncAccount};
pub use tokens::{StaticTokens, TokenError, TokenSource, XRefresh};
