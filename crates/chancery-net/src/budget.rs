//! Rate-limit and usage budgets read from response headers.
//!
//! Every reply, success or failure, carries a [`Budget`]: what the network said about how much
//! of each limit is left. The sync planner schedules from it.
//!
//! - X: `x-rate-limit-limit`, `x-rate-limit-remaining`, `x-rate-limit-reset` (Unix seconds) for
//!   the endpoint's 15-minute window, and the 24-hour app/user windows some endpoints report
//!   (`x-app-limit-24hour-*`, `x-user-limit-24hour-*`).
//! - Graph: `X-App-Usage` (Platform limits, app or user tokens), `X-Page-Usage` (Page-level
//!   limits) and `X-Business-Use-Case-Usage` (BUC limits for Page and system-user tokens), JSON
//!   objects whose numbers are percentages of the limit used, plus
//!   `estimated_time_to_regain_access` (minutes) once a limit is hit.
//! - `Retry-After` (seconds), when any server sends it.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use reqwest::header::HeaderMap;
use serde::{Deserialize, Deserializer, Serialize};

/// One X rate-limit window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct XRateLimit {
    pub limit: u64,
    pub remaining: u64,
    /// When the window resets (the header gives Unix seconds).
    pub reset_at: DateTime<Utc>,
}

/// A Graph usage header (`X-App-Usage`, `X-Page-Usage`): percentages of the limit used.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct MetaUsage {
    #[serde(default, deserialize_with = "lenient_f64")]
    pub call_count: f64,
    #[serde(default, deserialize_with = "lenient_f64")]
    pub total_cputime: f64,
    #[serde(default, deserialize_with = "lenient_f64")]
    pub total_time: f64,
    /// Minutes until calls are accepted again (sent once the limit is hit).
    #[serde(default, deserialize_with = "lenient_opt_f64")]
    pub estimated_time_to_regain_access: Option<f64>,
}

impl MetaUsage {
    /// The highest of the three percentages.
    pub fn max_percent(&self) -> f64 {
        self.call_count.max(self.total_cputime).max(self.total_time)
    }

    /// How long Meta says to wait, if it said.
    pub fn regain_after(&self) -> Option<Duration> {
        minutes(self.estimated_time_to_regain_access)
    }
}

/// One entry of `X-Business-Use-Case-Usage`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BucUsage {
    /// The business object the usage is counted against (for Pages: the Page id).
    pub business_id: String,
    /// The use case, e.g. `pages`, `messenger`.
    pub kind: String,
    pub call_count: f64,
    pub total_cputime: f64,
    pub total_time: f64,
    /// Minutes until calls are accepted again (0 while not throttled).
    pub estimated_time_to_regain_access: Option<f64>,
}

impl BucUsage {
    pub fn max_percent(&self) -> f64 {
        self.call_count.max(self.total_cputime).max(self.total_time)
    }

    pub fn regain_after(&self) -> Option<Duration> {
        minutes(self.estimated_time_to_regain_access)
    }
}

/// Everything the headers of one response said about limits. Missing headers are `None`
/// (Graph sends its usage headers only once enough calls were made).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Budget {
    /// X: the endpoint's window (`x-rate-limit-*`).
    pub x_rate: Option<XRateLimit>,
    /// X: the app's 24-hour window (`x-app-limit-24hour-*`).
    pub x_app_24h: Option<XRateLimit>,
    /// X: the user's 24-hour window (`x-user-limit-24hour-*`).
    pub x_user_24h: Option<XRateLimit>,
    /// Graph `X-App-Usage`.
    pub app_usage: Option<MetaUsage>,
    /// Graph `X-Page-Usage`.
    pub page_usage: Option<MetaUsage>,
    /// Graph `X-Business-Use-Case-Usage`, one entry per business object and use case.
    pub business_use_case: Vec<BucUsage>,
    /// `Retry-After`, in seconds.
    pub retry_after: Option<Duration>,
}

