//! One stream of one account: what to ask next, and how a page moves its cursor. Pure.

use std::collections::VecDeque;

use chancery_model::accounts::{AccountId, Network};
use chancery_model::items::SyncStream;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use specta::Type;

use crate::budget::BudgetKey;
use crate::config::SyncConfig;
use crate::cursor::{max_x_id, x_id, Gap, Position};

/// An account as the engine syncs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncAccount {
    pub id: AccountId,
    pub network: Network,
    /// X user id / Page id.
    pub external_id: String,
    pub handle: String,
}

impl SyncAccount {
    /// The streams read for this account.
    pub fn streams(&self) -> &'static [SyncStream] {
        match self.network {
            Network::X => &[SyncStream::XMentions],
            Network::Facebook => &[
                SyncStream::FbFeed,
                SyncStream::FbTagged,
                SyncStream::FbComments,
                SyncStream::FbConversations,
            ],
        }
    }

    /// The budgets every call for this account is charged to.
    pub fn budgets(&self) -> [BudgetKey; 2] {
        match self.network {
            Network::X => [BudgetKey::XApp, BudgetKey::XUser(self.id)],
            Network::Facebook => [BudgetKey::FbApp, BudgetKey::FbPage(self.id)],
        }
    }
}

/// Graph post lists read as inbox streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FbEdge {
    Feed,
    Tagged,
}

/// One request, as data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestSpec {
    XMentions {
        since_id: Option<String>,
        until_id: Option<String>,
        pagination_token: Option<String>,
    },
    FbPosts {
        edge: FbEdge,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        after: Option<String>,
    },
    /// The Page's recent posts (to find those with new comments).
    FbRecentPosts {
        since: DateTime<Utc>,
        after: Option<String>,
    },
    FbComments {
        post_id: String,
        since: Option<DateTime<Utc>>,
        after: Option<String>,
    },
    FbConversations {
        after: Option<String>,
    },
    FbMessages {
        conversation_id: String,
        after: Option<String>,
    },
}

impl RequestSpec {
    /// The endpoint name (as the sandbox and the spans call it).
    pub fn endpoint(&self) -> &'static str {
        match self {
            RequestSpec::XMentions { .. } => "x.mentions",
            RequestSpec::FbPosts {
                edge: FbEdge::Feed, ..
            }
            | RequestSpec::FbRecentPosts { .. } => "graph.feed",
            RequestSpec::FbPosts {
                edge: FbEdge::Tagged,
                ..
            } => "graph.tagged",
            RequestSpec::FbComments { .. } => "graph.comments",
            RequestSpec::FbConversations { .. } => "graph.conversations",
            RequestSpec::FbMessages { .. } => "graph.messages",
        }
    }
}

/// Why a request is made (its priority class).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// The stream has not been read within `max_staleness`.
    Stale,
    /// The next page of a catch-up or sweep already under way.
    Continue,
    /// A regular poll for new items.
    Poll,
    /// Older history, down to the horizon.
    Backfill,
}

/// A multi-request read of comments or conversations, kept in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sweep {
    /// Listing recent posts / conversations.
    Listing {
        after: Option<String>,
        found: Vec<String>,
        watermark: Option<DateTime<Utc>>,
    },
    /// Reading the comments / messages of each one found.
    Reading {
        queue: VecDeque<String>,
        after: Option<String>,
        watermark: Option<DateTime<Utc>>,
    },
}

/// A stream's scheduling state.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamState {
    pub account: AccountId,
    pub stream: SyncStream,
    pub position: Position,
    pub sweep: Option<Sweep>,
    /// When the next poll is due.
    pub next_due: DateTime<Utc>,
    /// When the last poll (with all its pages) completed.
    pub last_success: Option<DateTime<Utc>>,
    /// When the last poll ended, completed or given up after its retries.
    pub last_finished: Option<DateTime<Utc>>,
    /// When the stream last gave up after its retries (it waits for its next turn).
    pub gave_up_at: Option<DateTime<Utc>>,
    /// Retrying after a failure: attempt number and not before.
    pub retry: Option<(u32, DateTime<Utc>)>,
    pub in_flight: bool,
    /// New items per real millisecond (moving average), for hotness.
    pub rate_per_ms: Option<f64>,
    /// Items seen in the poll under way.
    pub poll_items: u64,
    pub last_error: Option<String>,
    /// Items stored since the engine started.
    pub items_total: u64,
}

