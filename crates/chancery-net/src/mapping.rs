//! From the networks' JSON to Chancery's inbox model ([`NewItem`]), one account at a time.
//!
//! Each function maps one object and says whether it is an inbox item, the account's own
//! content (not an inbox item: skipped), or malformed ([`MalformedPayload`] with its raw JSON and
//! a reason). A malformed object never fails the rest of its page: the page functions collect
//! the items and the malformed payloads side by side, so the store can ingest one and
//! quarantine the other in the same transaction.
//!
//! ## X: mention or reply
//!
//! A post from the mentions timeline is an **`x_reply`** when it answers one of the account's
//! own posts, that is when
//! 1. its `in_reply_to_user_id` is the account's user id (X sets it to the author of the post
//!    replied to), or
//! 2. its `replied_to` reference points at a post that the expansions show was written by the
//!    account (covers payloads without `in_reply_to_user_id`).
//!
//! Every other post is an **`x_mention`**: the account is @mentioned (or quoted) in a post that
//! does not reply to it, including replies to *other* people's posts that mention the account.
//! Replies to the account's posts reach the mentions timeline because X puts the replied-to
//! author's @handle on every reply. Posts written by the account itself are skipped.
//!
//! ## Facebook
//!
//! - `/feed` posts by anyone but the Page are `fb_visitor_post`; the Page's own posts are skipped.
//! - `/tagged` posts are `fb_tagged_post`. Graph returns `from` only in some cases; without it
//!   the author is the profile in the first part of the post id (`{profile}_{post}`).
//! - Comments are `fb_comment`; `conversation_id` is the post the comments were read from and
//!   `in_reply_to` the parent comment (or that post). The Page's own comments are skipped.
//! - Messenger messages are `fb_message` with the conversation id; the Page's own are skipped.
//! - Graph times look like `2026-11-24T10:00:00+0000`; RFC 3339 is accepted too.

use chancery_model::items::{Entities, ItemAuthor, ItemKind, MalformedPayload, NewItem};
use chrono::{DateTime, Utc};

use crate::graph::wire::{GraphComment, GraphList, GraphMessage, GraphPost};
use crate::x::wire::{XIncludes, XPost, XPostsPage};

/// What became of one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mapped {
    Item(Box<NewItem>),
    /// The account's own content: not an inbox item.
    Own,
    Malformed(MalformedPayload),
}

/// Items and quarantined payloads of one page.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MappedPage {
    pub items: Vec<NewItem>,
    pub malformed: Vec<MalformedPayload>,
    /// Objects skipped as the account's own.
    pub own: usize,
}

impl MappedPage {
    fn push(&mut self, m: Mapped) {
        match m {
            Mapped::Item(i) => self.items.push(*i),
            Mapped::Own => self.own += 1,
            Mapped::Malformed(p) => self.malformed.push(p),
        }
    }
}

fn bad(id: &str, raw: &str, reason: impl Into<String>) -> Mapped {
    Mapped::Malformed(MalformedPayload {
        external_id: (!id.is_empty()).then(|| id.to_string()),
        raw: raw.to_string(),
        reason: reason.into(),
    })
}

/// Parses an X time (RFC 3339, `2026-11-24T10:00:00.000Z`).
pub fn parse_x_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Parses a Graph time (`2026-11-24T10:00:00+0000`, or RFC 3339).
pub fn parse_graph_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%z")
        .or_else(|_| DateTime::parse_from_rfc3339(s))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Is this an X id (1-19 digits)?
fn is_x_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 19 && s.bytes().all(|b| b.is_ascii_digit())
}

/// The kind of a post from the mentions timeline of `account_user_id` (see the module docs).
pub fn x_kind(post: &XPost, includes: &XIncludes, account_user_id: &str) -> ItemKind {
    if post.in_reply_to_user_id.as_deref() == Some(account_user_id) {
        return ItemKind::XReply;
    }
    let replies_to_ours = post
        .replied_to()
        .and_then(|id| includes.post(id))
        .and_then(|p| p.author_id.as_deref())
        == Some(account_user_id);
    if replies_to_ours {
        ItemKind::XReply
    } else {
        ItemKind::XMention
    }
}

