//! X API v2 JSON shapes, as the public docs and both OpenAPI generations (2.166 "classic",
//! 2.167 "current") describe them. Field-name differences between the two are accepted both
//! ways: `referenced_tweets`/`referenced_posts`, `edit_history_tweet_ids`/`edit_history_post_ids`,
//! `includes.tweets`/`includes.posts`, and problem types under `api.twitter.com` or `api.x.com`.

use chancery_model::items::MalformedPayload;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// An X user (`user.fields=id,name,username,profile_image_url,verified,protected`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct XUser {
    pub id: String,
    #[serde(default)]
    pub name: String,
    pub username: String,
    #[serde(default)]
    pub profile_image_url: Option<String>,
    #[serde(default)]
    pub verified: Option<bool>,
    #[serde(default)]
    pub protected: Option<bool>,
}

/// A reference from one post to another (`replied_to`, `quoted`, `retweeted`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct XReference {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct XMentionEntity {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct XTagEntity {
    #[serde(default)]
    pub tag: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct XUrlEntity {
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub expanded_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct XEntities {
    #[serde(default)]
    pub mentions: Vec<XMentionEntity>,
    #[serde(default)]
    pub hashtags: Vec<XTagEntity>,
    #[serde(default)]
    pub urls: Vec<XUrlEntity>,
}

/// A post ("Tweet" in 2.166, "Post" in 2.167).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct XPost {
    pub id: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub author_id: Option<String>,
    /// RFC 3339, kept as text so a bad value is reported by the mapping, not as a parse error.
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub conversation_id: Option<String>,
    #[serde(default)]
    pub in_reply_to_user_id: Option<String>,
    #[serde(default)]
    pub lang: Option<String>,
    #[serde(default, alias = "referenced_posts")]
    pub referenced_tweets: Vec<XReference>,
    #[serde(default, alias = "edit_history_post_ids")]
    pub edit_history_tweet_ids: Vec<String>,
    #[serde(default)]
    pub entities: Option<XEntities>,
    /// The post's JSON exactly as received.
    #[serde(skip)]
    pub raw: String,
}

impl XPost {
    /// The id of the post this one replies to.
    pub fn replied_to(&self) -> Option<&str> {
        self.referenced_tweets
            .iter()
            .find(|r| r.kind == "replied_to")
            .map(|r| r.id.as_str())
    }

    /// The id of the post this one quotes.
    pub fn quoted(&self) -> Option<&str> {
        self.referenced_tweets
            .iter()
            .find(|r| r.kind == "quoted")
            .map(|r| r.id.as_str())
    }

    pub(crate) fn from_raw(raw: &RawValue) -> Result<XPost, MalformedPayload> {
        match serde_json::from_str::<XPost>(raw.get()) {
            Ok(mut p) => {
                p.raw = raw.get().to_string();
                Ok(p)
            }
            Err(e) => Err(malformed_entry(raw, format!("not a post: {e}"))),
        }
    }
}

/// A malformed entry of a list, with its id if one can be read.
pub(crate) fn malformed_entry(raw: &RawValue, reason: String) -> MalformedPayload {
    let external_id = serde_json::from_str::<serde_json::Value>(raw.get())
        .ok()
        .and_then(|v| match v.get("id") {
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            _ => None,
        });
    MalformedPayload {
        external_id,
        raw: raw.get().to_string(),
        reason,
    }
}

/// Objects expanded by `expansions=`: authors, referenced posts, media.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct XIncludes {
    pub users: Vec<XUser>,
    /// `includes.tweets` (classic) or `includes.posts` (current).
    pub posts: Vec<XPost>,
    pub media: Vec<serde_json::Value>,
}

impl XIncludes {
    pub fn user(&self, id: &str) -> Option<&XUser> {
        self.users.iter().find(|u| u.id == id)
    }