impl StreamState {
    pub fn new(
        account: AccountId,
        stream: SyncStream,
        position: Position,
        now: DateTime<Utc>,
    ) -> Self {
        StreamState {
            account,
            stream,
            position,
            sweep: None,
            next_due: now,
            last_success: None,
            last_finished: None,
            gave_up_at: None,
            retry: None,
            in_flight: false,
            rate_per_ms: None,
            poll_items: 0,
            last_error: None,
            items_total: 0,
        }
    }

    /// A page chain or sweep is under way.
    pub fn continuing(&self) -> bool {
        self.sweep.is_some() || self.position.progress.gap.is_some()
    }

    /// Backfill is still to do.
    pub fn backfill_pending(&self, config: &SyncConfig) -> bool {
        config.backfill
            && self.position.started()
            && !self.position.horizon_reached
            && matches!(
                self.stream,
                SyncStream::XMentions | SyncStream::FbFeed | SyncStream::FbTagged
            )
    }

    /// The interval until the next poll, from the stream's traffic.
    pub fn interval(&self, config: &SyncConfig) -> Duration {
        let min = match self.stream {
            SyncStream::FbComments | SyncStream::FbConversations => {
                config.real(config.sweep_min_interval)
            }
            _ => config.real(config.min_interval),
        };
        let max = config.real(config.max_staleness) * 3 / 5;
        let base = config.real(config.base_interval);
        let want = match self.rate_per_ms {
            Some(r) if r > 0.0 => {
                Duration::milliseconds((config.target_items_per_poll / r).min(1e12) as i64)
            }
            Some(_) => max,
            None => base,
        };
        want.clamp(min.min(max), max)
    }

    /// The next request of a chain or sweep under way, or of a new poll.
    pub fn poll_request(&self, now: DateTime<Utc>, config: &SyncConfig) -> RequestSpec {
        let p = &self.position;
        match self.stream {
            SyncStream::XMentions | SyncStream::XReplies => RequestSpec::XMentions {
                since_id: p.newest_id.clone(),
                until_id: None,
                pagination_token: p.progress.gap.as_ref().map(|g| g.token.clone()),
            },
            SyncStream::FbFeed | SyncStream::FbTagged => RequestSpec::FbPosts {
                edge: if self.stream == SyncStream::FbFeed {
                    FbEdge::Feed
                } else {
                    FbEdge::Tagged
                },
                since: p.since,
                until: None,
                after: p.progress.gap.as_ref().map(|g| g.token.clone()),
            },
            SyncStream::FbComments => match &self.sweep {
                Some(Sweep::Reading { queue, after, .. }) if !queue.is_empty() => {
                    RequestSpec::FbComments {
                        post_id: queue[0].clone(),
                        since: p.since,
                        after: after.clone(),
                    }
                }
                Some(Sweep::Listing { after, .. }) => RequestSpec::FbRecentPosts {
                    since: now - config.content(config.comments_post_horizon),
                    after: after.clone(),
                },
                _ => RequestSpec::FbRecentPosts {
                    since: now - config.content(config.comments_post_horizon),
                    after: None,
                },
            },
            SyncStream::FbConversations => match &self.sweep {
                Some(Sweep::Reading { queue, after, .. }) if !queue.is_empty() => {
                    RequestSpec::FbMessages {
                        conversation_id: queue[0].clone(),
                        after: after.clone(),
                    }
                }
                Some(Sweep::Listing { after, .. }) => RequestSpec::FbConversations {
                    after: after.clone(),
                },
                _ => RequestSpec::FbConversations { after: None },
            },
        }
    }

