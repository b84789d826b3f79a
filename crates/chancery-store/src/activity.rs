//! Activity over time, for the dashboard's charts: how many items arrived per account per time
//! bucket, how long handled items took from arrival to done, and the tags in use.
//!
//! Items are read by `seq` range (the rowid orders by creation time: `seq = created_ms << 10 |
//! n`), so a window of the last day reads only that day's rows of the small `items` table.

use std::collections::HashMap;

use chancery_model::accounts::AccountId;
use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::columns::{to_ms, uuid_from_blob};
use crate::error::{StoreError, StoreResult};
use crate::ingest::SEQ_SHIFT;
use crate::Store;

/// Longest window the activity queries accept (31 days).
pub const MAX_ACTIVITY_WINDOW_MS: i64 = 31 * 24 * 3600 * 1000;
/// Most buckets one activity query may return per account.
pub const MAX_ACTIVITY_BUCKETS: i64 = 2_000;

/// Items that arrived in one time bucket for one account (not deleted ones).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeCount {
    pub account_id: AccountId,
    /// 0-based bucket index from the window's start.
    pub bucket: u32,
    pub count: u32,
}

/// An item created in the window and marked done: how long that took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlingTime {
    pub account_id: AccountId,
    /// From creation (on the network) to the last status change to done, in milliseconds.
    pub ms: i64,
}

/// What arrived in a window, per account and bucket, and how long the handled part took.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ActivityCounts {
    pub volume: Vec<VolumeCount>,
    pub handling: Vec<HandlingTime>,
    /// Items of the window still `new` or `open`, per account.
    pub open: HashMap<AccountId, u32>,
}

fn check_window(
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    bucket_ms: i64,
) -> StoreResult<(i64, i64)> {
    let (lo, hi) = (to_ms(since), to_ms(until));
    if hi <= lo {
        return Err(StoreError::Invalid(
            "the window ends before it starts".into(),
        ));
    }
    if hi - lo > MAX_ACTIVITY_WINDOW_MS {
        return Err(StoreError::Invalid("the window is at most 31 days".into()));
    }
    if bucket_ms <= 0 || (hi - lo) / bucket_ms > MAX_ACTIVITY_BUCKETS {
        return Err(StoreError::Invalid(format!(
            "choose a bucket size giving at most {MAX_ACTIVITY_BUCKETS} buckets"
        )));
    }
    Ok((lo, hi))
}

impl Store {
    /// Items created in `[since, until)` per account and `bucket_ms` bucket, with the handling
    /// time of those already done and the count of those still waiting.
    pub async fn activity(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        bucket_ms: i64,
    ) -> StoreResult<ActivityCounts> {
        let (lo, hi) = check_window(since, until, bucket_ms)?;
        let (seq_lo, seq_hi) = (lo << SEQ_SHIFT, hi << SEQ_SHIFT);
        let mut conn = self.read.acquire().await?;
        let rows = sqlx::query(
            "SELECT account_id, (created_ms - ?) / ? AS b, count(*) FROM items NOT INDEXED
             WHERE seq >= ? AND seq < ? AND deleted = 0
             GROUP BY account_id, b",
        )
        .bind(lo)
        .bind(bucket_ms)
        .bind(seq_lo)
        .bind(seq_hi)
        .fetch_all(&mut *conn)
        .await?;
        let mut out = ActivityCounts::default();
        for row in rows {
            let b: i64 = row.try_get(1)?;
            let n: i64 = row.try_get(2)?;
            out.volume.push(VolumeCount {
                account_id: AccountId(uuid_from_blob(row.try_get::<&[u8], _>(0)?)?),
                bucket: u32::try_from(b.max(0)).unwrap_or(0),
                count: u32::try_from(n).unwrap_or(u32::MAX),
            });
        }
        let rows = sqlx::query(
            "SELECT account_id, status, coalesce(status_changed_ms, created_ms) - created_ms
             FROM items NOT INDEXED
             WHERE seq >= ? AND seq < ? AND deleted = 0",
        )
        .bind(seq_lo)
        .bind(seq_hi)
        .fetch_all(&mut *conn)
        .await?;
        for row in rows {
            let account_id = AccountId(uuid_from_blob(row.try_get::<&[u8], _>(0)?)?);
            let status: &str = row.try_get(1)?;
            if status == "done" {
                let ms: i64 = row.try_get(2)?;
                out.handling.push(HandlingTime {
                    account_id,
                    ms: ms.max(0),
                });
            } else {
                *out.open.entry(account_id).or_default() += 1;
            }
        }
        Ok(out)
    }