    pub fn post(&self, id: &str) -> Option<&XPost> {
        self.posts.iter().find(|p| p.id == id)
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawIncludes {
    #[serde(default)]
    users: Vec<Box<RawValue>>,
    #[serde(default)]
    tweets: Vec<Box<RawValue>>,
    #[serde(default)]
    posts: Vec<Box<RawValue>>,
    #[serde(default)]
    media: Vec<serde_json::Value>,
}

impl RawIncludes {
    /// Expanded objects that cannot be read are left out (they are context, not items).
    pub(crate) fn parse(self) -> XIncludes {
        let users = self
            .users
            .iter()
            .filter_map(|r| serde_json::from_str::<XUser>(r.get()).ok())
            .collect();
        let posts = self
            .tweets
            .iter()
            .chain(self.posts.iter())
            .filter_map(|r| XPost::from_raw(r).ok())
            .collect();
        XIncludes {
            users,
            posts,
            media: self.media,
        }
    }
}

/// Paging and counts of a timeline page.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct XMeta {
    #[serde(default)]
    pub newest_id: Option<String>,
    #[serde(default)]
    pub oldest_id: Option<String>,
    #[serde(default)]
    pub result_count: Option<u32>,
    #[serde(default)]
    pub next_token: Option<String>,
    #[serde(default)]
    pub previous_token: Option<String>,
}

/// An RFC 7807 problem (an error response, or a partial error inside a 200), or an old-style
/// `{code, message}` error.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct XProblem {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub detail: Option<String>,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub resource_id: Option<String>,
    #[serde(default)]
    pub resource_type: Option<String>,
    #[serde(default)]
    pub parameter: Option<String>,
    #[serde(default)]
    pub value: Option<serde_json::Value>,
    /// Old-style errors.
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub code: Option<i64>,
    /// usage-capped: `Daily`/`Monthly`.
    #[serde(default)]
    pub period: Option<String>,
}

impl XProblem {
    /// The problem type without its host prefix: `usage-capped`, `resource-not-found`,
    /// `about:blank`; the same for `https://api.twitter.com/2/problems/...` and
    /// `https://api.x.com/2/problems/...`.
    pub fn short_type(&self) -> &str {
        let t = self.kind.as_deref().unwrap_or("about:blank");
        match t.rfind("/problems/") {
            Some(i) => &t[i + "/problems/".len()..],
            None => t,
        }
    }

    /// The most specific text: detail, then message, then title.
    pub fn text(&self) -> String {
        self.detail
            .clone()
            .or_else(|| self.message.clone())
            .or_else(|| self.title.clone())
            .unwrap_or_default()
    }
}

/// The body of an error response: a problem at the top level, maybe with `errors[]`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct XErrorBody {
    #[serde(flatten)]
    pub problem: XProblem,
    #[serde(default)]
    pub errors: Vec<XProblem>,
}

/// One page of a timeline (mentions, a user's posts).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct XPostsPage {
    /// Posts that could be read.
    pub posts: Vec<XPost>,
    /// Entries of `data` that could not be read as posts (quarantine them).
    pub malformed: Vec<MalformedPayload>,
    pub includes: XIncludes,
    pub meta: XMeta,
    /// Partial errors sent alongside the data.
    pub errors: Vec<XProblem>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawPostsPage {
    #[serde(default)]
    pub data: Option<Vec<Box<RawValue>>>,
    #[serde(default)]
    pub includes: Option<RawIncludes>,
    #[serde(default)]
    pub meta: XMeta,
    #[serde(default)]
    pub errors: Vec<XProblem>,
}

impl RawPostsPage {
    pub(crate) fn parse(self) -> XPostsPage {
        let mut posts = Vec::new();
        let mut malformed = Vec::new();
        for raw in self.data.unwrap_or_default() {
            match XPost::from_raw(&raw) {
                Ok(p) => posts.push(p),
                Err(m) => malformed.push(m),
            }
        }
        XPostsPage {
            posts,
            malformed,
            includes: self.includes.unwrap_or_default().parse(),
            meta: self.meta,
            errors: self.errors,
        }
    }
}

/// One post looked up by id, with its expansions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct XPostLookup {
    pub post: XPost,
    pub includes: XIncludes,
    pub errors: Vec<XProblem>,
}

/// `POST /2/tweets` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct XCreatedPost {
    pub id: String,
    #[serde(default)]
    pub text: String,
    #[serde(default, alias = "edit_history_post_ids")]
    pub edit_history_tweet_ids: Vec<String>,
}

/// An uploaded (or uploading) media object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct XMedia {
    pub id: String,
    #[serde(default)]
    pub media_key: Option<String>,
    #[serde(default)]
    pub size: Option<u64>,
    #[serde(default)]
    pub expires_after_secs: Option<u64>,
    #[serde(default)]
    pub processing_info: Option<XProcessingInfo>,
}

