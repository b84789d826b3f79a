//! The sync policy: intervals, budgets, margins, horizons and retries.

use std::time::Duration;

/// Everything that shapes how the engine polls. `Default` is the production policy.
///
/// Durations marked *policy time* are divided by [`SyncConfig::time_scale`] (a rehearsal
/// against a sandbox whose clock and rate-limit windows run N times faster uses the same
/// policy N times faster); the others (timeouts, retry delays, content horizons) are not.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncConfig {
    /// Requests in flight at once, over all accounts (one per account at most).
    pub max_concurrency: usize,
    /// X's app-level limit on `GET /2/users/:id/mentions` per window (450 per 15 min).
    pub x_app_mentions_limit: u32,
    /// The share of that limit this client may use (other clients may share the app).
    pub x_app_share: f64,
    /// X's rate-limit window (policy time).
    pub x_window: Duration,
    /// Calls per hour this client allows itself on each Facebook Page (configured cap; Meta's
    /// Pages limit is at least 200 per engaged user per hour).
    pub fb_page_calls_per_hour: u32,
    /// Calls per hour over all Pages (app-level cap of this client).
    pub fb_app_calls_per_hour: u32,
    /// Graph's usage window (policy time).
    pub fb_window: Duration,
    /// Keep this share of every server-reported window unused (X `x-rate-limit-remaining`).
    pub safety_margin: f64,
    /// Stop calling a Page (or the app) while its Graph usage header is at or above this
    /// percentage; probe again after a pause that doubles while it stays high.
    pub fb_usage_ceiling: f64,
    /// The shortest interval between polls of one stream (hot accounts, policy time).
    pub min_interval: Duration,
    /// The interval of a stream whose traffic is not known yet (policy time).
    pub base_interval: Duration,
    /// Every stream is polled at least this often while budgets allow (policy time).
    pub max_staleness: Duration,
    /// Multi-request streams (comments, conversations) are polled at most this often (policy time).
    pub sweep_min_interval: Duration,
    /// Aim for about this many new items per poll (sets a stream's interval from its traffic).
    pub target_items_per_poll: f64,
    /// Backfill goes this far back (content time).
    pub backfill_horizon: Duration,
    /// Comments are followed on the Page's own posts of this age (content time).
    pub comments_post_horizon: Duration,
    /// Entries asked for per page (X 5..=100, Graph 1..=100).
    pub page_size: u8,
    /// Backfill beyond the first page (otherwise streams start from the newest page).
    pub backfill: bool,
    /// One request, from connecting to the last byte.
    pub request_timeout: Duration,
    /// Retries of a failed request (timeouts, resets, 5xx, unreadable answers) before the
    /// stream waits its normal turn with the error recorded.
    pub max_retries: u32,
    pub retry_min_delay: Duration,
    pub retry_max_delay: Duration,
    /// Policy time runs this many times faster than real time (1.0 in production).
    pub time_scale: f64,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            max_concurrency: 16,
            x_app_mentions_limit: 450,
            x_app_share: 0.8,
            x_window: Duration::from_secs(15 * 60),
            fb_page_calls_per_hour: 100,
            fb_app_calls_per_hour: 12_000,
            fb_window: Duration::from_secs(3600),
            safety_margin: 0.1,
            fb_usage_ceiling: 75.0,
            min_interval: Duration::from_secs(30),
            base_interval: Duration::from_secs(120),
            max_staleness: Duration::from_secs(15 * 60),
            sweep_min_interval: Duration::from_secs(120),
            target_items_per_poll: 10.0,
            backfill_horizon: Duration::from_secs(7 * 86_400),
            comments_post_horizon: Duration::from_secs(3 * 86_400),
            page_size: 100,
            backfill: true,
            request_timeout: Duration::from_secs(20),
            max_retries: 3,
            retry_min_delay: Duration::from_millis(500),
            retry_max_delay: Duration::from_secs(30),
            time_scale: 1.0,
        }
    }
}

impl SyncConfig {
    /// The same policy against a clock that runs `scale` times faster (a sandbox's time_scale).
    pub fn time_scaled(mut self, scale: f64) -> Self {
        if scale.is_finite() && scale > 0.0 {
            self.time_scale = scale;
        }
        self
    }

    /// A policy duration in real time.
    pub fn real(&self, policy: Duration) -> chrono::Duration {
        let ms = (policy.as_secs_f64() * 1000.0 / self.time_scale).max(1.0);
        chrono::Duration::milliseconds(ms as i64)
    }

    /// A content-time duration as a chrono duration.
    pub fn content(&self, d: Duration) -> chrono::Duration {
        chrono::Duration::from_std(d).unwrap_or(chrono::Duration::days(7))
    }

    /// The X app calls per window this client allows itself.
    pub fn x_app_cap(&self) -> f64 {
        (f64::from(self.x_app_mentions_limit) * self.x_app_share.clamp(0.0, 1.0)).max(1.0)
    }

    /// Problems with the policy, in plain words (empty when it is sound). A policy where the
    /// accounts cannot all be polled within `max_staleness` is reported, not refused.
    pub fn check(&self, x_accounts: usize, fb_pages: usize) -> Vec<String> {
        let mut out = Vec::new();
        let windows = self.max_staleness.as_secs_f64() / self.x_window.as_secs_f64().max(1.0);
        let x_capacity = self.x_app_cap() * (1.0 - self.burst_share()) * windows;
        if (x_accounts as f64) > x_capacity {
            out.push(format!(
                "{x_accounts} X accounts cannot all be read every {} minutes with {:.0} mention reads per {} minutes",
                self.max_staleness.as_secs() / 60,
                self.x_app_cap(),
                self.x_window.as_secs() / 60
            ));
        }
        let fb_hour = f64::from(self.fb_app_calls_per_hour);
        let polls_per_hour =
            3600.0 / self.max_staleness.as_secs_f64().max(1.0) * 4.0 * fb_pages as f64;
        if polls_per_hour > fb_hour {
            out.push(format!(
                "{fb_pages} Facebook Pages need about {polls_per_hour:.0} calls an hour, more than the {fb_hour:.0} allowed"
            ));
        }
        if self.max_concurrency == 0 {
            out.push("max_concurrency must be at least 1".into());
        }
        out
    }

    /// The share of a configured cap that may be spent in a burst (the rest is paced).
    pub(crate) fn burst_share(&self) -> f64 {
        0.1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaling_divides_policy_time_only() {
        let c = SyncConfig::default().time_scaled(60.0);
        assert_eq!(c.real(Duration::from_secs(15 * 60)).num_seconds(), 15);
        assert_eq!(c.content(c.backfill_horizon).num_days(), 7);
        assert_eq!(c.x_app_cap(), 360.0);
    }

    #[test]
    fn check_reports_an_impossible_policy() {
        let c = SyncConfig::default();
        assert!(c.check(120, 120).is_empty(), "{:?}", c.check(120, 120));
        let tight = SyncConfig {
            x_app_mentions_limit: 15,
            ..SyncConfig::default()
        };
        assert_eq!(tight.check(120, 0).len(), 1);
    }
}
