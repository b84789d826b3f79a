//! Typed events for the UI (and for tests), and the status snapshot the dashboard shows.

use chancery_model::accounts::{AccountId, Network};
use chancery_model::items::{ItemId, SyncStream};
use chrono::{DateTime, Utc};
use serde::Serialize;
use specta::Type;

use crate::budget::{BudgetKey, BudgetStatus};
use crate::stream::Purpose;

/// Something the engine did that a window may want to show.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(
    tag = "type",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
)]
pub enum SyncEvent {
    /// A cycle (or a continuous run) started.
    Started { at: DateTime<Utc>, accounts: u32 },
    /// A page was stored for an account's stream.
    Progress {
        account_id: AccountId,
        stream: SyncStream,
        purpose: Purpose,
        /// Items stored (new or updated) from this page.
        stored: u32,
        /// The poll (all its pages) is complete.
        poll_done: bool,
    },
    /// New items of one page (one event per page, not per item).
    NewItems {
        account_id: AccountId,
        stream: SyncStream,
        item_ids: Vec<ItemId>,
    },
    /// Entries of a page that could not be read went to the quarantine (the rest was kept).
    Quarantined {
        account_id: AccountId,
        stream: SyncStream,
        count: u32,
    },
    /// A request failed; `retry_at` when it will be tried again.
    Error {
        account_id: AccountId,
        stream: SyncStream,
        /// What happened and what to do, in plain words.
        message: String,
        retry_at: Option<DateTime<Utc>>,
        /// Retries are used up: the stream waits for its next turn.
        gave_up: bool,
    },
    /// The account must be connected again; it is not synced until then.
    NeedsReauth {
        account_id: AccountId,
        network: Network,
        message: String,
    },
    /// A limit was hit or is near: calls charged to it wait until `until`.
    Throttled {
        budget: BudgetKey,
        until: DateTime<Utc>,
        message: String,
    },
    /// Budget use (sent after each cycle and every few seconds while running).
    Budgets { budgets: Vec<BudgetStatus> },
    /// A cycle finished (cycle mode) or the engine stopped.
    Finished {
        at: DateTime<Utc>,
        requests: u64,
        items: u64,
        errors: u64,
    },
}

/// An account's sync state, for the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum AccountSyncState {
    /// Nothing read yet.
    Pending,
    /// A request is in flight.
    Syncing,
    /// Up to date; waiting for the next poll.
    Idle,
    /// Held back by a rate limit or a throttle.
    Waiting,
    /// The last attempt failed; it will be tried again.
    Error,
    /// A person must reconnect the account.
    NeedsReauth,
}

/// One account on the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AccountStatus {
    pub account_id: AccountId,
    pub network: Network,
    pub handle: String,
    pub state: AccountSyncState,
    /// The oldest of its streams' last complete reads.
    pub last_success: Option<DateTime<Utc>>,
    /// The earliest next poll of its streams.
    pub next_poll: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// Items stored for it since the start of the day (UTC).
    pub items_today: u64,
    /// Backfill is still going down to the horizon.
    pub backfilling: bool,
}

/// What the desktop dashboard shows about sync.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatus {
    pub at: DateTime<Utc>,
    pub running: bool,
    pub accounts: Vec<AccountStatus>,
    pub budgets: Vec<BudgetStatus>,
    pub totals: SyncTotals,
}

/// Counters since the engine started, per network.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct NetworkTotals {
    pub requests: u64,
    pub items: u64,
    pub errors: u64,
    /// X 429s and Graph throttle errors.
    pub throttled: u64,
    pub quarantined: u64,
    /// Time spent waiting for answers (ms, summed over requests).
    pub busy_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncTotals {
    pub x: NetworkTotals,
    pub facebook: NetworkTotals,
    pub cost: CostEstimate,
}

/// An estimate of the X API cost of the reads, at pay-per-use prices.
///
/// Which reads count: every post returned by the mentions endpoint is a post read ($0.005) and
/// every user object in `includes.users` a user read ($0.010); X charges a resource once per
/// 24 h, so each is counted once (by id). Empty answers cost nothing. The daily figure
/// extrapolates the incremental reads (backfill excluded, it is a one-off) over the time
/// observed: `reads / observed content time × 24 h`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CostEstimate {
    pub post_reads: u64,
    pub user_reads: u64,
    pub backfill_post_reads: u64,
    pub backfill_user_reads: u64,
    /// Content time observed (seconds of real time × time scale).
    pub observed_seconds: f64,
    pub usd_observed: f64,
    pub usd_per_day: f64,
    pub usd_backfill: f64,
}

/// Pay-per-use prices (USD).
pub const POST_READ_USD: f64 = 0.005;
pub const USER_READ_USD: f64 = 0.010;
