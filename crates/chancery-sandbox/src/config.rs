//! How a sandbox is set up.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::faults::{FaultRule, Latency};

/// Which generation of X's field names the sandbox speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum XNaming {
    /// OpenAPI 2.166 and every older spec: `referenced_tweets`, `edit_history_tweet_ids`,
    /// `includes.tweets`, problem types under `https://api.twitter.com/2/problems/`.
    #[default]
    Classic,
    /// OpenAPI 2.167: `referenced_posts`, `edit_history_post_ids`, `includes.posts`, problem
    /// types under `https://api.x.com/2/problems/`.
    Current,
}

impl std::str::FromStr for XNaming {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "classic" => Ok(XNaming::Classic),
            "current" => Ok(XNaming::Current),
            other => Err(format!("unknown X naming `{other}` (classic|current)")),
        }
    }
}

/// A burst of inbound traffic around one account (a crisis at one embassy).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Crisis {
    /// X username / Facebook Page username of the account; `None` picks the Embassy in Beirut
    /// (or the first embassy).
    pub account: Option<String>,
    /// How long before the virtual start the crisis began (hours).
    pub started_hours_before_start: f64,
    /// How long it lasts (hours).
    pub duration_hours: f64,
    /// Multiplier on the account's inbound traffic while it lasts.
    pub factor: f64,
}

impl Default for Crisis {
    fn default() -> Self {
        Crisis {
            account: None,
            started_hours_before_start: 6.0,
            duration_hours: 18.0,
            factor: 15.0,
        }
    }
}

/// Everything that shapes a sandbox. `Default` gives the demo set-up: 120 X accounts, 120 Pages,
/// real time, classic X names, Graph v24.0, 30 days of history, one crisis, rate limits on.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub x_accounts: usize,
    pub fb_pages: usize,
    pub seed: u64,
    /// 1.0 = real time; 60.0 = one virtual minute per real second.
    pub time_scale: f64,
    pub x_naming: XNaming,
    /// The Graph version served under `/{version}/...` (other `vNN.N` prefixes are accepted too).
    pub graph_version: String,
    pub history_days: u32,
    pub faults: Vec<FaultRule>,
    /// Latency added to every request before any fault.
    pub default_latency: Option<Latency>,
    /// Enforce rate limits (headers are sent either way).
    pub rate_limits: bool,
    /// The virtual clock's start; `None` = the real time at start. Fix it for reproducible pages.
    pub start_at: Option<DateTime<Utc>>,
    /// Multiplier on all generated inbound traffic.
    pub volume: f64,
    pub crisis: Option<Crisis>,
    /// How many GET requests the request log keeps (writes are always kept).
    pub request_log_capacity: usize,
    /// Approve OAuth dialogs at once as this X username (automation without a browser).
    pub auto_approve_x: Option<String>,
    /// Approve the Facebook Login dialog at once.
    pub auto_approve_facebook: bool,
    /// Override the per-Page hourly BUC call limit (default 200 × engaged users).
    pub graph_page_hourly_limit: Option<u64>,
    /// Override the Platform (user-token) hourly call limit (default 200 per user).
    pub graph_user_hourly_limit: Option<u64>,
    /// Memory for rendered X posts and for whole timeline pages, in bytes each (`x_cache`).
    /// 64 MiB each standalone; the desktop's embedded sandbox uses less (it shares the app's
    /// memory budget).
    pub render_cache_bytes: usize,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            x_accounts: 120,
            fb_pages: 120,
            seed: 1,
            time_scale: 1.0,
            x_naming: XNaming::Classic,
            graph_version: "v24.0".to_string(),
            history_days: 30,
            faults: Vec::new(),
            default_latency: None,
            rate_limits: true,
            start_at: None,
            volume: 1.0,
            crisis: Some(Crisis::default()),
            request_log_capacity: 10_000,
            auto_approve_x: None,
            auto_approve_facebook: false,
            graph_page_hourly_limit: None,
            graph_user_hourly_limit: None,
            render_cache_bytes: 64 << 20,
        }
    }
}

impl SandboxConfig {
    pub fn x_accounts(mut self, n: usize) -> Self {
        self.x_accounts = n;
        self
    }
    pub fn fb_pages(mut self, n: usize) -> Self {
        self.fb_pages = n;
        self
    }
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    pub fn time_scale(mut self, scale: f64) -> Self {
        self.time_scale = scale;
        self
    }
    pub fn x_naming(mut self, naming: XNaming) -> Self {
        self.x_naming = naming;
        self
    }
    pub fn graph_version(mut self, v: impl Into<String>) -> Self {
        self.graph_version = v.into();
        self
    }
    pub fn history_days(mut self, days: u32) -> Self {
        self.history_days = days;
        self
    }
    pub fn fault(mut self, rule: FaultRule) -> Self {
        self.faults.push(rule);
        self
    }
    pub fn default_latency(mut self, latency: Option<Latency>) -> Self {
        self.default_latency = latency;
        self
    }
    pub fn rate_limits(mut self, on: bool) -> Self {
        self.rate_limits = on;
        self
    }
    pub fn start_at(mut self, at: DateTime<Utc>) -> Self {
        self.start_at = Some(at);
        self
    }
    pub fn volume(mut self, v: f64) -> Self {
        self.volume = v;
        self
    }
    pub fn crisis(mut self, c: Option<Crisis>) -> Self {
        self.crisis = c;
        self
    }
    pub fn render_cache_bytes(mut self, n: usize) -> Self {
        self.render_cache_bytes = n;
        self
    }
    pub fn request_log_capacity(mut self, n: usize) -> Self {
        self.request_log_capacity = n;
        self
    }
    pub fn auto_approve_x(mut self, username: Option<String>) -> Self {
        self.auto_approve_x = username;
        self
    }
    pub fn auto_approve_facebook(mut self, on: bool) -> Self {
        self.auto_approve_facebook = on;
        self
    }
    pub fn graph_page_hourly_limit(mut self, n: Option<u64>) -> Self {
        self.graph_page_hourly_limit = n;
        self
    }
    pub fn graph_user_hourly_limit(mut self, n: Option<u64>) -> Self {
        self.graph_user_hourly_limit = n;
        self
    }

    pub(crate) fn validate(&self) -> Result<(), String> {
        if !(self.time_scale.is_finite() && self.time_scale > 0.0 && self.time_scale <= 100_000.0) {
            return Err(format!(
                "time_scale must be in (0, 100000], got {}",
                self.time_scale
            ));
        }
        if self.x_accounts > crate::world::MAX_ACCOUNTS
            || self.fb_pages > crate::world::MAX_ACCOUNTS
        {
            return Err(format!(
                "at most {} accounts per network",
                crate::world::MAX_ACCOUNTS
            ));
        }
        if !(self.volume.is_finite() && self.volume >= 0.0) {
            return Err("volume must be a non-negative number".into());
        }
        if self.history_days > 3650 {
            return Err("history_days must be at most 3650".into());
        }
        Ok(())
    }
}
