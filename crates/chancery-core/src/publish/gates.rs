//! Rate limits, as the publisher respects them.
//!
//! - **X**: posting is limited per user (100 posts per 15 minutes) and per app (24-hour
//!   window). Every answer carries `x-rate-limit-*` headers: when the window's `remaining`
//!   reaches 0 the account is not sent to again before `reset`; a 429 blocks it until the reset
//!   it names (15 minutes when it names none); an exhausted app window blocks every X account.
//!   Where no header was seen yet, a local count of the account's posts in the last window
//!   keeps it under the documented limit.
//! - **Facebook**: throttling errors (codes 4, 17, 32, 613, 80000-80014) block the Page (or, for
//!   the app's and the user's limits, every Page) for the wait Meta names in its usage headers
//!   (5 minutes when it names none); a Page whose usage headers say it is at 95% or more of a
//!   limit waits 5 minutes before its next post.
//!
//! A blocked account is simply not claimed: its posts stay queued and go out when the block
//! ends, and the other accounts carry on.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use chancery_model::accounts::{AccountId, Network};
use chancery_net::{Budget, NetError, ThrottleScope};
use chrono::{DateTime, Duration, Utc};

/// What a block applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GateKey {
    Account(AccountId),
    /// Every X account (the app's window).
    XApp,
    /// Every Facebook Page (the app's or the user's limit).
    GraphApp,
}

/// Why and until when something is blocked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub until: DateTime<Utc>,
    /// In plain words.
    pub why: String,
}

/// The blocks and local post counts of one publisher.
#[derive(Debug)]
pub struct RateGates {
    blocks: Mutex<HashMap<GateKey, Block>>,
    posts: Mutex<HashMap<AccountId, VecDeque<DateTime<Utc>>>>,
    x_posts_per_window: usize,
    x_window: Duration,
}

/// Wait this long when a limit is hit and the network does not say for how long.
pub const DEFAULT_BLOCK: Duration = Duration::minutes(5);
/// X's window when a 429 names no reset.
pub const X_WINDOW: Duration = Duration::minutes(15);
/// A Facebook usage at or above this percentage pauses the Page.
pub const GRAPH_HIGH_USAGE_PERCENT: f64 = 95.0;

impl RateGates {
    pub fn new(x_posts_per_window: u32, x_window: Duration) -> RateGates {
        RateGates {
            blocks: Mutex::new(HashMap::new()),
            posts: Mutex::new(HashMap::new()),
            x_posts_per_window: x_posts_per_window.max(1) as usize,
            x_window,
        }
    }

    fn block(&self, key: GateKey, until: DateTime<Utc>, why: String) {
        let mut b = self.blocks.lock().unwrap_or_else(|p| p.into_inner());
        match b.get(&key) {
            Some(existing) if existing.until >= until => {}
            _ => {
                tracing::info!(?key, until = %until, why = %why, "publisher holds back");
                b.insert(key, Block { until, why });
            }
        }
    }

    /// Until when `account` may not be sent to (nor read for reconciliation), if it is blocked.
    pub fn blocked(
        &self,
        account: AccountId,
        network: Network,
        now: DateTime<Utc>,
    ) -> Option<Block> {
        let app_key = match network {
            Network::X => GateKey::XApp,
            Network::Facebook => GateKey::GraphApp,
        };
        let mut found: Option<Block> = None;
        {
            let mut b = self.blocks.lock().unwrap_or_else(|p| p.into_inner());
            b.retain(|_, v| v.until > now);
            for key in [GateKey::Account(account), app_key] {
                if let Some(v) = b.get(&key) {
                    if found.as_ref().is_none_or(|f| v.until > f.until) {
                        found = Some(v.clone());
                    }
                }
            }
        }
        if network == Network::X {
            let mut p = self.posts.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(q) = p.get_mut(&account) {
                while q.front().is_some_and(|t| *t + self.x_window <= now) {
                    q.pop_front();
                }
                if q.len() >= self.x_posts_per_window {
                    if let Some(oldest) = q.front() {
                        let until = *oldest + self.x_window;
                        if found.as_ref().is_none_or(|f| until > f.until) {
                            found = Some(Block {
                                until,
                                why: format!(
                                    "this account posted {} times in the last {} minutes, X's limit",
                                    q.len(),
                                    self.x_window.num_minutes()
                                ),
                            });
                        }
                    }
                }
            }
        }
        found
    }

    /// A post went out from `account` now.
    pub fn note_post(&self, account: AccountId, now: DateTime<Utc>) {
        let mut p = self.posts.lock().unwrap_or_else(|p| p.into_inner());
        p.entry(account).or_default().push_back(now);
    }

