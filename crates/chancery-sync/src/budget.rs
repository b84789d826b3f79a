//! Budgets: how many calls each limit still allows, from the servers' own headers and the
//! configured caps, with a safety margin. Plain state, no I/O: the planner reads it, the engine
//! feeds it what each response said.
//!
//! Four kinds of limit:
//! - `XApp`: X's app-level mentions limit (450 / 15 min), of which this client uses a share.
//!   User tokens do not report it, so it is a configured cap, paced by a token bucket.
//! - `XUser(account)`: the per-user window of the mentions endpoint, from `x-rate-limit-*`.
//! - `FbApp`: the app's Graph usage (`X-App-Usage`, codes 4/17) and a configured cap.
//! - `FbPage(account)`: the Page's usage (`X-Page-Usage`, `X-Business-Use-Case-Usage`, codes
//!   32/613/80001...) and a configured per-Page cap.

use std::collections::BTreeMap;

use chancery_model::accounts::AccountId;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use specta::Type;

use crate::config::SyncConfig;

/// One limit the planner must stay under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Type)]
#[serde(tag = "kind", content = "accountId", rename_all = "snake_case")]
pub enum BudgetKey {
    XApp,
    XUser(AccountId),
    FbApp,
    FbPage(AccountId),
}

/// A paced cap: `capacity` calls of burst, refilled at `rate` calls per millisecond.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenBucket {
    pub capacity: f64,
    pub tokens: f64,
    pub per_ms: f64,
    pub updated: DateTime<Utc>,
}

impl TokenBucket {
    /// A bucket allowing at most `per_window` calls in any window (burst + paced refill).
    pub fn for_cap(
        per_window: f64,
        window: Duration,
        burst_share: f64,
        now: DateTime<Utc>,
    ) -> Self {
        let burst = (per_window * burst_share).max(1.0);
        let paced = (per_window - burst).max(1.0);
        TokenBucket {
            capacity: burst,
            tokens: burst,
            per_ms: paced / window.num_milliseconds().max(1) as f64,
            updated: now,
        }
    }

    pub fn available(&self, now: DateTime<Utc>) -> f64 {
        let el = (now - self.updated).num_milliseconds().max(0) as f64;
        (self.tokens + el * self.per_ms).min(self.capacity)
    }

    fn take(&mut self, now: DateTime<Utc>) {
        self.tokens = self.available(now) - 1.0;
        self.updated = now.max(self.updated);
    }

    /// When `need` tokens will be there.
    pub fn ready_at(&self, now: DateTime<Utc>, need: f64) -> DateTime<Utc> {
        let have = self.available(now);
        if have >= need {
            return now;
        }
        let ms = ((need - have) / self.per_ms).ceil() as i64;
        now + Duration::milliseconds(ms.max(1))
    }
}

/// An X window as the last response reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub limit: u64,
    pub remaining: u64,
    pub reset_at: DateTime<Utc>,
}

/// Graph's usage percentage as last reported.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Usage {
    pub percent: f64,
    pub observed_at: DateTime<Utc>,
    /// How long to stay away while it is at or above the ceiling (doubles while it stays high).
    pub pause: Duration,
}

/// The state of one budget.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BudgetState {
    pub bucket: Option<TokenBucket>,
    pub window: Option<Window>,
    pub usage: Option<Usage>,
    /// A 429 or throttle error said: nothing before this.
    pub blocked_until: Option<DateTime<Utc>>,
    /// Requests sent and not answered yet.
    pub in_flight: u32,
    /// Calls made since the engine started.
    pub calls: u64,
    /// 429s and throttle errors received.
    pub throttled: u64,
}

impl BudgetState {
    /// `Ok` if `extra` more calls (on top of those in flight) may start now, else when.
    pub fn ready(
        &self,
        now: DateTime<Utc>,
        extra: u32,
        config: &SyncConfig,
    ) -> Result<(), DateTime<Utc>> {
        let mut wait = now;
        if let Some(b) = self.blocked_until {
            if b > now {
                wait = wait.max(b);
            }
        }
        let pending = self.in_flight + extra;
        if let Some(w) = self.window {
            if w.reset_at > now {
                let margin = ((w.limit as f64) * config.safety_margin).ceil().max(1.0) as u64;
                if w.remaining <= margin + u64::from(pending) {
                    wait = wait.max(w.reset_at);
                }
            }
        }
        if let Some(u) = self.usage {
            if u.percent >= config.fb_usage_ceiling {
                // One probe at a time once the pause is over.
                let until = u.observed_at + u.pause;
                if until > now || pending > 0 {
                    wait = wait.max(until.max(now + Duration::milliseconds(1)));
                }
            }
        }
        if let Some(b) = &self.bucket {
            let r = b.ready_at(now, 1.0 + f64::from(extra));
            wait = wait.max(r);
        }
        if wait > now {
            Err(wait)
        } else {
            Ok(())
        }
    }
}