    /// The next backfill request.
    pub fn backfill_request(&self) -> Option<RequestSpec> {
        let pr = &self.position.progress;
        match self.stream {
            SyncStream::XMentions => Some(RequestSpec::XMentions {
                since_id: None,
                until_id: if pr.back_token.is_none() {
                    pr.bottom.clone()
                } else {
                    None
                },
                pagination_token: pr.back_token.clone(),
            }),
            SyncStream::FbFeed | SyncStream::FbTagged => Some(RequestSpec::FbPosts {
                edge: if self.stream == SyncStream::FbFeed {
                    FbEdge::Feed
                } else {
                    FbEdge::Tagged
                },
                since: None,
                until: if pr.back_token.is_none() {
                    pr.bottom
                        .as_deref()
                        .and_then(|s| s.parse::<i64>().ok())
                        .and_then(|s| DateTime::from_timestamp(s, 0))
                } else {
                    None
                },
                after: pr.back_token.clone(),
            }),
            _ => None,
        }
    }
}

/// What a page said, independent of the network.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PageFacts {
    /// Entries on the page (items, the account's own, malformed).
    pub entries: usize,
    /// Inbox items on the page.
    pub items: usize,
    /// X: newest and oldest id on the page.
    pub newest_id: Option<String>,
    pub oldest_id: Option<String>,
    /// Creation times of the newest and oldest entry.
    pub newest_time: Option<DateTime<Utc>>,
    pub oldest_time: Option<DateTime<Utc>>,
    /// The next page's token, when there is one.
    pub next: Option<String>,
    /// Sweeps: posts / conversations with activity after the watermark.
    pub listed: Vec<String>,
    /// Sweeps: the newest activity time seen on the listing page.
    pub max_updated: Option<DateTime<Utc>>,
    /// Sweeps (conversations): the listing reached activity at or before the watermark.
    pub listing_exhausted: bool,
}

/// How a page moves a stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub position: Position,
    /// Write `position` with the page's items (in the same transaction).
    pub commit_cursor: bool,
    pub sweep: Option<Sweep>,
    /// The poll (all its pages) is complete.
    pub poll_done: bool,
}

fn secs(t: DateTime<Utc>) -> String {
    t.timestamp().to_string()
}

fn from_secs(s: &str) -> Option<DateTime<Utc>> {
    s.parse::<i64>()
        .ok()
        .and_then(|s| DateTime::from_timestamp(s, 0))
}

fn older_than_horizon(t: Option<DateTime<Utc>>, now: DateTime<Utc>, config: &SyncConfig) -> bool {
    t.is_some_and(|t| t < now - config.content(config.backfill_horizon))
}