impl Budget {
    /// Reads every header this module knows; malformed headers are ignored (and logged), so a
    /// bad header never fails a good response.
    pub fn from_headers(headers: &HeaderMap) -> Budget {
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
        };
        let window = |prefix: &str| -> Option<XRateLimit> {
            let limit = text(&format!("{prefix}-limit"))?.parse().ok()?;
            let remaining = text(&format!("{prefix}-remaining"))?.parse().ok()?;
            let reset: i64 = text(&format!("{prefix}-reset"))?.parse().ok()?;
            let reset_at = Utc.timestamp_opt(reset, 0).single()?;
            Some(XRateLimit {
                limit,
                remaining,
                reset_at,
            })
        };
        let usage = |name: &str| -> Option<MetaUsage> {
            let raw = text(name)?;
            match parse_meta_usage(raw) {
                Ok(u) => Some(u),
                Err(e) => {
                    tracing::warn!(header = name, error = %e, "ignoring an unreadable usage header");
                    None
                }
            }
        };
        let business_use_case = match text("x-business-use-case-usage") {
            Some(raw) => parse_buc_usage(raw).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "ignoring an unreadable X-Business-Use-Case-Usage header");
                Vec::new()
            }),
            None => Vec::new(),
        };
        Budget {
            x_rate: window("x-rate-limit"),
            x_app_24h: window("x-app-limit-24hour"),
            x_user_24h: window("x-user-limit-24hour"),
            app_usage: usage("x-app-usage"),
            page_usage: usage("x-page-usage"),
            business_use_case,
            retry_after: text("retry-after")
                .and_then(|v| v.parse::<u64>().ok())
                .map(Duration::from_secs),
        }
    }

    /// Nothing was reported.
    pub fn is_empty(&self) -> bool {
        *self == Budget::default()
    }

    /// The highest Graph usage percentage across all three headers (0 when none was sent).
    pub fn graph_max_percent(&self) -> f64 {
        let mut m: f64 = 0.0;
        for u in self.app_usage.iter().chain(self.page_usage.iter()) {
            m = m.max(u.max_percent());
        }
        for b in &self.business_use_case {
            m = m.max(b.max_percent());
        }
        m
    }

    /// The earliest moment the network said calls will be accepted again, if any header said
    /// so: an exhausted X window's reset, Graph's `estimated_time_to_regain_access`, or
    /// `Retry-After`. `None` means nothing is known to be blocked.
    pub fn blocked_until(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let mut until: Option<DateTime<Utc>> = None;
        let mut later = |t: DateTime<Utc>| {
            until = Some(until.map_or(t, |u| u.max(t)));
        };
        for w in [self.x_rate, self.x_app_24h, self.x_user_24h]
            .into_iter()
            .flatten()
        {
            if w.remaining == 0 && w.reset_at > now {
                later(w.reset_at);
            }
        }
        let waits = self
            .app_usage
            .iter()
            .chain(self.page_usage.iter())
            .filter_map(MetaUsage::regain_after)
            .chain(
                self.business_use_case
                    .iter()
                    .filter_map(BucUsage::regain_after),
            )
            .chain(self.retry_after);
        for d in waits {
            if d > Duration::ZERO {
                if let Ok(d) = chrono::Duration::from_std(d) {
                    later(now + d);
                }
            }
        }
        until
    }
}

/// Parses `X-App-Usage` / `X-Page-Usage`: `{"call_count":28,"total_time":25,"total_cputime":25}`.
pub fn parse_meta_usage(raw: &str) -> Result<MetaUsage, serde_json::Error> {
    serde_json::from_str(raw)
}

/// Parses `X-Business-Use-Case-Usage`:
/// `{"<business id>":[{"type":"pages","call_count":10,"total_cputime":2,"total_time":3,
/// "estimated_time_to_regain_access":0}]}`.
pub fn parse_buc_usage(raw: &str) -> Result<Vec<BucUsage>, serde_json::Error> {
    #[derive(Deserialize)]
    struct Entry {
        #[serde(rename = "type", default)]
        kind: String,
        #[serde(flatten)]
        usage: MetaUsage,
    }
    let map: std::collections::BTreeMap<String, Vec<Entry>> = serde_json::from_str(raw)?;
    Ok(map
        .into_iter()
        .flat_map(|(business_id, entries)| {
            entries.into_iter().map(move |e| BucUsage {
                business_id: business_id.clone(),
                kind: e.kind,
                call_count: e.usage.call_count,
                total_cputime: e.usage.total_cputime,
                total_time: e.usage.total_time,
                estimated_time_to_regain_access: e.usage.estimated_time_to_regain_access,
            })
        })
        .collect())
}

