//! The dashboard's charts: what arrived per group over time and how long it took to handle
//! (from the cache), how long the networks take to answer (from the running sync engine), and
//! the tags in use (for the inbox's tag filter).

use std::collections::HashMap;

use chancery_model::accounts::{AccountId, GroupId};
use chancery_sync::latency::LatencyReport;
use chrono::{DateTime, Duration, DurationRound, Utc};
use serde::Serialize;
use specta::Type;

use crate::audit::store_error;
use crate::{App, CoreError};

/// Longest window of the activity chart, in hours (31 days).
pub const MAX_ACTIVITY_HOURS: u32 = 31 * 24;

/// One group's line of the activity chart.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GroupActivity {
    pub group_id: GroupId,
    pub name: String,
    /// Items that arrived in each bucket of [`ActivityReport::buckets`].
    pub counts: Vec<u32>,
    pub total: u32,
    /// Of those, marked done.
    pub handled: u32,
    /// Of those, still new or open.
    pub waiting: u32,
    /// Time from arrival to done of the handled ones (seconds): median and 90th percentile.
    pub median_handle_seconds: Option<f64>,
    pub p90_handle_seconds: Option<f64>,
}

/// Items per group over time: the children of `parent` (the top of the tree when `None`).
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ActivityReport {
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub bucket_minutes: u32,
    /// Start of each bucket, oldest first.
    pub buckets: Vec<DateTime<Utc>>,
    pub parent: Option<GroupId>,
    /// Busiest first.
    pub groups: Vec<GroupActivity>,
}

/// A tag and how many items carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct TagCount {
    pub tag: String,
    pub count: u32,
}

/// The bucket size for a window: hourly up to two days, then every six hours.
pub fn bucket_for(hours: u32) -> Duration {
    if hours <= 48 {
        Duration::hours(1)
    } else {
        Duration::hours(6)
    }
}

/// Which child of `parent` (or which root) an account with this lineage (nearest first) counts
/// under; `None` when it is not under `parent`. An account directly in `parent` counts under
/// `parent` itself.
pub fn series_group(lineage: &[GroupId], parent: Option<GroupId>) -> Option<GroupId> {
    match parent {
        None => lineage.last().copied(),
        Some(p) => {
            let at = lineage.iter().position(|g| *g == p)?;
            if at == 0 {
                Some(p)
            } else {
                lineage.get(at - 1).copied()
            }
        }
    }
}

fn percentile_seconds(sorted_ms: &[i64], p: f64) -> Option<f64> {
    if sorted_ms.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted_ms.len() as f64).ceil() as usize;
    let i = rank.clamp(1, sorted_ms.len()) - 1;
    sorted_ms.get(i).map(|ms| *ms as f64 / 1000.0)
}

