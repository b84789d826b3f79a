//! Graph API JSON shapes (Pages API): feed and tagged posts, comments, Messenger conversations
//! and messages, `/me/accounts`, cursor paging and the error object.

use chancery_model::items::MalformedPayload;
use secrecy::SecretString;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;
use url::Url;

use crate::x::wire::malformed_entry;

/// Who wrote something (`from`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphFrom {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
}

/// A profile tagged in a message (`message_tags`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct GraphTag {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphRef {
    pub id: String,
}

/// A post on a Page's feed or a post tagging the Page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphPost {
    pub id: String,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub story: Option<String>,
    /// `2026-11-24T10:00:00+0000`, kept as text (the mapping reports bad values).
    #[serde(default)]
    pub created_time: Option<String>,
    #[serde(default)]
    pub updated_time: Option<String>,
    #[serde(default)]
    pub from: Option<GraphFrom>,
    #[serde(default)]
    pub permalink_url: Option<String>,
    #[serde(default, deserialize_with = "lenient_tags")]
    pub message_tags: Vec<GraphTag>,
    #[serde(default)]
    pub is_hidden: Option<bool>,
    #[serde(skip)]
    pub raw: String,
}

/// A comment (on a post, or a reply to a comment: `parent`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphComment {
    pub id: String,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub created_time: Option<String>,
    #[serde(default)]
    pub from: Option<GraphFrom>,
    #[serde(default)]
    pub parent: Option<GraphRef>,
    #[serde(default)]
    pub permalink_url: Option<String>,
    #[serde(default)]
    pub is_hidden: Option<bool>,
    #[serde(default, deserialize_with = "lenient_tags")]
    pub message_tags: Vec<GraphTag>,
    #[serde(default)]
    pub comment_count: Option<u32>,
    #[serde(skip)]
    pub raw: String,
}

/// A Messenger message in a Page conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphMessage {
    pub id: String,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub created_time: Option<String>,
    #[serde(default)]
    pub from: Option<GraphFrom>,
    #[serde(skip)]
    pub raw: String,
}

/// A Messenger conversation of a Page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphConversation {
    pub id: String,
    #[serde(default)]
    pub updated_time: Option<String>,
    #[serde(default)]
    pub message_count: Option<u32>,
    #[serde(default)]
    pub unread_count: Option<u32>,
    #[serde(default)]
    pub link: Option<String>,
    #[serde(default, deserialize_with = "lenient_participants")]
    pub participants: Vec<GraphFrom>,
    #[serde(skip)]
    pub raw: String,
}

/// One Page from `/me/accounts`, with its Page access token.
#[derive(Debug, Clone, Deserialize)]
pub struct PageAccount {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub tasks: Vec<String>,
    /// Kept secret from the moment it is read.
    #[serde(deserialize_with = "secret_string")]
    pub access_token: SecretString,
}

/// `GET /{page-id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphPageInfo {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub link: Option<String>,
    #[serde(default, deserialize_with = "picture_url")]
    pub picture: Option<String>,
}

/// `GET /me` with a user token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphUser {
    pub id: String,
    #[serde(default)]
    pub name: String,
}

/// Graph's cursors. `next`/`previous` have the `access_token` the server may have put in
/// them removed, so they can be logged or kept (Meta says not to keep cursors for long).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Paging {
    pub before: Option<String>,
    pub after: Option<String>,
    pub next: Option<Url>,
    pub previous: Option<Url>,
}

impl Paging {
    /// There is a next page only if Graph sent `paging.next` (a short page does not mean the end).
    pub fn has_next(&self) -> bool {
        self.next.is_some()
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawPaging {
    #[serde(default)]
    cursors: Option<RawCursors>,
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    previous: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct RawCursors {
    #[serde(default)]
    before: Option<String>,
    #[serde(default)]
    after: Option<String>,
}

impl RawPaging {
    pub(crate) fn parse(self) -> Paging {
        let cursors = self.cursors.unwrap_or_default();
        Paging {
            before: cursors.before,
            after: cursors.after,
            next: self.next.as_deref().and_then(sanitize_paging_url),
            previous: self.previous.as_deref().and_then(sanitize_paging_url),
        }
    }
}

/// A paging URL without credentials: `access_token` and `appsecret_proof` removed.
pub fn sanitize_paging_url(s: &str) -> Option<Url> {
    let mut url = Url::parse(s).ok()?;
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "access_token" && k != "appsecret_proof")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    Some(url)
}

/// `summary=true` on comments.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct GraphSummary {
    #[serde(default)]
    pub total_count: Option<u64>,
    #[serde(default)]
    pub order: Option<String>,
}

/// One page of a Graph list.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct GraphList<T> {
    pub items: Vec<T>,
    /// Entries that could not be read (quarantine them).
    pub malformed: Vec<MalformedPayload>,
    pub paging: Paging,
    pub summary: Option<GraphSummary>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawList {
    #[serde(default)]
    pub data: Vec<Box<RawValue>>,
    #[serde(default)]
    pub paging: Option<RawPaging>,
    #[serde(default)]
    pub summary: Option<GraphSummary>,
}

/// Reading one list entry, keeping its raw JSON.
pub trait FromGraph: Sized {
    fn from_graph(raw: &RawValue) -> Result<Self, MalformedPayload>;
}

macro_rules! from_graph_with_raw {
    ($($t:ty),*) => {$(
        impl FromGraph for $t {
            fn from_graph(raw: &RawValue) -> Result<Self, MalformedPayload> {
                match serde_json::from_str::<$t>(raw.get()) {
                    Ok(mut v) => {
                        v.raw = raw.get().to_string();
                        Ok(v)
                    }
                    Err(e) => Err(malformed_entry(raw, format!("not a {}: {e}", stringify!($t)))),
                }
            }
        }
    )*};
}
from_graph_with_raw!(GraphPost, GraphComment, GraphMessage, GraphConversation);

impl FromGraph for PageAccount {
    fn from_graph(raw: &RawValue) -> Result<Self, MalformedPayload> {
        serde_json::from_str::<PageAccount>(raw.get()).map_err(|e| {
            // Never keep a /me/accounts entry: it holds a Page token.
            let mut m = malformed_entry(raw, format!("not a Page: {e}"));
            m.raw = crate::redact::redact_secrets(&m.raw);
            m
        })
    }
}

impl RawList {
    pub(crate) fn parse<T: FromGraph>(self) -> GraphList<T> {
        let mut items = Vec::new();
        let mut malformed = Vec::new();
        for raw in &self.data {
            match T::from_graph(raw) {
                Ok(v) => items.push(v),
                Err(m) => malformed.push(m),
            }
        }
        GraphList {
            items,
            malformed,
            paging: self.paging.unwrap_or_default().parse(),
            summary: self.summary,
        }
    }
}

/// `{"error": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct GraphErrorBody {
    #[serde(default)]
    pub error: GraphErrorObject,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct GraphErrorObject {
    #[serde(default)]
    pub message: String,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub code: Option<u32>,
    #[serde(default)]
    pub error_subcode: Option<u32>,
    #[serde(default)]
    pub error_user_title: Option<String>,
    #[serde(default)]
    pub error_user_msg: Option<String>,
    #[serde(default)]
    pub fbtrace_id: Option<String>,
}

/// `{"id": "..."}` (and `post_id` for photos).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphCreated {
    pub id: String,
    #[serde(default)]
    pub post_id: Option<String>,
}