/// How the page `facts` answering `spec` (made for `purpose`) moves the stream `s`.
pub fn advance(
    s: &StreamState,
    spec: &RequestSpec,
    purpose: Purpose,
    facts: &PageFacts,
    now: DateTime<Utc>,
    config: &SyncConfig,
) -> Transition {
    let mut pos = s.position.clone();
    let mut sweep = s.sweep.clone();
    let mut commit = true;
    let mut done = false;
    match spec {
        RequestSpec::XMentions { .. } | RequestSpec::FbPosts { .. }
            if purpose == Purpose::Backfill =>
        {
            let is_x = matches!(spec, RequestSpec::XMentions { .. });
            let oldest = if is_x {
                facts.oldest_id.clone()
            } else {
                facts.oldest_time.map(secs)
            };
            if let Some(o) = oldest {
                let lower = match (&pos.progress.bottom, is_x) {
                    (Some(b), true) if x_id(b) < x_id(&o) => b.clone(),
                    (Some(b), false) if b.parse::<i64>().ok() < o.parse::<i64>().ok() => b.clone(),
                    _ => o,
                };
                pos.progress.bottom = Some(lower);
            }
            pos.progress.back_token = facts.next.clone();
            if facts.next.is_none() || older_than_horizon(facts.oldest_time, now, config) {
                pos.horizon_reached = true;
                pos.progress.back_token = None;
            }
        }
        RequestSpec::XMentions { .. } | RequestSpec::FbPosts { .. } => {
            let is_x = matches!(spec, RequestSpec::XMentions { .. });
            let first_read = !pos.started() && pos.progress.gap.is_none();
            let page_top = if is_x {
                facts.newest_id.clone()
            } else {
                facts.newest_time.map(secs)
            };
            let top = match pos.progress.gap.take() {
                Some(g) => Some(g.top),
                None => page_top,
            };
            if first_read {
                // The newest page of a stream never read: it sets the top and starts backfill.
                if is_x {
                    pos.newest_id = top;
                } else {
                    pos.since = top.as_deref().and_then(from_secs);
                }
                pos.progress.bottom = if is_x {
                    facts.oldest_id.clone()
                } else {
                    facts.oldest_time.map(secs)
                };
                pos.progress.back_token = facts.next.clone();
                if facts.next.is_none()
                    || !config.backfill
                    || older_than_horizon(facts.oldest_time, now, config)
                {
                    pos.horizon_reached = true;
                    pos.progress.back_token = None;
                }
                done = true;
            } else if let Some(next) = &facts.next {
                pos.progress.gap = top.map(|top| Gap {
                    token: next.clone(),
                    top,
                });
                if pos.progress.gap.is_none() {
                    done = true;
                }
            } else {
                if is_x {
                    pos.newest_id = max_x_id(pos.newest_id.take(), top.as_deref());
                } else if let Some(t) = top.as_deref().and_then(from_secs) {
                    pos.since = Some(pos.since.map_or(t, |s| s.max(t)));
                }
                commit = facts.entries > 0 || s.position.progress.gap.is_some();
                done = true;
            }
        }
        RequestSpec::FbRecentPosts { .. } | RequestSpec::FbConversations { .. } => {
            let (mut found, mut wm) = match sweep.take() {
                Some(Sweep::Listing {
                    found, watermark, ..
                }) => (found, watermark),
                _ => (Vec::new(), None),
            };
            for id in &facts.listed {
                if !found.contains(id) {
                    found.push(id.clone());
                }
            }
            wm = match (wm, facts.max_updated) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
            commit = false;
            if facts.next.is_some() && !facts.listing_exhausted {
                sweep = Some(Sweep::Listing {
                    after: facts.next.clone(),
                    found,
                    watermark: wm,
                });
            } else if found.is_empty() {
                if let Some(w) = wm {
                    pos.since = Some(pos.since.map_or(w, |s| s.max(w)));
                    commit = pos != s.position;
                }
                done = true;
            } else {
                sweep = Some(Sweep::Reading {
                    queue: found.into(),
                    after: None,
                    watermark: wm,
                });
            }
        }
        RequestSpec::FbComments { .. } | RequestSpec::FbMessages { .. } => {
            commit = false;
            if let Some(Sweep::Reading {
                mut queue,
                watermark,
                ..
            }) = sweep.take()
            {
                let is_messages = matches!(spec, RequestSpec::FbMessages { .. });
                // Messages have no `since`: stop at the watermark (or the horizon) by time.
                let reached_old = is_messages
                    && facts.oldest_time.is_some_and(|o| {
                        pos.since.is_some_and(|s| o < s)
                            || o < now - config.content(config.comments_post_horizon)
                    });
                if facts.next.is_some() && !reached_old {
                    sweep = Some(Sweep::Reading {
                        queue,
                        after: facts.next.clone(),
                        watermark,
                    });
                } else {
                    queue.pop_front();
                    if queue.is_empty() {
                        if let Some(w) = watermark {
                            pos.since = Some(pos.since.map_or(w, |s| s.max(w)));
                        }
                        commit = true;
                        done = true;
                    } else {
                        sweep = Some(Sweep::Reading {
                            queue,
                            after: None,
                            watermark,
                        });
                    }
                }
            } else {
                done = true;
            }
        }
    }
    Transition {
        commit_cursor: commit && pos != s.position,
        position: pos,
        sweep,
        poll_done: done,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + s, 0).unwrap()
    }

    fn x_state(pos: Position) -> StreamState {
        StreamState::new(
            AccountId(uuid::Uuid::nil()),
            SyncStream::XMentions,
            pos,
            t(0),
        )
    }

    fn x_page(newest: u64, oldest: u64, next: Option<&str>, at: DateTime<Utc>) -> PageFacts {
        PageFacts {
            entries: 100,
            items: 100,
            newest_id: Some(newest.to_string()),
            oldest_id: Some(oldest.to_string()),
            newest_time: Some(at),
            oldest_time: Some(at),
            next: next.map(str::to_string),
            ..PageFacts::default()
        }
    }

    struct Case {
        name: &'static str,
        start: Position,
        purpose: Purpose,
        page: PageFacts,
        newest: Option<&'static str>,
        gap_top: Option<&'static str>,
        bottom: Option<&'static str>,
        horizon: bool,
        done: bool,
    }

    #[test]
    fn x_mention_pages_move_the_cursor_table() {
        let c = SyncConfig::default();
        let now = t(0);
        let at100 = Position {
            newest_id: Some("100".into()),
            ..Position::default()
        };
        let chain = Position {
            newest_id: Some("100".into()),
            progress: crate::cursor::Progress {
                gap: Some(Gap {
                    token: "n1".into(),
                    top: "900".into(),
                }),
                ..Default::default()
            },
            ..Position::default()
        };
        let cases = [
            Case {
                name: "first page with more behind starts backfill",
                start: Position::default(),
                purpose: Purpose::Poll,
                page: x_page(900, 800, Some("b1"), now),
                newest: Some("900"),
                gap_top: None,
                bottom: Some("800"),
                horizon: false,
                done: true,
            },
            Case {
                name: "first page that is all there is",
                start: Position::default(),
                purpose: Purpose::Poll,
                page: x_page(900, 800, None, now),
                newest: Some("900"),
                gap_top: None,
                bottom: Some("800"),
                horizon: true,
                done: true,
            },
            Case {
                name: "a catch-up of one page moves the top",
                start: at100.clone(),
                purpose: Purpose::Poll,
                page: x_page(300, 200, None, now),
                newest: Some("300"),
                gap_top: None,
                bottom: None,
                horizon: false,
                done: true,
            },
            Case {
                name: "a catch-up of several pages keeps the top until its end",
                start: at100.clone(),
                purpose: Purpose::Poll,
                page: x_page(900, 800, Some("n1"), now),
                newest: Some("100"),
                gap_top: Some("900"),
                bottom: None,
                horizon: false,
                done: false,
            },
            Case {
                name: "the chain's middle page",
                start: chain.clone(),
                purpose: Purpose::Continue,
                page: x_page(799, 700, Some("n2"), now),
                newest: Some("100"),
                gap_top: Some("900"),
                bottom: None,
                horizon: false,
                done: false,
            },
            Case {
                name: "the chain's last page moves the top to the chain's top",
                start: chain,
                purpose: Purpose::Continue,
                page: x_page(699, 101, None, now),
                newest: Some("900"),
                gap_top: None,
                bottom: None,
                horizon: false,
                done: true,
            },
            Case {
                name: "backfill goes down",
                start: Position {
                    progress: crate::cursor::Progress {
                        bottom: Some("800".into()),
                        back_token: Some("b1".into()),
                        gap: None,
                    },
                    ..at100.clone()
                },
                purpose: Purpose::Backfill,
                page: x_page(799, 500, Some("b2"), now),
                newest: Some("100"),
                gap_top: None,
                bottom: Some("500"),
                horizon: false,
                done: false,
            },
            Case {
                name: "backfill stops at the horizon",
                start: Position {
                    progress: crate::cursor::Progress {
                        bottom: Some("800".into()),
                        back_token: Some("b1".into()),
                        gap: None,
                    },
                    ..at100
                },
                purpose: Purpose::Backfill,
                page: x_page(799, 500, Some("b2"), now - Duration::days(8)),
                newest: Some("100"),
                gap_top: None,
                bottom: Some("500"),
                horizon: true,
                done: false,
            },
        ];
        for case in cases {
            let s = x_state(case.start.clone());
            let spec = if case.purpose == Purpose::Backfill {
                s.backfill_request().unwrap()
            } else {
                s.poll_request(now, &c)
            };
            let tr = advance(&s, &spec, case.purpose, &case.page, now, &c);
            assert_eq!(
                tr.position.newest_id.as_deref(),
                case.newest,
                "{}",
                case.name
            );
            assert_eq!(
                tr.position.progress.gap.as_ref().map(|g| g.top.as_str()),
                case.gap_top,
                "{}",
                case.name
            );
            assert_eq!(
                tr.position.progress.bottom.as_deref(),
                case.bottom,
                "{}",
                case.name
            );
            assert_eq!(tr.position.horizon_reached, case.horizon, "{}", case.name);
            assert_eq!(tr.poll_done, case.done, "{}", case.name);
            assert!(tr.commit_cursor, "{}", case.name);
        }
    }

    #[test]
    fn a_chain_continues_with_its_token_and_floor() {
        let c = SyncConfig::default();
        let s = x_state(Position {
            newest_id: Some("100".into()),
            progress: crate::cursor::Progress {
                gap: Some(Gap {
                    token: "n1".into(),
                    top: "900".into(),
                }),
                ..Default::default()
            },
            ..Position::default()
        });
        assert_eq!(
            s.poll_request(t(0), &c),
            RequestSpec::XMentions {
                since_id: Some("100".into()),
                until_id: None,
                pagination_token: Some("n1".into())
            }
        );
    }

    #[test]
    fn comment_sweep_lists_reads_then_moves_the_watermark() {
        let c = SyncConfig::default();
        let now = t(0);
        let mut s = StreamState::new(
            AccountId(uuid::Uuid::nil()),
            SyncStream::FbComments,
            Position {
                since: Some(t(-600)),
                ..Position::default()
            },
            now,
        );
        let list = PageFacts {
            entries: 5,
            listed: vec!["p1".into(), "p2".into()],
            max_updated: Some(t(-5)),
            ..PageFacts::default()
        };
        let spec = s.poll_request(now, &c);
        assert!(matches!(
            spec,
            RequestSpec::FbRecentPosts { after: None, .. }
        ));
        let tr = advance(&s, &spec, Purpose::Poll, &list, now, &c);
        assert!(!tr.commit_cursor && !tr.poll_done);
        s.sweep = tr.sweep;
        // p1 has two pages, p2 one.
        let spec = s.poll_request(now, &c);
        assert_eq!(
            spec,
            RequestSpec::FbComments {
                post_id: "p1".into(),
                since: Some(t(-600)),
                after: None
            }
        );
        let tr = advance(
            &s,
            &spec,
            Purpose::Continue,
            &PageFacts {
                entries: 100,
                next: Some("a".into()),
                ..PageFacts::default()
            },
            now,
            &c,
        );
        s.sweep = tr.sweep;
        assert_eq!(
            s.poll_request(now, &c),
            RequestSpec::FbComments {
                post_id: "p1".into(),
                since: Some(t(-600)),
                after: Some("a".into())
            }
        );
        let tr = advance(
            &s,
            &s.poll_request(now, &c),
            Purpose::Continue,
            &PageFacts {
                entries: 3,
                ..PageFacts::default()
            },
            now,
            &c,
        );
        assert!(!tr.commit_cursor && !tr.poll_done);
        s.sweep = tr.sweep;
        let spec = s.poll_request(now, &c);
        assert!(matches!(&spec, RequestSpec::FbComments { post_id, .. } if post_id == "p2"));
        let tr = advance(
            &s,
            &spec,
            Purpose::Continue,
            &PageFacts {
                entries: 1,
                ..PageFacts::default()
            },
            now,
            &c,
        );
        assert!(tr.commit_cursor && tr.poll_done);
        assert_eq!(tr.position.since, Some(t(-5)));
        assert!(tr.sweep.is_none());
    }

    #[test]
    fn hot_streams_are_polled_more_often_within_bounds() {
        let c = SyncConfig::default();
        let mut s = x_state(Position::default());
        assert_eq!(s.interval(&c), Duration::seconds(120));
        s.rate_per_ms = Some(1000.0 / 3_600_000.0); // 1000 an hour
        assert_eq!(s.interval(&c), Duration::seconds(36));
        s.rate_per_ms = Some(100_000.0 / 3_600_000.0);
        assert_eq!(s.interval(&c), Duration::seconds(30));
        s.rate_per_ms = Some(0.0);
        assert_eq!(s.interval(&c), Duration::seconds(540));
    }
}