impl App {
    /// Items per group per bucket over the last `hours` (up to now), with handling times.
    pub async fn inbox_activity(
        &self,
        hours: u32,
        parent: Option<GroupId>,
        now: DateTime<Utc>,
    ) -> Result<ActivityReport, CoreError> {
        if hours == 0 || hours > MAX_ACTIVITY_HOURS {
            return Err(CoreError::Validation(format!(
                "choose between 1 and {MAX_ACTIVITY_HOURS} hours"
            )));
        }
        let bucket = bucket_for(hours);
        let until = now
            .duration_trunc(bucket)
            .map_err(|e| CoreError::Internal(format!("bucket: {e}")))?
            + bucket;
        let n = (i64::from(hours) * 60 / bucket.num_minutes()).max(1);
        let since = until - bucket * n as i32;
        let groups = self.store().list_groups().await.map_err(store_error)?;
        if let Some(p) = parent {
            if !groups.iter().any(|g| g.id == p) {
                return Err(CoreError::NotFound("that group no longer exists".into()));
            }
        }
        let names: HashMap<GroupId, String> =
            groups.iter().map(|g| (g.id, g.name.clone())).collect();
        let lineages = self.store().account_lineages().await.map_err(store_error)?;
        let counts = self
            .store()
            .activity(since, until, bucket.num_milliseconds())
            .await
            .map_err(store_error)?;
        let n = n as usize;
        let mut series: HashMap<GroupId, (Vec<u32>, Vec<i64>, u32)> = HashMap::new();
        let group_of = |a: &AccountId| lineages.get(a).and_then(|l| series_group(l, parent));
        // Every child shows, even when quiet.
        for g in groups.iter().filter(|g| g.parent_id == parent) {
            series
                .entry(g.id)
                .or_insert_with(|| (vec![0; n], Vec::new(), 0));
        }
        for v in &counts.volume {
            if let Some(g) = group_of(&v.account_id) {
                let s = series
                    .entry(g)
                    .or_insert_with(|| (vec![0; n], Vec::new(), 0));
                if let Some(c) = s.0.get_mut(v.bucket as usize) {
                    *c += v.count;
                }
            }
        }
        for h in &counts.handling {
            if let Some(g) = group_of(&h.account_id) {
                if let Some(s) = series.get_mut(&g) {
                    s.1.push(h.ms);
                }
            }
        }
        for (a, open) in &counts.open {
            if let Some(g) = group_of(a) {
                if let Some(s) = series.get_mut(&g) {
                    s.2 += open;
                }
            }
        }
        let mut out: Vec<GroupActivity> = series
            .into_iter()
            .map(|(id, (counts, mut handled, waiting))| {
                handled.sort_unstable();
                GroupActivity {
                    group_id: id,
                    name: names
                        .get(&id)
                        .cloned()
                        .unwrap_or_else(|| "Unknown group".into()),
                    total: counts.iter().sum(),
                    counts,
                    handled: u32::try_from(handled.len()).unwrap_or(u32::MAX),
                    waiting,
                    median_handle_seconds: percentile_seconds(&handled, 50.0),
                    p90_handle_seconds: percentile_seconds(&handled, 90.0),
                }
            })
            .collect();
        out.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.name.cmp(&b.name)));
        Ok(ActivityReport {
            since,
            until,
            bucket_minutes: u32::try_from(bucket.num_minutes()).unwrap_or(60),
            buckets: (0..n).map(|i| since + bucket * i as i32).collect(),
            parent,
            groups: out,
        })
    }

    /// How long the networks took to answer over the last `minutes` (per minute up to an hour,
    /// else per five minutes); `None` when sync is not running.
    pub async fn sync_latency(&self, minutes: u32) -> Option<LatencyReport> {
        let engine = self.background.lock().await.engine()?;
        let minutes = minutes.clamp(5, crate::activity::MAX_LATENCY_MINUTES);
        let bucket = if minutes <= 60 {
            Duration::minutes(1)
        } else {
            Duration::minutes(5)
        };
        Some(engine.latency(Duration::minutes(i64::from(minutes)), bucket))
    }

    /// The tags in use, most used first (at most `limit`).
    pub async fn inbox_tags(&self, limit: u32) -> Result<Vec<TagCount>, CoreError> {
        Ok(self
            .store()
            .tag_counts(limit)
            .await
            .map_err(store_error)?
            .into_iter()
            .map(|(tag, count)| TagCount { tag, count })
            .collect())
    }
}

/// Longest window of the response-time chart (what the engine keeps).
pub const MAX_LATENCY_MINUTES: u32 = chancery_sync::latency::MAX_AGE_MINUTES as u32;

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn g(n: u128) -> GroupId {
        GroupId(Uuid::from_u128(n))
    }

    #[test]
    fn accounts_count_under_the_child_of_the_chosen_group() {
        // account in Paris (3) < Europe (2) < Ministry (1)
        let lineage = [g(3), g(2), g(1)];
        assert_eq!(series_group(&lineage, None), Some(g(1)));
        assert_eq!(series_group(&lineage, Some(g(1))), Some(g(2)));
        assert_eq!(series_group(&lineage, Some(g(2))), Some(g(3)));
        assert_eq!(
            series_group(&lineage, Some(g(3))),
            Some(g(3)),
            "directly in the group"
        );
        assert_eq!(series_group(&lineage, Some(g(9))), None, "not under it");
    }

    #[test]
    fn buckets_and_percentiles() {
        assert_eq!(bucket_for(24), Duration::hours(1));
        assert_eq!(bucket_for(24 * 7), Duration::hours(6));
        let ms = [1000, 2000, 3000, 4000, 10_000];
        assert_eq!(percentile_seconds(&ms, 50.0), Some(3.0));
        assert_eq!(percentile_seconds(&ms, 90.0), Some(10.0));
        assert_eq!(percentile_seconds(&[], 50.0), None);
    }
}