    /// The tags in use, most used first, with how many live items carry each.
    pub async fn tag_counts(&self, limit: u32) -> StoreResult<Vec<(String, u32)>> {
        let rows = sqlx::query(
            "SELECT t.tag, count(*) AS n FROM item_tags t
             JOIN items i ON i.seq = t.item_seq AND i.deleted = 0
             GROUP BY t.tag ORDER BY n DESC, t.tag LIMIT ?",
        )
        .bind(i64::from(limit.clamp(1, 1000)))
        .fetch_all(&self.read)
        .await?;
        rows.into_iter()
            .map(|r| {
                let n: i64 = r.try_get(1)?;
                Ok((r.try_get(0)?, u32::try_from(n).unwrap_or(u32::MAX)))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chancery_model::accounts::{AccountInput, AccountKind, GroupKind, Network};
    use chancery_model::inbox::TriageChange;
    use chancery_model::items::{
        Entities, ItemAuthor, ItemId, ItemKind, NewItem, SyncStream, TriageStatus,
    };
    use chrono::{Duration, TimeZone};

    async fn store_with_items(
        now: DateTime<Utc>,
    ) -> (tempfile::TempDir, Store, AccountId, Vec<ItemId>) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("chancery.db")).await.unwrap();
        let group = store
            .create_group("Europe", GroupKind::Region, None, now)
            .await
            .unwrap();
        let input = AccountInput {
            network: Network::X,
            external_id: Some("100".into()),
            handle: "EmbassyParis".into(),
            display_name: "Embassy in Paris".into(),
            avatar_path: None,
            time_zone: "Europe/Paris".into(),
            language: "fr".into(),
            group_id: group.id,
            kind: AccountKind::Institutional,
        };
        let (account, _) = store.upsert_account(&input, now).await.unwrap();
        // Items at now-30min, now-90min (x2), now-25h (outside a 24 h window).
        let ages = [30, 90, 91, 25 * 60];
        let items: Vec<NewItem> = ages
            .iter()
            .enumerate()
            .map(|(i, mins)| NewItem {
                kind: ItemKind::XMention,
                external_id: format!("t{i}"),
                author: ItemAuthor {
                    external_id: format!("u{i}"),
                    handle: Some(format!("user{i}")),
                    display_name: None,
                },
                text: format!("مرحبا {i} #السلام"),
                language: Some("ar".into()),
                created_at: now - Duration::minutes(*mins),
                edited_at: None,
                conversation_id: None,
                in_reply_to: None,
                permalink: None,
                entities: Entities {
                    mentions: vec![],
                    hashtags: vec!["السلام".into()],
                    urls: vec![],
                },
                raw: serde_json::json!({"id": format!("t{i}")}).to_string(),
                deleted: false,
            })
            .collect();
        let report = store
            .ingest_page(account.id, SyncStream::XMentions, &items, None, now)
            .await
            .unwrap();
        assert_eq!(report.inserted, 4);
        let ids = (0..3)
            .map(|i| crate::item_id(account.id, &format!("t{i}")))
            .collect();
        (dir, store, account.id, ids)
    }

    #[tokio::test]
    async fn volume_per_bucket_and_handling_times_in_the_window() {
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();
        let (_dir, store, account, ids) = store_with_items(now).await;
        // Mark the newest done 10 minutes after it arrived.
        store
            .triage(
                &ids[..1],
                &TriageChange::SetStatus {
                    status: TriageStatus::Done,
                },
                now - Duration::minutes(20),
            )
            .await
            .unwrap();
        let since = now - Duration::hours(24);
        let a = store.activity(since, now, 3_600_000).await.unwrap();
        let total: u32 = a.volume.iter().map(|v| v.count).sum();
        assert_eq!(total, 3, "the item 25 h old is outside the window: {a:?}");
        // 30 min ago is bucket 23, 90/91 min ago bucket 22.
        let mut buckets: Vec<(u32, u32)> = a.volume.iter().map(|v| (v.bucket, v.count)).collect();
        buckets.sort();
        assert_eq!(buckets, vec![(22, 2), (23, 1)]);
        assert!(a.volume.iter().all(|v| v.account_id == account));
        assert_eq!(a.handling.len(), 1);
        assert_eq!(a.open.get(&account), Some(&2));
        assert!(
            store.activity(now, since, 1000).await.is_err(),
            "reversed window"
        );
        assert!(
            store.activity(since, now, 1).await.is_err(),
            "too many buckets"
        );
    }

    #[tokio::test]
    async fn tags_in_use_most_used_first() {
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();
        let (_dir, store, _account, ids) = store_with_items(now).await;
        store
            .triage(&ids, &TriageChange::Tag { tag: "Visa".into() }, now)
            .await
            .unwrap();
        store
            .triage(
                &ids[..1],
                &TriageChange::Tag {
                    tag: "#أزمة".into(),
                },
                now,
            )
            .await
            .unwrap();
        let tags = store.tag_counts(10).await.unwrap();
        assert_eq!(tags[0], ("visa".to_string(), ids.len() as u32));
        assert_eq!(tags[1], ("أزمة".to_string(), 1));
    }
}