/// A user token from `oauth/access_token`.
#[derive(Debug, Clone, Deserialize)]
pub struct GraphAccessToken {
    #[serde(deserialize_with = "secret_string")]
    pub access_token: SecretString,
    #[serde(default)]
    pub token_type: Option<String>,
    /// Seconds; absent for tokens that do not expire.
    #[serde(default)]
    pub expires_in: Option<u64>,
}

pub(crate) fn secret_string<'de, D: Deserializer<'de>>(d: D) -> Result<SecretString, D::Error> {
    let s = String::deserialize(d)?;
    Ok(SecretString::from(s))
}

fn lenient_tags<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<GraphTag>, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    let mut out = Vec::new();
    let mut push = |v: &serde_json::Value| {
        if let Ok(t) = serde_json::from_value::<GraphTag>(v.clone()) {
            out.push(t);
        }
    };
    match &v {
        serde_json::Value::Array(a) => a.iter().for_each(&mut push),
        // The old shape: {"<offset>": [tag, ...]}
        serde_json::Value::Object(m) => {
            for v in m.values() {
                if let serde_json::Value::Array(a) = v {
                    a.iter().for_each(&mut push);
                }
            }
        }
        _ => {}
    }
    Ok(out)
}

fn lenient_participants<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<GraphFrom>, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    let list = v.get("data").cloned().unwrap_or(v);
    Ok(serde_json::from_value(list).unwrap_or_default())
}

fn picture_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    Ok(match &v {
        serde_json::Value::String(s) => Some(s.clone()),
        _ => v
            .pointer("/data/url")
            .or_else(|| v.get("url"))
            .and_then(|u| u.as_str())
            .map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn list_with_paging_and_a_bad_entry() {
        let body = r#"{"data":[
            {"id":"1_2","message":"Hello","created_time":"2026-11-24T10:00:00+0000","from":{"id":"9","name":"Ana"},"message_tags":[{"id":"1","name":"Embassy","type":"page"}]},
            {"message":"no id"}
          ],
          "paging":{"cursors":{"before":"QVFIb","after":"QVFIa"},"next":"https://graph.facebook.com/v24.0/1/feed?access_token=EAAsecret&limit=2&after=QVFIa"}}"#;
        let list: RawList = serde_json::from_str(body).unwrap();
        let list = list.parse::<GraphPost>();
        assert_eq!(list.items.len(), 1);
        assert_eq!(list.malformed.len(), 1);
        assert_eq!(
            list.items[0].message_tags[0].name.as_deref(),
            Some("Embassy")
        );
        assert!(list.items[0].raw.contains("\"Hello\""));
        assert_eq!(list.paging.after.as_deref(), Some("QVFIa"));
        let next = list.paging.next.unwrap();
        assert!(!next.as_str().contains("EAAsecret"), "{next}");
        assert!(next.as_str().contains("after=QVFIa"));
    }

    #[test]
    fn page_tokens_stay_secret() {
        let body = r#"{"data":[{"id":"104","name":"Embassy","access_token":"EAApage","tasks":["MODERATE"]},{"id":"105","access_token":5}]}"#;
        let list: RawList = serde_json::from_str(body).unwrap();
        let list = list.parse::<PageAccount>();
        assert_eq!(list.items[0].access_token.expose_secret(), "EAApage");
        assert!(!format!("{:?}", list.items[0]).contains("EAApage"));
        assert_eq!(list.malformed.len(), 1);
    }

    #[test]
    fn old_style_tags_and_pictures() {
        let p: GraphPost =
            serde_json::from_str(r#"{"id":"1","message_tags":{"0":[{"id":"5","name":"X"}]}}"#)
                .unwrap();
        assert_eq!(p.message_tags.len(), 1);
        let i: GraphPageInfo =
            serde_json::from_str(r#"{"id":"1","picture":{"data":{"url":"http://a/b.png"}}}"#)
                .unwrap();
        assert_eq!(i.picture.as_deref(), Some("http://a/b.png"));
    }
}