    /// What an answer's headers said about the limits.
    pub fn note_budget(
        &self,
        account: AccountId,
        network: Network,
        budget: &Budget,
        now: DateTime<Utc>,
    ) {
        match network {
            Network::X => {
                if let Some(w) = budget
                    .x_rate
                    .filter(|w| w.remaining == 0 && w.reset_at > now)
                {
                    self.block(
                        GateKey::Account(account),
                        w.reset_at,
                        format!(
                            "X's 15-minute limit for this account is used up until {} UTC",
                            w.reset_at.format("%H:%M:%S")
                        ),
                    );
                }
                if let Some(w) = budget
                    .x_user_24h
                    .filter(|w| w.remaining == 0 && w.reset_at > now)
                {
                    self.block(
                        GateKey::Account(account),
                        w.reset_at,
                        "X's 24-hour limit for this account is used up".into(),
                    );
                }
                if let Some(w) = budget
                    .x_app_24h
                    .filter(|w| w.remaining == 0 && w.reset_at > now)
                {
                    self.block(
                        GateKey::XApp,
                        w.reset_at,
                        "X's 24-hour limit for the whole Chancery app is used up".into(),
                    );
                }
            }
            Network::Facebook => {
                if let Some(wait) = budget.app_usage.and_then(|u| u.regain_after()) {
                    if let Ok(d) = Duration::from_std(wait) {
                        if d > Duration::zero() {
                            self.block(
                                GateKey::GraphApp,
                                now + d,
                                "Facebook's limit for the app is reached".into(),
                            );
                        }
                    }
                }
                let page_wait = budget
                    .page_usage
                    .and_then(|u| u.regain_after())
                    .into_iter()
                    .chain(
                        budget
                            .business_use_case
                            .iter()
                            .filter_map(|u| u.regain_after()),
                    )
                    .chain(budget.retry_after)
                    .max();
                if let Some(d) = page_wait.and_then(|w| Duration::from_std(w).ok()) {
                    if d > Duration::zero() {
                        self.block(
                            GateKey::Account(account),
                            now + d,
                            "Facebook's limit for this Page is reached".into(),
                        );
                    }
                }
                if budget.graph_max_percent() >= GRAPH_HIGH_USAGE_PERCENT {
                    self.block(
                        GateKey::Account(account),
                        now + DEFAULT_BLOCK,
                        "this Page is close to Facebook's limit".into(),
                    );
                }
            }
        }
    }

    /// What a failure says about the limits.
    pub fn note_error(
        &self,
        account: AccountId,
        network: Network,
        error: &NetError,
        budget: &Budget,
        now: DateTime<Utc>,
    ) {
        self.note_budget(account, network, budget, now);
        match error {
            NetError::RateLimited { reset_at, .. } => {
                let until = reset_at.filter(|t| *t > now).unwrap_or(now + X_WINDOW);
                self.block(GateKey::Account(account), until, error.plain_words());
            }
            NetError::UsageCapped { .. } => {
                self.block(GateKey::XApp, now + Duration::hours(1), error.plain_words());
            }
            NetError::Throttled {
                scope, retry_after, ..
            } => {
                let until = retry_after
                    .and_then(|d| Duration::from_std(d).ok())
                    .filter(|d| *d > Duration::zero())
                    .map_or(now + DEFAULT_BLOCK, |d| now + d);
                let key = match scope {
                    ThrottleScope::App | ThrottleScope::User => GateKey::GraphApp,
                    ThrottleScope::Page | ThrottleScope::BusinessUseCase => {
                        GateKey::Account(account)
                    }
                };
                self.block(key, until, error.plain_words());
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chancery_net::XRateLimit;
    use chrono::TimeZone;
    use uuid::Uuid;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap()
    }

    #[test]
    fn x_headers_429_and_the_local_count_block_one_account() {
        let g = RateGates::new(3, Duration::minutes(15));
        let (a, b) = (AccountId(Uuid::from_u128(1)), AccountId(Uuid::from_u128(2)));
        assert!(g.blocked(a, Network::X, t0()).is_none());
        let exhausted = Budget {
            x_rate: Some(XRateLimit {
                limit: 100,
                remaining: 0,
                reset_at: t0() + Duration::minutes(7),
            }),
            ..Budget::default()
        };
        g.note_budget(a, Network::X, &exhausted, t0());
        assert_eq!(
            g.blocked(a, Network::X, t0()).unwrap().until,
            t0() + Duration::minutes(7)
        );
        assert!(g.blocked(b, Network::X, t0()).is_none(), "others carry on");
        assert!(g
            .blocked(a, Network::X, t0() + Duration::minutes(7))
            .is_none());
        // A 429 without a reset: the window.
        let e = NetError::RateLimited {
            network: Network::X,
            reset_at: None,
            detail: "Too Many Requests".into(),
        };
        g.note_error(b, Network::X, &e, &Budget::default(), t0());
        assert_eq!(
            g.blocked(b, Network::X, t0()).unwrap().until,
            t0() + X_WINDOW
        );
        // The local count: 3 posts per window here.
        let c = AccountId(Uuid::from_u128(3));
        for i in 0..3 {
            assert!(g
                .blocked(c, Network::X, t0() + Duration::minutes(i))
                .is_none());
            g.note_post(c, t0() + Duration::minutes(i));
        }
        let blk = g
            .blocked(c, Network::X, t0() + Duration::minutes(3))
            .unwrap();
        assert_eq!(blk.until, t0() + Duration::minutes(15));
        assert!(g
            .blocked(c, Network::X, t0() + Duration::minutes(15))
            .is_none());
    }

    #[test]
    fn graph_throttling_blocks_the_page_or_every_page() {
        let g = RateGates::new(100, Duration::minutes(15));
        let (a, b) = (AccountId(Uuid::from_u128(1)), AccountId(Uuid::from_u128(2)));
        let page = NetError::Throttled {
            scope: ThrottleScope::Page,
            code: 32,
            retry_after: Some(std::time::Duration::from_secs(600)),
            detail: "x".into(),
        };
        g.note_error(a, Network::Facebook, &page, &Budget::default(), t0());
        assert_eq!(
            g.blocked(a, Network::Facebook, t0()).unwrap().until,
            t0() + Duration::minutes(10)
        );
        assert!(g.blocked(b, Network::Facebook, t0()).is_none());
        let app = NetError::Throttled {
            scope: ThrottleScope::App,
            code: 4,
            retry_after: None,
            detail: "x".into(),
        };
        g.note_error(a, Network::Facebook, &app, &Budget::default(), t0());
        assert_eq!(
            g.blocked(b, Network::Facebook, t0()).unwrap().until,
            t0() + DEFAULT_BLOCK
        );
        assert!(
            g.blocked(b, Network::X, t0()).is_none(),
            "X is not Facebook"
        );
    }
}
