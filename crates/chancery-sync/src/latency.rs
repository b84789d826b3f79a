//! How long the networks take to answer, for the dashboard: every finished request's time is
//! kept (per network, bounded by count and age) and summarised as percentiles, overall and per
//! time bucket, so a slow embassy connection or a struggling API shows as a rising line.

use std::collections::VecDeque;

use chancery_model::accounts::Network;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use specta::Type;

/// Samples kept per network.
pub const MAX_SAMPLES: usize = 20_000;
/// Samples older than this are dropped.
pub const MAX_AGE_MINUTES: i64 = 120;

/// Percentiles of a set of request times (milliseconds).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LatencyStats {
    pub count: u32,
    pub p50: Option<f64>,
    pub p90: Option<f64>,
    pub p99: Option<f64>,
    pub max: Option<f64>,
}

/// One network's request times: overall in the window and per bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct NetworkLatency {
    pub network: Network,
    pub overall: LatencyStats,
    /// One entry per bucket of [`LatencyReport::buckets`].
    pub series: Vec<LatencyStats>,
}

/// Request times of the last `window`, for the dashboard's response-time chart.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LatencyReport {
    pub at: DateTime<Utc>,
    pub bucket_seconds: u32,
    /// Start of each bucket, oldest first.
    pub buckets: Vec<DateTime<Utc>>,
    pub networks: Vec<NetworkLatency>,
}

/// The kept samples.
#[derive(Debug, Default)]
pub struct LatencyBook {
    x: VecDeque<(DateTime<Utc>, u32)>,
    facebook: VecDeque<(DateTime<Utc>, u32)>,
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[u32], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    let i = rank.clamp(1, sorted.len()) - 1;
    sorted.get(i).map(|v| f64::from(*v))
}

fn stats(mut values: Vec<u32>) -> LatencyStats {
    values.sort_unstable();
    LatencyStats {
        count: u32::try_from(values.len()).unwrap_or(u32::MAX),
        p50: percentile(&values, 50.0),
        p90: percentile(&values, 90.0),
        p99: percentile(&values, 99.0),
        max: values.last().map(|v| f64::from(*v)),
    }
}

impl LatencyBook {
    fn samples(&mut self, network: Network) -> &mut VecDeque<(DateTime<Utc>, u32)> {
        match network {
            Network::X => &mut self.x,
            Network::Facebook => &mut self.facebook,
        }
    }

    /// Record one request that took `ms` and finished at `at`.
    pub fn record(&mut self, network: Network, at: DateTime<Utc>, ms: u64) {
        let q = self.samples(network);
        q.push_back((at, u32::try_from(ms).unwrap_or(u32::MAX)));
        while q.len() > MAX_SAMPLES {
            q.pop_front();
        }
        let oldest = at - Duration::minutes(MAX_AGE_MINUTES);
        while q.front().is_some_and(|(t, _)| *t < oldest) {
            q.pop_front();
        }
    }

    /// Percentiles over the last `window`, overall and per `bucket`.
    pub fn report(&self, now: DateTime<Utc>, window: Duration, bucket: Duration) -> LatencyReport {
        let bucket_ms = bucket.num_milliseconds().max(1000);
        let n = (window.num_milliseconds() / bucket_ms).clamp(1, 240) as usize;
        let start = now - Duration::milliseconds(bucket_ms * n as i64);
        let buckets = (0..n)
            .map(|i| start + Duration::milliseconds(bucket_ms * i as i64))
            .collect();
        let per_network = |network: Network, q: &VecDeque<(DateTime<Utc>, u32)>| {
            let mut series: Vec<Vec<u32>> = vec![Vec::new(); n];
            let mut all = Vec::new();
            for (t, ms) in q.iter().filter(|(t, _)| *t >= start && *t <= now) {
                let i = ((*t - start).num_milliseconds() / bucket_ms) as usize;
                if let Some(b) = series.get_mut(i.min(n - 1)) {
                    b.push(*ms);
                }
                all.push(*ms);
            }
            NetworkLatency {
                network,
                overall: stats(all),
                series: series.into_iter().map(stats).collect(),
            }
        };
        LatencyReport {
            at: now,
            bucket_seconds: u32::try_from(bucket_ms / 1000).unwrap_or(60),
            buckets,
            networks: vec![
                per_network(Network::X, &self.x),
                per_network(Network::Facebook, &self.facebook),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn percentiles_per_network_and_bucket() {
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();
        let mut book = LatencyBook::default();
        // X: 100 requests of 1..=100 ms in the last minute; Facebook: one slow request 30 min ago.
        for ms in 1..=100u64 {
            book.record(Network::X, now - Duration::seconds(30), ms);
        }
        book.record(Network::Facebook, now - Duration::minutes(30), 2_500);
        let r = book.report(now, Duration::hours(1), Duration::minutes(5));
        assert_eq!(r.buckets.len(), 12);
        assert_eq!(r.bucket_seconds, 300);
        let x = &r.networks[0];
        assert_eq!(x.network, Network::X);
        assert_eq!(x.overall.count, 100);
        assert_eq!(x.overall.p50, Some(50.0));
        assert_eq!(x.overall.p90, Some(90.0));
        assert_eq!(x.overall.p99, Some(99.0));
        assert_eq!(x.overall.max, Some(100.0));
        assert_eq!(
            x.series.last().unwrap().count,
            100,
            "all in the last bucket"
        );
        assert_eq!(x.series[0].count, 0);
        assert_eq!(x.series[0].p50, None);
        let fb = &r.networks[1];
        assert_eq!(fb.overall.p99, Some(2500.0));
        assert_eq!(fb.series.iter().map(|s| s.count).sum::<u32>(), 1);
        assert_eq!(
            fb.series[6].count, 1,
            "30 minutes ago is the 7th of 12 five-minute buckets"
        );
    }

    #[test]
    fn samples_are_bounded_by_count_and_age() {
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();
        let mut book = LatencyBook::default();
        book.record(Network::X, now - Duration::minutes(MAX_AGE_MINUTES + 10), 5);
        for i in 0..(MAX_SAMPLES + 50) {
            book.record(Network::X, now, (i % 7) as u64);
        }
        assert_eq!(book.x.len(), MAX_SAMPLES);
        assert!(book.x.iter().all(|(t, _)| *t == now));
    }
}