impl XMedia {
    /// Ready to attach: no processing, or processing succeeded.
    pub fn is_ready(&self) -> bool {
        self.processing_info
            .as_ref()
            .is_none_or(|p| p.state == "succeeded")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct XProcessingInfo {
    /// `pending`, `in_progress`, `succeeded`, `failed`.
    pub state: String,
    #[serde(default)]
    pub check_after_secs: Option<u64>,
    #[serde(default)]
    pub progress_percent: Option<u32>,
}

/// `{"data": ...}` with partial errors.
#[derive(Debug, Deserialize)]
pub(crate) struct DataEnvelope<T> {
    pub data: Option<T>,
    #[serde(default)]
    pub errors: Vec<XProblem>,
    #[serde(default)]
    pub includes: Option<RawIncludes>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLASSIC: &str = r#"{
      "data": [
        {"id":"1860000000000000002","text":"@VLD_MFA thanks","author_id":"42","created_at":"2026-11-24T10:00:00.000Z",
         "conversation_id":"1860000000000000001","in_reply_to_user_id":"1181797423","lang":"en",
         "referenced_tweets":[{"type":"replied_to","id":"1860000000000000001"}],
         "edit_history_tweet_ids":["1860000000000000002"],
         "entities":{"mentions":[{"start":0,"end":8,"username":"VLD_MFA","id":"1181797423"}],"hashtags":[{"tag":"Visa"}],"urls":[{"url":"https://t.co/x","expanded_url":"https://example.org/a"}]}},
        {"id": 5, "text": "wrong id type"},
        {"text": "no id"}
      ],
      "includes": {"users":[{"id":"42","name":"A Person","username":"aperson"}],
                   "tweets":[{"id":"1860000000000000001","text":"our post","author_id":"1181797423"}]},
      "meta": {"newest_id":"1860000000000000002","oldest_id":"1860000000000000002","result_count":3,"next_token":"7140dibdnow9c7btw3w29"},
      "errors": [{"value":"9","detail":"Could not find user with id: [9].","title":"Not Found Error","resource_type":"user","parameter":"id","resource_id":"9","type":"https://api.twitter.com/2/problems/resource-not-found"}]
    }"#;

    #[test]
    fn classic_page_with_partial_errors_and_bad_entries() {
        let page: RawPostsPage = serde_json::from_str(CLASSIC).unwrap();
        let page = page.parse();
        assert_eq!(page.posts.len(), 1);
        assert_eq!(page.malformed.len(), 2);
        assert_eq!(page.malformed[0].external_id.as_deref(), Some("5"));
        assert_eq!(page.malformed[1].external_id, None);
        let p = &page.posts[0];
        assert_eq!(p.replied_to(), Some("1860000000000000001"));
        assert_eq!(p.edit_history_tweet_ids.len(), 1);
        assert!(p.raw.contains("\"@VLD_MFA thanks\""));
        assert_eq!(page.includes.user("42").unwrap().username, "aperson");
        assert_eq!(
            page.includes
                .post("1860000000000000001")
                .unwrap()
                .author_id
                .as_deref(),
            Some("1181797423")
        );
        assert_eq!(
            page.meta.next_token.as_deref(),
            Some("7140dibdnow9c7btw3w29")
        );
        assert_eq!(page.errors[0].short_type(), "resource-not-found");
    }

    #[test]
    fn current_names_are_accepted() {
        let current = CLASSIC
            .replace("referenced_tweets", "referenced_posts")
            .replace("edit_history_tweet_ids", "edit_history_post_ids")
            .replace("\"tweets\":", "\"posts\":")
            .replace("api.twitter.com", "api.x.com");
        let page: RawPostsPage = serde_json::from_str(&current).unwrap();
        let page = page.parse();
        let p = &page.posts[0];
        assert_eq!(p.replied_to(), Some("1860000000000000001"));
        assert_eq!(
            p.edit_history_tweet_ids,
            vec!["1860000000000000002".to_string()]
        );
        assert_eq!(page.includes.posts.len(), 1);
        assert_eq!(page.errors[0].short_type(), "resource-not-found");
    }

    #[test]
    fn empty_timeline_has_no_data_key() {
        let page: RawPostsPage = serde_json::from_str(r#"{"meta":{"result_count":0}}"#).unwrap();
        let page = page.parse();
        assert!(page.posts.is_empty() && page.malformed.is_empty());
        assert_eq!(page.meta.result_count, Some(0));
    }

    #[test]
    fn created_post_both_namings() {
        let a: XCreatedPost =
            serde_json::from_str(r#"{"id":"1","text":"t","edit_history_tweet_ids":["1"]}"#)
                .unwrap();
        let b: XCreatedPost =
            serde_json::from_str(r#"{"id":"1","text":"t","edit_history_post_ids":["1"]}"#).unwrap();
        assert_eq!(a, b);
    }
}
