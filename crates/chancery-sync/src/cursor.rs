//! What a stream's stored cursor means, and how each page moves it.
//!
//! The store keeps one [`SyncCursor`] per account and stream (`newest_id`, `since`,
//! `backfill_position`, `horizon_reached`), committed in the same transaction as the page that
//! moved it. This module gives those fields a precise meaning so that a crash between any two
//! pages leaves a cursor that never claims more than the items stored:
//!
//! - **X mentions**: `newest_id` is the top of the stored range. A catch-up that needs several
//!   pages keeps `newest_id` where it was and records the chain (`gap`: the next
//!   `pagination_token` and the top it will move to) until its last page; backfill records the
//!   lowest id stored (`bottom`).
//! - **Facebook feed and tagged**: the same with times: `since` is the newest creation time
//!   stored (Graph `since` is inclusive, so the boundary second is read again and deduplicated).
//! - **Facebook comments and conversations**: `since` is the watermark of the last complete
//!   sweep (every comment or message up to it on recent posts / conversations is stored); a sweep
//!   in progress is not recorded (after a crash it starts again and the store deduplicates).
//!
//! `backfill_position` holds [`Progress`] as a small JSON object.

use chancery_model::items::{CursorUpdate, SyncCursor, SyncStream};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A catch-up chain in progress (several pages of new items).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    /// X `pagination_token` / Graph `after` cursor of the next page.
    pub token: String,
    /// The top the cursor moves to when the chain ends (X id, or Unix seconds for Graph).
    pub top: String,
}

/// Where paging stands, stored in `backfill_position`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Progress {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gap: Option<Gap>,
    /// The lowest X id / oldest Unix second stored by backfill (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bottom: Option<String>,
    /// Where backfill resumes (X `pagination_token` / Graph `after`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub back_token: Option<String>,
}

/// A stream's cursor, typed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Position {
    pub newest_id: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub progress: Progress,
    pub horizon_reached: bool,
}

impl Position {
    pub fn from_cursor(c: &SyncCursor) -> Position {
        Position {
            newest_id: c.newest_id.clone(),
            since: c.since,
            progress: c
                .backfill_position
                .as_deref()
                .and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or_default(),
            horizon_reached: c.horizon_reached,
        }
    }

    pub fn to_update(&self) -> CursorUpdate {
        let p = &self.progress;
        let empty = p.gap.is_none() && p.bottom.is_none() && p.back_token.is_none();
        CursorUpdate {
            newest_id: self.newest_id.clone(),
            since: self.since,
            backfill_position: if empty {
                None
            } else {
                serde_json::to_string(p).ok()
            },
            horizon_reached: self.horizon_reached,
        }
    }

    /// The stream has been read at least once.
    pub fn started(&self) -> bool {
        self.newest_id.is_some() || self.since.is_some() || self.horizon_reached
    }
}

/// What a cursor claims is stored, for checks: every item of the stream in this range is in
/// the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Nothing yet.
    Nothing,
    /// X: every mention with `low <= id <= high` (numeric ids); `low` None = down to the
    /// horizon.
    XIds { low: Option<u64>, high: u64 },
    /// Graph feed/tagged: every post created at `low <= t < high` (`low` None = horizon).
    Times {
        low: Option<DateTime<Utc>>,
        high: DateTime<Utc>,
    },
    /// Graph comments / messages: every one created before `high` on the tracked
    /// posts / conversations.
    Before { high: DateTime<Utc> },
}

/// What `cursor` claims (see [`Claim`]).
pub fn claim(stream: SyncStream, cursor: &SyncCursor) -> Claim {
    let p = Position::from_cursor(cursor);
    match stream {
        SyncStream::XMentions | SyncStream::XReplies => {
            match p.newest_id.as_deref().and_then(|s| s.parse().ok()) {
                Some(high) => Claim::XIds {
                    low: p.progress.bottom.as_deref().and_then(|s| s.parse().ok()),
                    high,
                },
                None => Claim::Nothing,
            }
        }
        SyncStream::FbFeed | SyncStream::FbTagged => match p.since {
            Some(high) => Claim::Times {
                low: p
                    .progress
                    .bottom
                    .as_deref()
                    .and_then(|s| s.parse::<i64>().ok())
                    .and_then(|s| DateTime::from_timestamp(s, 0)),
                high,
            },
            None => Claim::Nothing,
        },
        SyncStream::FbComments | SyncStream::FbConversations => match p.since {
            Some(high) => Claim::Before { high },
            None => Claim::Nothing,
        },
    }
}

/// Parses an X id for comparisons.
pub fn x_id(s: &str) -> Option<u64> {
    s.parse().ok()
}

/// The larger of two X ids.
pub fn max_x_id(a: Option<String>, b: Option<&str>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => {
            if x_id(b) > x_id(&a) {
                Some(b.to_string())
            } else {
                Some(a)
            }
        }
        (a, None) => a,
        (None, Some(b)) => Some(b.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chancery_model::accounts::AccountId;

    #[test]
    fn progress_round_trips_through_the_store_fields() {
        let pos = Position {
            newest_id: Some("100".into()),
            since: None,
            progress: Progress {
                gap: Some(Gap {
                    token: "tok".into(),
                    top: "150".into(),
                }),
                bottom: Some("7".into()),
                back_token: None,
            },
            horizon_reached: false,
        };
        let u = pos.to_update();
        assert_eq!(
            u.backfill_position.as_deref(),
            Some(r#"{"gap":{"token":"tok","top":"150"},"bottom":"7"}"#)
        );
        let c = SyncCursor {
            account_id: AccountId(uuid::Uuid::nil()),
            stream: SyncStream::XMentions,
            newest_id: u.newest_id,
            since: u.since,
            backfill_position: u.backfill_position,
            horizon_reached: u.horizon_reached,
            updated_at: Utc::now(),
        };
        assert_eq!(Position::from_cursor(&c), pos);
        assert_eq!(
            claim(SyncStream::XMentions, &c),
            Claim::XIds {
                low: Some(7),
                high: 100
            }
        );
        assert_eq!(Position::default().to_update().backfill_position, None);
    }

    #[test]
    fn ids_compare_as_numbers() {
        assert_eq!(
            max_x_id(Some("99".into()), Some("100")).as_deref(),
            Some("100")
        );
        assert_eq!(
            max_x_id(Some("100".into()), Some("99")).as_deref(),
            Some("100")
        );
        assert_eq!(max_x_id(None, Some("5")).as_deref(), Some("5"));
    }
}