/// Maps one X post read for the account `account_user_id`.
pub fn x_post(post: &XPost, includes: &XIncludes, account_user_id: &str) -> Mapped {
    if !is_x_id(&post.id) {
        return bad(
            &post.id,
            &post.raw,
            format!("the post id `{}` is not an X id", post.id),
        );
    }
    let Some(author_id) = post.author_id.as_deref().filter(|a| is_x_id(a)) else {
        return bad(&post.id, &post.raw, "the post has no author_id");
    };
    if author_id == account_user_id {
        return Mapped::Own;
    }
    let Some(created) = post.created_at.as_deref() else {
        return bad(&post.id, &post.raw, "the post has no created_at");
    };
    let Some(created_at) = parse_x_time(created) else {
        return bad(
            &post.id,
            &post.raw,
            format!("created_at `{created}` is not an RFC 3339 time"),
        );
    };
    let author = includes.user(author_id);
    let entities = post
        .entities
        .as_ref()
        .map(|e| Entities {
            mentions: e
                .mentions
                .iter()
                .map(|m| m.username.clone())
                .filter(|u| !u.is_empty())
                .collect(),
            hashtags: e
                .hashtags
                .iter()
                .map(|h| h.tag.clone())
                .filter(|t| !t.is_empty())
                .collect(),
            urls: e
                .urls
                .iter()
                .map(|u| u.expanded_url.clone().unwrap_or_else(|| u.url.clone()))
                .filter(|u| !u.is_empty())
                .collect(),
        })
        .unwrap_or_default();
    let permalink = match author {
        Some(u) => format!("https://x.com/{}/status/{}", u.username, post.id),
        None => format!("https://x.com/i/web/status/{}", post.id),
    };
    Mapped::Item(Box::new(NewItem {
        kind: x_kind(post, includes, account_user_id),
        external_id: post.id.clone(),
        author: ItemAuthor {
            external_id: author_id.to_string(),
            handle: author.map(|u| u.username.clone()),
            display_name: author.map(|u| u.name.clone()).filter(|n| !n.is_empty()),
        },
        text: post.text.clone(),
        language: post.lang.clone().filter(|l| !l.is_empty()),
        created_at,
        edited_at: None,
        conversation_id: post.conversation_id.clone(),
        in_reply_to: post.replied_to().map(str::to_string),
        permalink: Some(permalink),
        entities,
        raw: post.raw.clone(),
        deleted: false,
    }))
}

/// Maps a timeline page read for `account_user_id`: items, plus the page's malformed entries
/// and those that fail mapping.
pub fn x_page(page: &XPostsPage, account_user_id: &str) -> MappedPage {
    let mut out = MappedPage {
        malformed: page.malformed.clone(),
        ..MappedPage::default()
    };
    for p in &page.posts {
        out.push(x_post(p, &page.includes, account_user_id));
    }
    out
}

/// Hashtags and links found in plain text (Facebook sends no entities for them).
pub fn text_entities(text: &str) -> Entities {
    let mut e = Entities::default();
    for word in text.split(|c: char| c.is_whitespace()) {
        let trimmed = word.trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '»', '"', '\'']);
        if let Some(tag) = trimmed.strip_prefix('#') {
            let tag: String = tag
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !tag.is_empty() && !e.hashtags.contains(&tag) {
                e.hashtags.push(tag);
            }
        } else if (trimmed.starts_with("https://") || trimmed.starts_with("http://"))
            && trimmed.len() > 8
            && !e.urls.contains(&trimmed.to_string())
        {
            e.urls.push(trimmed.to_string());
        }
    }
    e
}

fn graph_entities(text: &str, tags: &[crate::graph::wire::GraphTag]) -> Entities {
    let mut e = text_entities(text);
    for t in tags {
        if let Some(n) = t.name.as_deref().filter(|n| !n.is_empty()) {
            if !e.mentions.iter().any(|m| m == n) {
                e.mentions.push(n.to_string());
            }
        }
    }
    e
}

fn graph_created(id: &str, raw: &str, created: Option<&str>) -> Result<DateTime<Utc>, Mapped> {
    let Some(c) = created else {
        return Err(bad(id, raw, "no created_time"));
    };
    parse_graph_time(c)
        .ok_or_else(|| bad(id, raw, format!("created_time `{c}` is not a Graph time")))
}

fn check_graph_id(id: &str, raw: &str) -> Result<(), Mapped> {
    if id.is_empty() || id.len() > 256 || id.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(bad(id, raw, "the id is empty or not a Graph id"));
    }
    Ok(())
}