/// A budget as the dashboard shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct BudgetStatus {
    pub key: BudgetKey,
    /// e.g. "X mentions, app", "Facebook Page @EmbassyParis".
    pub label: String,
    /// Calls made in the current window, as far as known (server-reported where possible).
    pub used: Option<u64>,
    pub limit: Option<u64>,
    pub resets_at: Option<DateTime<Utc>>,
    /// Graph usage percentage.
    pub percent: Option<f64>,
    pub blocked_until: Option<DateTime<Utc>>,
    pub calls: u64,
    pub throttled: u64,
}

/// Every budget the engine knows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BudgetBook {
    pub states: BTreeMap<BudgetKey, BudgetState>,
}

impl BudgetBook {
    fn bucket_for(key: BudgetKey, config: &SyncConfig, now: DateTime<Utc>) -> Option<TokenBucket> {
        match key {
            BudgetKey::XApp => Some(TokenBucket::for_cap(
                config.x_app_cap(),
                config.real(config.x_window),
                config.burst_share(),
                now,
            )),
            BudgetKey::FbPage(_) => Some(TokenBucket::for_cap(
                f64::from(config.fb_page_calls_per_hour),
                config.real(config.fb_window),
                config.burst_share(),
                now,
            )),
            BudgetKey::FbApp => Some(TokenBucket::for_cap(
                f64::from(config.fb_app_calls_per_hour),
                config.real(config.fb_window),
                config.burst_share(),
                now,
            )),
            BudgetKey::XUser(_) => None,
        }
    }

    /// Makes sure `key` exists (with its configured cap).
    pub fn ensure(&mut self, key: BudgetKey, config: &SyncConfig, now: DateTime<Utc>) {
        self.states.entry(key).or_insert_with(|| BudgetState {
            bucket: Self::bucket_for(key, config, now),
            ..BudgetState::default()
        });
    }

    pub fn get(&self, key: &BudgetKey) -> Option<&BudgetState> {
        self.states.get(key)
    }

    /// `Ok` if one more call charged to every key in `keys` may start now, with `extra[i]`
    /// calls already planned on key `i` this round; else the earliest time it may.
    pub fn ready(
        &self,
        keys: &[BudgetKey],
        extra: &dyn Fn(&BudgetKey) -> u32,
        now: DateTime<Utc>,
        config: &SyncConfig,
    ) -> Result<(), DateTime<Utc>> {
        let mut wait: Option<DateTime<Utc>> = None;
        for k in keys {
            let r = match self.states.get(k) {
                Some(s) => s.ready(now, extra(k), config),
                None => Ok(()),
            };
            if let Err(t) = r {
                wait = Some(wait.map_or(t, |w| w.max(t)));
            }
        }
        match wait {
            Some(t) => Err(t),
            None => Ok(()),
        }
    }

    /// A call charged to `keys` starts.
    pub fn start(&mut self, keys: &[BudgetKey], now: DateTime<Utc>, config: &SyncConfig) {
        for k in keys {
            self.ensure(*k, config, now);
            if let Some(s) = self.states.get_mut(k) {
                s.in_flight += 1;
                s.calls += 1;
                if let Some(b) = s.bucket.as_mut() {
                    b.take(now);
                }
            }
        }
    }

    /// A call charged to `keys` ended (answered or not).
    pub fn finish(&mut self, keys: &[BudgetKey]) {
        for k in keys {
            if let Some(s) = self.states.get_mut(k) {
                s.in_flight = s.in_flight.saturating_sub(1);
            }
        }
    }

    /// What the headers of one response said.
    pub fn observe(
        &mut self,
        key: BudgetKey,
        seen: Observation,
        now: DateTime<Utc>,
        config: &SyncConfig,
    ) {
        self.ensure(key, config, now);
        let Some(s) = self.states.get_mut(&key) else {
            return;
        };
        match seen {
            Observation::Window(w) => {
                // Answers can arrive out of order: keep the lowest remaining of a window.
                s.window = Some(match s.window {
                    Some(old) if old.reset_at == w.reset_at && old.remaining < w.remaining => old,
                    _ => w,
                });
            }
            Observation::Percent(p) => {
                let first_pause = config.real(config.fb_window) / 8;
                let max_pause = config.real(config.fb_window);
                let pause = match s.usage {
                    Some(u)
                        if u.percent >= config.fb_usage_ceiling && p >= config.fb_usage_ceiling =>
                    {
                        (u.pause * 2).min(max_pause)
                    }
                    _ => first_pause,
                };
                s.usage = Some(Usage {
                    percent: p,
                    observed_at: now,
                    pause,
                });
            }
            Observation::Blocked(until) => {
                s.throttled += 1;
                s.blocked_until = Some(s.blocked_until.map_or(until, |b| b.max(until)));
            }
        }
    }