fn minutes(m: Option<f64>) -> Option<Duration> {
    let m = m?;
    if !m.is_finite() || m < 0.0 {
        return None;
    }
    Some(Duration::from_secs_f64((m * 60.0).min(7.0 * 24.0 * 3600.0)))
}

/// Meta documents numbers; accept numeric strings too.
fn lenient_f64<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(lenient_opt_f64(d)?.unwrap_or(0.0))
}

fn lenient_opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Num {
        F(f64),
        S(String),
        Null(()),
    }
    Ok(match Option::<Num>::deserialize(d)? {
        Some(Num::F(f)) => Some(f),
        Some(Num::S(s)) => s.trim().parse::<f64>().ok(),
        Some(Num::Null(())) | None => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn x_windows_are_read() {
        let b = Budget::from_headers(&headers(&[
            ("x-rate-limit-limit", "300"),
            ("x-rate-limit-remaining", "0"),
            ("x-rate-limit-reset", "1790000000"),
            ("x-app-limit-24hour-limit", "10000"),
            ("x-app-limit-24hour-remaining", "9999"),
            ("x-app-limit-24hour-reset", "1790050000"),
        ]));
        let w = b.x_rate.unwrap();
        assert_eq!((w.limit, w.remaining), (300, 0));
        assert_eq!(w.reset_at.timestamp(), 1_790_000_000);
        assert_eq!(b.x_app_24h.unwrap().remaining, 9999);
        assert!(b.x_user_24h.is_none());
        let now = Utc.timestamp_opt(1_789_999_000, 0).unwrap();
        assert_eq!(b.blocked_until(now).unwrap().timestamp(), 1_790_000_000);
        // Once the reset has passed, nothing blocks.
        let later = Utc.timestamp_opt(1_790_000_001, 0).unwrap();
        assert!(b.blocked_until(later).is_none());
    }

    #[test]
    fn incomplete_x_windows_are_ignored() {
        let b = Budget::from_headers(&headers(&[
            ("x-rate-limit-limit", "300"),
            ("x-rate-limit-remaining", "abc"),
            ("x-rate-limit-reset", "1790000000"),
        ]));
        assert!(b.x_rate.is_none());
        assert!(b.is_empty());
    }

    #[test]
    fn graph_usage_headers_are_read() {
        let b = Budget::from_headers(&headers(&[
            (
                "x-app-usage",
                r#"{"call_count":28,"total_time":25,"total_cputime":"25"}"#,
            ),
            (
                "x-page-usage",
                r#"{"call_count":100,"total_time":12,"total_cputime":3,"estimated_time_to_regain_access":7}"#,
            ),
            (
                "x-business-use-case-usage",
                r#"{"104007847927937":[{"type":"pages","call_count":96,"total_cputime":4,"total_time":5,"estimated_time_to_regain_access":0}],"2":[{"type":"messenger","call_count":1,"total_cputime":1,"total_time":1,"estimated_time_to_regain_access":15}]}"#,
            ),
            ("retry-after", "30"),
        ]));
        let app = b.app_usage.unwrap();
        assert_eq!(
            (app.call_count, app.total_time, app.total_cputime),
            (28.0, 25.0, 25.0)
        );
        let page = b.page_usage.unwrap();
        assert_eq!(page.regain_after(), Some(Duration::from_secs(420)));
        assert_eq!(b.business_use_case.len(), 2);
        let first = &b.business_use_case[0];
        assert_eq!(first.business_id, "104007847927937");
        assert_eq!(first.kind, "pages");
        assert_eq!(first.max_percent(), 96.0);
        assert_eq!(first.regain_after(), Some(Duration::ZERO));
        assert_eq!(b.graph_max_percent(), 100.0);
        assert_eq!(b.retry_after, Some(Duration::from_secs(30)));
        let now = Utc.timestamp_opt(1_000_000, 0).unwrap();
        // The longest wait wins: 15 minutes (messenger BUC).
        assert_eq!(b.blocked_until(now).unwrap().timestamp(), 1_000_000 + 900);
    }

    #[test]
    fn broken_usage_headers_are_ignored() {
        let b = Budget::from_headers(&headers(&[
            ("x-app-usage", "{not json"),
            ("x-business-use-case-usage", "[]"),
        ]));
        assert!(b.app_usage.is_none());
        assert!(b.business_use_case.is_empty());
    }
}