/// Maps a post read from `/{page}/feed` (`ItemKind::FbVisitorPost`) or `/{page}/tagged`
/// (`ItemKind::FbTaggedPost`) of the Page `page_id`.
pub fn graph_post(post: &GraphPost, page_id: &str, kind: ItemKind) -> Mapped {
    if let Err(m) = check_graph_id(&post.id, &post.raw) {
        return m;
    }
    if !matches!(kind, ItemKind::FbVisitorPost | ItemKind::FbTaggedPost) {
        return bad(
            &post.id,
            &post.raw,
            format!("a post cannot be a {}", kind.as_str()),
        );
    }
    let author = match &post.from {
        Some(f) if !f.id.is_empty() => ItemAuthor {
            external_id: f.id.clone(),
            handle: None,
            display_name: f.name.clone(),
        },
        _ => match post.id.split_once('_') {
            Some((profile, _)) if !profile.is_empty() && profile != page_id => ItemAuthor {
                external_id: profile.to_string(),
                handle: None,
                display_name: None,
            },
            _ => return bad(&post.id, &post.raw, "the post has no author (`from`)"),
        },
    };
    if author.external_id == page_id {
        return Mapped::Own;
    }
    let created_at = match graph_created(&post.id, &post.raw, post.created_time.as_deref()) {
        Ok(t) => t,
        Err(m) => return m,
    };
    let updated = post.updated_time.as_deref().and_then(parse_graph_time);
    let text = post
        .message
        .clone()
        .or_else(|| post.story.clone())
        .unwrap_or_default();
    Mapped::Item(Box::new(NewItem {
        kind,
        external_id: post.id.clone(),
        entities: graph_entities(&text, &post.message_tags),
        author,
        text,
        language: None,
        created_at,
        // Graph moves updated_time on new comments too, so it only means "edited" when later.
        edited_at: updated.filter(|u| *u > created_at + chrono::Duration::seconds(1)),
        conversation_id: Some(post.id.clone()),
        in_reply_to: None,
        permalink: post.permalink_url.clone(),
        raw: post.raw.clone(),
        deleted: false,
    }))
}

/// Maps a comment read from `/{object_id}/comments` of the Page `page_id`.
pub fn graph_comment(comment: &GraphComment, page_id: &str, object_id: &str) -> Mapped {
    if let Err(m) = check_graph_id(&comment.id, &comment.raw) {
        return m;
    }
    let Some(from) = comment.from.as_ref().filter(|f| !f.id.is_empty()) else {
        return bad(
            &comment.id,
            &comment.raw,
            "the comment has no author (`from`)",
        );
    };
    if from.id == page_id {
        return Mapped::Own;
    }
    let created_at = match graph_created(&comment.id, &comment.raw, comment.created_time.as_deref())
    {
        Ok(t) => t,
        Err(m) => return m,
    };
    let text = comment.message.clone().unwrap_or_default();
    Mapped::Item(Box::new(NewItem {
        kind: ItemKind::FbComment,
        external_id: comment.id.clone(),
        author: ItemAuthor {
            external_id: from.id.clone(),
            handle: None,
            display_name: from.name.clone(),
        },
        entities: graph_entities(&text, &comment.message_tags),
        text,
        language: None,
        created_at,
        edited_at: None,
        conversation_id: Some(object_id.to_string()),
        in_reply_to: Some(
            comment
                .parent
                .as_ref()
                .map_or_else(|| object_id.to_string(), |p| p.id.clone()),
        ),
        permalink: comment.permalink_url.clone(),
        raw: comment.raw.clone(),
        deleted: false,
    }))
}

/// Maps a Messenger message of `conversation_id` of the Page `page_id`.
pub fn graph_message(message: &GraphMessage, page_id: &str, conversation_id: &str) -> Mapped {
    if let Err(m) = check_graph_id(&message.id, &message.raw) {
        return m;
    }
    let Some(from) = message.from.as_ref().filter(|f| !f.id.is_empty()) else {
        return bad(
            &message.id,
            &message.raw,
            "the message has no sender (`from`)",
        );
    };
    if from.id == page_id {
        return Mapped::Own;
    }
    let created_at = match graph_created(&message.id, &message.raw, message.created_time.as_deref())
    {
        Ok(t) => t,
        Err(m) => return m,
    };
    let text = message.message.clone().unwrap_or_default();
    Mapped::Item(Box::new(NewItem {
        kind: ItemKind::FbMessage,
        external_id: message.id.clone(),
        author: ItemAuthor {
            external_id: from.id.clone(),
            handle: None,
            display_name: from.name.clone(),
        },
        entities: text_entities(&text),
        text,
        language: None,
        created_at,
        edited_at: None,
        conversation_id: Some(conversation_id.to_string()),
        in_reply_to: None,
        permalink: None,
        raw: message.raw.clone(),
        deleted: false,
    }))
}