    /// A snapshot for the dashboard, with labels from `label`.
    pub fn status(
        &self,
        now: DateTime<Utc>,
        label: &dyn Fn(&BudgetKey) -> String,
        config: &SyncConfig,
    ) -> Vec<BudgetStatus> {
        self.states
            .iter()
            .map(|(k, s)| {
                let live = s.window.filter(|w| w.reset_at > now);
                let (used, limit) = match (live, &s.bucket) {
                    (Some(w), _) => (Some(w.limit.saturating_sub(w.remaining)), Some(w.limit)),
                    (None, Some(b)) => {
                        let cap = match k {
                            BudgetKey::XApp => config.x_app_cap(),
                            BudgetKey::FbPage(_) => f64::from(config.fb_page_calls_per_hour),
                            _ => f64::from(config.fb_app_calls_per_hour),
                        };
                        (
                            Some((b.capacity - b.available(now)).max(0.0).round() as u64),
                            Some(cap as u64),
                        )
                    }
                    _ => (None, None),
                };
                BudgetStatus {
                    key: *k,
                    label: label(k),
                    used,
                    limit,
                    resets_at: live.map(|w| w.reset_at),
                    percent: s.usage.map(|u| u.percent),
                    blocked_until: s.blocked_until.filter(|b| *b > now),
                    calls: s.calls,
                    throttled: s.throttled,
                }
            })
            .collect()
    }
}

/// One thing a response said about a budget.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Observation {
    Window(Window),
    Percent(f64),
    Blocked(DateTime<Utc>),
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + s, 0).unwrap()
    }

    #[test]
    fn bucket_paces_a_cap() {
        let c = SyncConfig::default();
        let mut b = TokenBucket::for_cap(360.0, Duration::minutes(15), c.burst_share(), t(0));
        let mut n = 0;
        while b.available(t(0)) >= 1.0 {
            b.take(t(0));
            n += 1;
        }
        assert_eq!(n, 36);
        // 324 paced calls per 15 minutes: one every 2.78 s.
        assert_eq!((b.ready_at(t(0), 1.0) - t(0)).num_milliseconds(), 2778);
    }

    #[test]
    fn x_window_keeps_a_margin() {
        let c = SyncConfig::default();
        let mut s = BudgetState {
            window: Some(Window {
                limit: 300,
                remaining: 31,
                reset_at: t(100),
            }),
            ..BudgetState::default()
        };
        assert_eq!(s.ready(t(0), 0, &c), Ok(()));
        assert_eq!(s.ready(t(0), 1, &c), Err(t(100)));
        s.window = Some(Window {
            limit: 300,
            remaining: 30,
            reset_at: t(100),
        });
        assert_eq!(s.ready(t(0), 0, &c), Err(t(100)));
        // After the reset the stale window says nothing.
        assert_eq!(s.ready(t(101), 0, &c), Ok(()));
    }

    #[test]
    fn high_graph_usage_pauses_then_probes_once() {
        let c = SyncConfig::default();
        let mut book = BudgetBook::default();
        let k = BudgetKey::FbPage(AccountId(uuid::Uuid::nil()));
        book.observe(k, Observation::Percent(80.0), t(0), &c);
        let s = book.get(&k).unwrap().clone();
        assert_eq!(s.ready(t(1), 0, &c), Err(t(450)));
        assert_eq!(s.ready(t(450), 0, &c), Ok(()));
        assert!(s.ready(t(450), 1, &c).is_err(), "only one probe");
        book.observe(k, Observation::Percent(82.0), t(450), &c);
        assert_eq!(
            book.get(&k).unwrap().ready(t(451), 0, &c),
            Err(t(450 + 900))
        );
        book.observe(k, Observation::Percent(10.0), t(2000), &c);
        assert_eq!(book.get(&k).unwrap().ready(t(2000), 0, &c), Ok(()));
    }

    #[test]
    fn blocks_hold_until_their_time() {
        let c = SyncConfig::default();
        let mut book = BudgetBook::default();
        book.observe(BudgetKey::FbApp, Observation::Blocked(t(60)), t(0), &c);
        assert_eq!(
            book.ready(&[BudgetKey::FbApp], &|_| 0, t(10), &c),
            Err(t(60))
        );
        assert_eq!(book.ready(&[BudgetKey::FbApp], &|_| 0, t(60), &c), Ok(()));
        assert_eq!(book.get(&BudgetKey::FbApp).unwrap().throttled, 1);
    }
}
