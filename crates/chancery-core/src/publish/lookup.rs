//! Finding a post on the network: the reconciliation check after a crash or an unclear
//! answer.
//!
//! The account's own recent posts are read, newest first (X `GET /2/users/{id}/tweets`; a
//! Facebook Page's `/feed`; for a Facebook reply, the comments under the comment or post it
//! answers), and a post matches when
//!
//! - its text is the text that was sent (compared after the changes networks make to text:
//!   `&amp;`-style escapes, t.co link wrapping, spacing, Unicode normalisation),
//! - it answers the same post or comment (or none, for a post),
//! - it is the account's own (Facebook: `from` is the Page),
//! - it was created no earlier than [`CLOCK_MARGIN`] before the attempt started, and
//! - no other outbox entry of the account was already matched to it.
//!
//! The read stops at the first post older than that, and after `pages` pages.

use std::collections::HashSet;

use chancery_model::accounts::Network;
use chancery_net::{
    Auth, Budget, CommentOrder, CommentsQuery, ListQuery, NetFailure, TimelineQuery,
};
use chrono::{DateTime, Duration, Utc};
use secrecy::SecretString;
use unicode_normalization::UnicodeNormalization;

use crate::App;

/// Tolerance between our clock and the network's timestamps.
pub const CLOCK_MARGIN: Duration = Duration::minutes(10);

/// What to look for.
pub(crate) struct Wanted<'a> {
    pub network: Network,
    /// The X user id or the Page id.
    pub external_id: &'a str,
    pub label: &'a str,
    pub text: &'a str,
    pub reply_to: Option<&'a str>,
    /// When the attempt that may have created it started.
    pub attempt_started: DateTime<Utc>,
    /// Post ids already matched to other entries of the account.
    pub exclude: &'a HashSet<String>,
    pub pages: u8,
}

/// A text as a network may give it back, reduced to what survives the trip: HTML escapes
/// undone, links removed (X wraps them in t.co links, and appends one for attached media),
/// Unicode NFC, whitespace collapsed.
pub fn comparable(text: &str) -> String {
    let unescaped = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    let nfc: String = unescaped.nfc().collect();
    nfc.split_whitespace()
        .filter(|w| !(w.starts_with("http://") || w.starts_with("https://")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A Graph time (`2026-11-24T10:00:00+0000`) or an RFC 3339 one.
fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%z"))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Is a post created at `created` (as the network says) too old to be the attempt's?
fn too_old(created: Option<&str>, w: &Wanted<'_>) -> bool {
    created
        .and_then(parse_time)
        .is_some_and(|t| t < w.attempt_started - CLOCK_MARGIN)
}

/// The id of the post `w` describes, if the account's recent posts have it, and the last
/// budget seen.
pub(crate) async fn find(
    app: &App,
    w: &Wanted<'_>,
    token: &SecretString,
) -> Result<(Option<String>, Budget), NetFailure> {
    let auth = Auth::new(token, w.label);
    let want = comparable(w.text);
    let pages = w.pages.max(1);
    match w.network {
        Network::X => {
            let mut q = TimelineQuery {
                max_results: Some(100),
                ..TimelineQuery::default()
            };
            let mut budget = Budget::default();
            for _ in 0..pages {
                let r = app.x_client().user_posts(&auth, w.external_id, &q).await?;
                budget = r.budget;
                let mut older = false;
                for p in &r.data.posts {
                    if too_old(p.created_at.as_deref(), w) {
                        older = true;
                        continue;
                    }
                    if comparable(&p.text) == want
                        && p.replied_to() == w.reply_to
                        && !w.exclude.contains(&p.id)
                    {
                        return Ok((Some(p.id.clone()), budget));
                    }
                }
                match q.next(&r.data) {
                    Some(n) if !older => q = n,
                    _ => break,
                }
            }
            Ok((None, budget))
        }
        Network::Facebook => {
            let graph = app.graph_client();
            let mut budget = Budget::default();
            if let Some(target) = w.reply_to {
                let mut q = CommentsQuery {
                    list: ListQuery {
                        limit: Some(100),
                        ..ListQuery::default()
                    },
                    order: CommentOrder::ReverseChronological,
                    stream: true,
                    summary: false,
                };
                for _ in 0..pages {
                    let r = graph.comments(&auth, target, &q).await?;
                    budget = r.budget;
                    let mut older = false;
                    for c in &r.data.items {
                        if too_old(c.created_time.as_deref(), w) {
                            older = true;
                            continue;
                        }
                        let ours = c.from.as_ref().is_none_or(|f| f.id == w.external_id);
                        if ours
                            && comparable(c.message.as_deref().unwrap_or("")) == want
                            && !w.exclude.contains(&c.id)
                        {
                            return Ok((Some(c.id.clone()), budget));
                        }
                    }
                    match q.list.next(&r.data) {
                        Some(n) if !older => q.list = n,
                        _ => break,
                    }
                }
                return Ok((None, budget));
            }
            let mut q = ListQuery {
                limit: Some(100),
                ..ListQuery::default()
            };
            for _ in 0..pages {
                let r = graph.feed(&auth, w.external_id, &q).await?;
                budget = r.budget;
                let mut older = false;
                for p in &r.data.items {
                    if too_old(p.created_time.as_deref(), w) {
                        older = true;
                        continue;
                    }
                    let ours = p.from.as_ref().is_none_or(|f| f.id == w.external_id);
                    if ours
                        && comparable(p.message.as_deref().unwrap_or("")) == want
                        && !w.exclude.contains(&p.id)
                    {
                        return Ok((Some(p.id.clone()), budget));
                    }
                }
                match q.next(&r.data) {
                    Some(n) if !older => q = n,
                    _ => break,
                }
            }
            Ok((None, budget))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn texts_compare_after_what_networks_do_to_them() {
        assert_eq!(
            comparable("Q&A at 10:00 <today>  see https://example.org/x"),
            comparable("Q&amp;A at 10:00 &lt;today&gt; see https://t.co/abc123")
        );
        assert_eq!(
            comparable("Caf\u{e9} ouvert"),
            comparable("Cafe\u{301} ouvert"),
            "NFC"
        );
        assert_eq!(
            comparable("With an image"),
            comparable("With an image https://t.co/media1")
        );
        assert_ne!(comparable("Flood update 1"), comparable("Flood update 2"));
    }

    #[test]
    fn graph_and_x_times_parse() {
        let t = Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap();
        assert_eq!(parse_time("2026-11-24T10:00:00+0000"), Some(t));
        assert_eq!(parse_time("2026-11-24T10:00:00.000Z"), Some(t));
        assert_eq!(parse_time("yesterday"), None);
    }
}