/// Maps a page of feed or tagged posts.
pub fn graph_posts(list: &GraphList<GraphPost>, page_id: &str, kind: ItemKind) -> MappedPage {
    let mut out = MappedPage {
        malformed: list.malformed.clone(),
        ..MappedPage::default()
    };
    for p in &list.items {
        out.push(graph_post(p, page_id, kind));
    }
    out
}

/// Maps a page of comments on `object_id`.
pub fn graph_comments(
    list: &GraphList<GraphComment>,
    page_id: &str,
    object_id: &str,
) -> MappedPage {
    let mut out = MappedPage {
        malformed: list.malformed.clone(),
        ..MappedPage::default()
    };
    for c in &list.items {
        out.push(graph_comment(c, page_id, object_id));
    }
    out
}

/// Maps a page of messages of `conversation_id`.
pub fn graph_messages(
    list: &GraphList<GraphMessage>,
    page_id: &str,
    conversation_id: &str,
) -> MappedPage {
    let mut out = MappedPage {
        malformed: list.malformed.clone(),
        ..MappedPage::default()
    };
    for m in &list.items {
        out.push(graph_message(m, page_id, conversation_id));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::wire::{FromGraph, RawList};
    use serde_json::value::RawValue;

    const ACCOUNT: &str = "1181797423";

    fn x_page_from(json: &str) -> XPostsPage {
        let raw: crate::x::wire::RawPostsPage = serde_json::from_str(json).unwrap();
        raw.parse()
    }

    #[test]
    fn x_reply_mention_own_and_malformed() {
        let page = x_page_from(
            r#"{"data":[
              {"id":"11","text":"@VLD_MFA thanks for the answer","author_id":"42","created_at":"2026-11-24T10:00:00.000Z","conversation_id":"10","in_reply_to_user_id":"1181797423","lang":"en","referenced_tweets":[{"type":"replied_to","id":"10"}],"entities":{"mentions":[{"username":"VLD_MFA"}],"hashtags":[{"tag":"visa"}],"urls":[{"url":"https://t.co/a","expanded_url":"https://ex.org/a"}]}},
              {"id":"12","text":"@someone @VLD_MFA look","author_id":"43","created_at":"2026-11-24T10:01:00Z","conversation_id":"20","in_reply_to_user_id":"77","referenced_posts":[{"type":"replied_to","id":"20"}]},
              {"id":"13","text":"reply without in_reply_to_user_id","author_id":"44","created_at":"2026-11-24T10:02:00Z","referenced_posts":[{"type":"replied_to","id":"10"}]},
              {"id":"14","text":"our own","author_id":"1181797423","created_at":"2026-11-24T10:03:00Z"},
              {"id":"15","text":"bad time","author_id":"45","created_at":"yesterday"},
              {"id":"16","text":"no author","created_at":"2026-11-24T10:03:00Z"},
              {"id":17,"text":"wrong type"}
            ],
            "includes":{"users":[{"id":"42","name":"Ana","username":"ana"}],"posts":[{"id":"10","text":"our post","author_id":"1181797423"},{"id":"20","text":"theirs","author_id":"77"}]}}"#,
        );
        let m = x_page(&page, ACCOUNT);
        assert_eq!(m.own, 1);
        assert_eq!(m.items.len(), 3, "{m:#?}");
        assert_eq!(m.malformed.len(), 3);
        let reasons: Vec<&str> = m.malformed.iter().map(|p| p.reason.as_str()).collect();
        assert!(
            reasons.iter().any(|r| r.contains("not a post")),
            "{reasons:?}"
        );
        assert!(
            reasons.iter().any(|r| r.contains("yesterday")),
            "{reasons:?}"
        );
        assert!(
            reasons.iter().any(|r| r.contains("author_id")),
            "{reasons:?}"
        );
        let a = &m.items[0];
        assert_eq!(a.kind, ItemKind::XReply);
        assert_eq!(a.author.handle.as_deref(), Some("ana"));
        assert_eq!(a.in_reply_to.as_deref(), Some("10"));
        assert_eq!(a.permalink.as_deref(), Some("https://x.com/ana/status/11"));
        assert_eq!(a.entities.urls, vec!["https://ex.org/a".to_string()]);
        assert_eq!(a.entities.hashtags, vec!["visa".to_string()]);
        assert_eq!(a.language.as_deref(), Some("en"));
        assert!(a.raw.contains("thanks for the answer"));
        assert_eq!(m.items[1].kind, ItemKind::XMention);
        assert_eq!(
            m.items[1].permalink.as_deref(),
            Some("https://x.com/i/web/status/12")
        );
        assert_eq!(m.items[2].kind, ItemKind::XReply);
    }

    fn list<T: FromGraph>(json: &str) -> GraphList<T> {
        let raw: RawList = serde_json::from_str(json).unwrap();
        raw.parse()
    }

    #[test]
    fn graph_feed_tagged_comments_messages() {
        let feed = list::<GraphPost>(
            r#"{"data":[
              {"id":"100_1","message":"Visa question #visa https://ex.org/x.","created_time":"2026-11-24T10:00:00+0000","updated_time":"2026-11-24T12:00:00+0000","from":{"id":"9","name":"Ana"},"permalink_url":"https://facebook.com/100_1"},
              {"id":"100_2","message":"our post","created_time":"2026-11-24T10:00:00+0000","from":{"id":"100","name":"Embassy"}},
              {"id":"100_3","message":"bad","created_time":"24/11/2026","from":{"id":"9"}}
            ]}"#,
        );
        let m = graph_posts(&feed, "100", ItemKind::FbVisitorPost);
        assert_eq!((m.items.len(), m.own, m.malformed.len()), (1, 1, 1));
        let p = &m.items[0];
        assert_eq!(p.entities.hashtags, vec!["visa".to_string()]);
        assert_eq!(p.entities.urls, vec!["https://ex.org/x".to_string()]);
        assert_eq!(
            p.edited_at.unwrap().to_rfc3339(),
            "2026-11-24T12:00:00+00:00"
        );
        assert_eq!(p.created_at.to_rfc3339(), "2026-11-24T10:00:00+00:00");

        let tagged = list::<GraphPost>(
            r#"{"data":[{"id":"555_7","message":"@Embassy hi","created_time":"2026-11-24T10:00:00+0000"}]}"#,
        );
        let m = graph_posts(&tagged, "100", ItemKind::FbTaggedPost);
        assert_eq!(m.items[0].author.external_id, "555");
        assert_eq!(m.items[0].kind, ItemKind::FbTaggedPost);

        let comments = list::<GraphComment>(
            r#"{"data":[
              {"id":"1_5","message":"thanks","created_time":"2026-11-24T10:00:00+0000","from":{"id":"9","name":"Ana"},"parent":{"id":"1_4"}},
              {"id":"1_6","message":"top","created_time":"2026-11-24T10:00:00+0000","from":{"id":"9"}},
              {"id":"1_7","message":"ours","created_time":"2026-11-24T10:00:00+0000","from":{"id":"100"}},
              {"id":"1_8","message":"anon","created_time":"2026-11-24T10:00:00+0000"}
            ]}"#,
        );
        let m = graph_comments(&comments, "100", "100_1");
        assert_eq!((m.items.len(), m.own, m.malformed.len()), (2, 1, 1));
        assert_eq!(m.items[0].in_reply_to.as_deref(), Some("1_4"));
        assert_eq!(m.items[1].in_reply_to.as_deref(), Some("100_1"));
        assert_eq!(m.items[1].conversation_id.as_deref(), Some("100_1"));

        let msgs = list::<GraphMessage>(
            r#"{"data":[{"id":"m_1","message":"hello","created_time":"2026-11-24T10:00:00+0000","from":{"id":"9","name":"Ana"}},{"id":"m_2","message":"ours","created_time":"2026-11-24T10:00:00+0000","from":{"id":"100"}}]}"#,
        );
        let m = graph_messages(&msgs, "100", "t_1");
        assert_eq!((m.items.len(), m.own), (1, 1));
        assert_eq!(m.items[0].conversation_id.as_deref(), Some("t_1"));
        assert_eq!(m.items[0].kind, ItemKind::FbMessage);
    }

    #[test]
    fn graph_times() {
        assert!(parse_graph_time("2026-11-24T10:00:00+0000").is_some());
        assert!(parse_graph_time("2026-11-24T10:00:00Z").is_some());
        assert!(parse_graph_time("2026-11-24").is_none());
        let raw = RawValue::from_string("{\"id\":\"1\"}".into()).unwrap();
        assert!(GraphPost::from_graph(&raw).is_ok());
    }
}
