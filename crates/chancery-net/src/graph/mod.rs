//! The Graph API client (Pages API).
//!
//! Tokens go in the `Authorization: Bearer` header, never in the URL, except where Meta's OAuth
//! endpoint requires query parameters (`oauth/access_token`); those URLs are never logged.
//! `paging.next` URLs are followed only on the configured Graph host, with any `access_token`
//! in them removed and the caller's token sent in the header instead.

pub mod wire;

use chancery_model::accounts::Network;
use chrono::{DateTime, Utc};
use reqwest::header::AUTHORIZATION;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use wire::{
    FromGraph, GraphAccessToken, GraphComment, GraphConversation, GraphCreated, GraphErrorBody,
    GraphList, GraphMessage, GraphPageInfo, GraphPost, GraphUser, PageAccount, RawList,
};

use crate::error::{AuthProblem, NetError, NetFailure, ThrottleScope};
use crate::transport::{self, Call, NetResult, RawReply, Reply};
use crate::x::parse_json;
use crate::{Auth, NetConfig};

/// Fields read on feed and tagged posts.
pub const POST_FIELDS: &str =
    "id,message,story,created_time,updated_time,from,permalink_url,message_tags,is_hidden";
/// Fields read on comments.
pub const COMMENT_FIELDS: &str =
    "id,message,created_time,from,parent{id},permalink_url,is_hidden,message_tags,comment_count";
/// Fields read on Messenger messages.
pub const MESSAGE_FIELDS: &str = "id,message,created_time,from";
/// Fields read on conversations.
pub const CONVERSATION_FIELDS: &str =
    "id,updated_time,message_count,unread_count,link,participants";
/// Fields read from `/me/accounts`.
pub const ACCOUNT_FIELDS: &str = "id,name,username,category,tasks,access_token";
/// Fields read on a Page.
pub const PAGE_FIELDS: &str = "id,name,username,link,picture{url}";
/// The most entries Graph returns per page.
pub const MAX_LIMIT: u32 = 100;

/// Cursor and time bounds of a list read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    /// Entries per page (1..=100).
    pub limit: Option<u32>,
    /// `paging.cursors.after` of the previous page.
    pub after: Option<String>,
    /// Only entries at or after this time (time-based paging; not on conversations).
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

impl ListQuery {
    /// The same query for the page after `list` (None when Graph sent no `next`).
    pub fn next<T>(&self, list: &GraphList<T>) -> Option<ListQuery> {
        if !list.paging.has_next() {
            return None;
        }
        let after = list.paging.after.clone()?;
        Some(ListQuery {
            after: Some(after),
            ..self.clone()
        })
    }

    fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if let Some(l) = self.limit {
            q.push(("limit", l.clamp(1, MAX_LIMIT).to_string()));
        }
        if let Some(a) = &self.after {
            q.push(("after", a.clone()));
        }
        if let Some(t) = self.since {
            q.push(("since", t.timestamp().to_string()));
        }
        if let Some(t) = self.until {
            q.push(("until", t.timestamp().to_string()));
        }
        q
    }
}

/// `order=` on comments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CommentOrder {
    #[default]
    Chronological,
    ReverseChronological,
}

/// How to read comments: `filter=stream` gives every comment (replies included), not only
/// top-level ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentsQuery {
    pub list: ListQuery,
    pub order: CommentOrder,
    pub stream: bool,
    pub summary: bool,
}

impl Default for CommentsQuery {
    fn default() -> Self {
        CommentsQuery {
            list: ListQuery::default(),
            order: CommentOrder::ReverseChronological,
            stream: true,
            summary: true,
        }
    }
}

/// What to publish with `POST /{page}/feed`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewPagePost {
    pub message: Option<String>,
    pub link: Option<String>,
    /// `false` with `scheduled_publish_time` schedules the post on Facebook.
    pub published: Option<bool>,
    pub scheduled_publish_time: Option<DateTime<Utc>>,
}

/// A photo for `POST /{page}/photos`: a public URL Facebook fetches, or the file itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhotoSource {
    Url(String),
    Bytes { bytes: Vec<u8>, media_type: String },
}

/// The Graph API client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct GraphClient {
    http: reqwest::Client,
    base: Url,
    version: String,
}

impl GraphClient {
    pub fn new(config: &NetConfig) -> Result<GraphClient, NetError> {
        config.validate()?;
        Ok(GraphClient {
            http: config.http_client()?,
            base: config.graph_base.clone(),
            version: config.graph_version.clone(),
        })
    }

    pub fn with_http(http: reqwest::Client, config: &NetConfig) -> Result<GraphClient, NetError> {
        config.validate()?;
        Ok(GraphClient {
            http,
            base: config.graph_base.clone(),
            version: config.graph_version.clone(),
        })
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    /// `{base}/{version}/{segments...}`
    pub fn url(&self, segments: &[&str]) -> Result<Url, NetError> {
        for s in segments {
            check_node(s)?;
        }
        let mut url = self.base.clone();
        {
            let mut segs = url
                .path_segments_mut()
                .map_err(|_| NetError::Config("the Graph base URL cannot have paths".into()))?;
            segs.pop_if_empty();
            segs.push(&self.version);
            for s in segments {
                segs.push(s);
            }
        }
        Ok(url)
    }

    fn request(
        &self,
        method: reqwest::Method,
        url: Url,
        token: &SecretString,
    ) -> reqwest::RequestBuilder {
        self.http
            .request(method, url)
            .header(AUTHORIZATION, format!("Bearer {}", token.expose_secret()))
    }

    async fn get_list<T: FromGraph>(
        &self,
        endpoint: &'static str,
        auth: &Auth<'_>,
        segments: &[&str],
        pairs: Vec<(&'static str, String)>,
        sensitive: bool,
    ) -> NetResult<GraphList<T>> {
        let url = self.url(segments)?;
        let req = self
            .request(reqwest::Method::GET, url, auth.token)
            .query(&pairs);
        let mut c = call(endpoint, "GET", auth);
        c.sensitive = sensitive;
        transport::run(c, req, |raw| list_of::<T>(&c, raw)).await
    }

    /// Follows `list.paging.next` (on the configured Graph host only). `Ok(None)` at the end.
    pub async fn next_page<T: FromGraph>(
        &self,
        endpoint: &'static str,
        auth: &Auth<'_>,
        list: &GraphList<T>,
    ) -> Result<Option<Reply<GraphList<T>>>, NetFailure> {
        let Some(next) = list.paging.next.clone() else {
            return Ok(None);
        };
        if next.origin() != self.base.origin() {
            return Err(NetError::Config(format!(
                "Graph sent a next-page link to another host ({}); not following it with a token",
                next.host_str().unwrap_or("?")
            ))
            .into());
        }
        let req = self.request(reqwest::Method::GET, next, auth.token);
        let c = call(endpoint, "GET", auth);
        transport::run(c, req, |raw| list_of::<T>(&c, raw))
            .await
            .map(Some)
    }

    /// `GET /me` (user token).
    pub async fn me(&self, auth: &Auth<'_>) -> NetResult<GraphUser> {
        let url = self.url(&["me"])?;
        let req = self
            .request(reqwest::Method::GET, url, auth.token)
            .query(&[("fields", "id,name")]);
        let c = call("graph.me", "GET", auth);
        transport::run(c, req, |raw| object_of::<GraphUser>(&c, raw)).await
    }

    /// `GET /me/accounts` (user token): the Pages the person manages, with Page tokens. One page
    /// of results; see [`GraphClient::me_accounts_all`].
    pub async fn me_accounts(
        &self,
        auth: &Auth<'_>,
        query: &ListQuery,
    ) -> NetResult<GraphList<PageAccount>> {
        let mut pairs = query.pairs();
        pairs.push(("fields", ACCOUNT_FIELDS.into()));
        self.get_list("graph.me_accounts", auth, &["me", "accounts"], pairs, true)
            .await
    }

    /// Every Page of `/me/accounts`, following cursors (at most `max_pages` pages).
    pub async fn me_accounts_all(
        &self,
        auth: &Auth<'_>,
        max_pages: usize,
    ) -> NetResult<Vec<PageAccount>> {
        let mut query = ListQuery {
            limit: Some(MAX_LIMIT),
            ..ListQuery::default()
        };
        let mut out = Vec::new();
        let mut last;
        let mut pages = 0;
        loop {
            let reply = self.me_accounts(auth, &query).await?;
            pages += 1;
            last = (reply.budget.clone(), reply.status);
            let next = query.next(&reply.data);
            out.extend(reply.data.items);
            match next {
                Some(n) if pages < max_pages => query = n,
                _ => break,
            }
        }
        Ok(Reply {
            data: out,
            budget: last.0,
            status: last.1,
        })
    }

    /// `GET /{page-id}`.
    pub async fn page(&self, auth: &Auth<'_>, page_id: &str) -> NetResult<GraphPageInfo> {
        let url = self.url(&[page_id])?;
        let req = self
            .request(reqwest::Method::GET, url, auth.token)
            .query(&[("fields", PAGE_FIELDS)]);
        let c = call("graph.node", "GET", auth);
        transport::run(c, req, |raw| object_of::<GraphPageInfo>(&c, raw)).await
    }

    /// `GET /{page-id}/feed`: the Page's posts, visitors' posts and posts tagging the Page.
    pub async fn feed(
        &self,
        auth: &Auth<'_>,
        page_id: &str,
        query: &ListQuery,
    ) -> NetResult<GraphList<GraphPost>> {
        let mut pairs = query.pairs();
        pairs.push(("fields", POST_FIELDS.into()));
        self.get_list("graph.feed", auth, &[page_id, "feed"], pairs, false)
            .await
    }

    /// `GET /{page-id}/tagged`: public posts tagging the Page.
    pub async fn tagged(
        &self,
        auth: &Auth<'_>,
        page_id: &str,
        query: &ListQuery,
    ) -> NetResult<GraphList<GraphPost>> {
        let mut pairs = query.pairs();
        pairs.push(("fields", POST_FIELDS.into()));
        self.get_list("graph.tagged", auth, &[page_id, "tagged"], pairs, false)
            .await
    }

    /// `GET /{page-id}/conversations` (Messenger; cursor paging only).
    pub async fn conversations(
        &self,
        auth: &Auth<'_>,
        page_id: &str,
        query: &ListQuery,
    ) -> NetResult<GraphList<GraphConversation>> {
        let mut pairs = query.pairs();
        pairs.retain(|(k, _)| *k != "since" && *k != "until");
        pairs.push(("fields", CONVERSATION_FIELDS.into()));
        self.get_list(
            "graph.conversations",
            auth,
            &[page_id, "conversations"],
            pairs,
            false,
        )
        .await
    }

    /// `GET /{conversation-id}/messages`.
    pub async fn messages(
        &self,
        auth: &Auth<'_>,
        conversation_id: &str,
        query: &ListQuery,
    ) -> NetResult<GraphList<GraphMessage>> {
        let mut pairs = query.pairs();
        pairs.push(("fields", MESSAGE_FIELDS.into()));
        self.get_list(
            "graph.messages",
            auth,
            &[conversation_id, "messages"],
            pairs,
            false,
        )
        .await
    }

    /// `GET /{object-id}/comments` with `filter`, `order`, `summary` and the comment fields.
    pub async fn comments(
        &self,
        auth: &Auth<'_>,
        object_id: &str,
        query: &CommentsQuery,
    ) -> NetResult<GraphList<GraphComment>> {
        let mut pairs = query.list.pairs();
        pairs.push((
            "filter",
            if query.stream { "stream" } else { "toplevel" }.into(),
        ));
        pairs.push((
            "order",
            match query.order {
                CommentOrder::Chronological => "chronological",
                CommentOrder::ReverseChronological => "reverse_chronological",
            }
            .into(),
        ));
        if query.summary {
            pairs.push(("summary", "true".into()));
        }
        pairs.push(("fields", COMMENT_FIELDS.into()));
        self.get_list(
            "graph.comments",
            auth,
            &[object_id, "comments"],
            pairs,
            false,
        )
        .await
    }

    /// `POST /{page-id}/feed`.
    pub async fn create_post(
        &self,
        auth: &Auth<'_>,
        page_id: &str,
        post: &NewPagePost,
    ) -> NetResult<GraphCreated> {
        let mut form: Vec<(&str, String)> = Vec::new();
        if let Some(m) = &post.message {
            form.push(("message", m.clone()));
        }
        if let Some(l) = &post.link {
            form.push(("link", l.clone()));
        }
        if let Some(p) = post.published {
            form.push(("published", p.to_string()));
        }
        if let Some(t) = post.scheduled_publish_time {
            form.push(("scheduled_publish_time", t.timestamp().to_string()));
        }
        let url = self.url(&[page_id, "feed"])?;
        let req = self
            .request(reqwest::Method::POST, url, auth.token)
            .form(&form);
        let c = call("graph.create_post", "POST", auth);
        transport::run(c, req, |raw| object_of::<GraphCreated>(&c, raw)).await
    }

    /// `POST /{page-id}/photos` (a URL, or the file as multipart `source`).
    pub async fn create_photo(
        &self,
        auth: &Auth<'_>,
        page_id: &str,
        photo: PhotoSource,
        caption: Option<&str>,
        published: bool,
    ) -> NetResult<GraphCreated> {
        let url = self.url(&[page_id, "photos"])?;
        let base = self.request(reqwest::Method::POST, url, auth.token);
        let req = match photo {
            PhotoSource::Url(u) => {
                let mut form = vec![("url", u), ("published", published.to_string())];
                if let Some(c) = caption {
                    form.push(("message", c.to_string()));
                }
                base.form(&form)
            }
            PhotoSource::Bytes { bytes, media_type } => {
                let part = reqwest::multipart::Part::bytes(bytes)
                    .file_name("photo")
                    .mime_str(&media_type)
                    .map_err(|_| {
                        NetFailure::new(NetError::Config(format!(
                            "`{media_type}` is not a MIME type"
                        )))
                    })?;
                let mut form = reqwest::multipart::Form::new()
                    .text("published", published.to_string())
                    .part("source", part);
                if let Some(c) = caption {
                    form = form.text("message", c.to_string());
                }
                base.multipart(form)
            }
        };
        let c = call("graph.create_photo", "POST", auth);
        transport::run(c, req, |raw| object_of::<GraphCreated>(&c, raw)).await
    }

    /// `POST /{object-id}/comments`: a comment on a post, or a reply to a comment.
    pub async fn create_comment(
        &self,
        auth: &Auth<'_>,
        object_id: &str,
        message: &str,
    ) -> NetResult<GraphCreated> {
        let url = self.url(&[object_id, "comments"])?;
        let req = self
            .request(reqwest::Method::POST, url, auth.token)
            .form(&[("message", message)]);
        let c = call("graph.create_comment", "POST", auth);
        transport::run(c, req, |raw| object_of::<GraphCreated>(&c, raw)).await
    }

    /// `POST /{comment-id}` with `is_hidden`.
    pub async fn set_comment_hidden(
        &self,
        auth: &Auth<'_>,
        comment_id: &str,
        hidden: bool,
    ) -> NetResult<bool> {
        let url = self.url(&[comment_id])?;
        let req = self
            .request(reqwest::Method::POST, url, auth.token)
            .form(&[("is_hidden", if hidden { "true" } else { "false" })]);
        let c = call("graph.update_comment", "POST", auth);
        transport::run(c, req, |raw| success_of(&c, raw)).await
    }

    /// `DELETE /{id}`.
    pub async fn delete(&self, auth: &Auth<'_>, id: &str) -> NetResult<bool> {
        let url = self.url(&[id])?;
        let req = self.request(reqwest::Method::DELETE, url, auth.token);
        let c = call("graph.delete", "DELETE", auth);
        transport::run(c, req, |raw| success_of(&c, raw)).await
    }

    /// `GET /oauth/access_token` with a Login code (Facebook Login, manual flow). The app
    /// secret is needed: Meta says to do this on a server; the sandbox and a ministry token
    /// broker are such places.
    pub async fn exchange_code(
        &self,
        app_id: &str,
        app_secret: &SecretString,
        redirect_uri: &str,
        code: &SecretString,
    ) -> NetResult<GraphAccessToken> {
        let url = self.url(&["oauth", "access_token"])?;
        let req = self.http.get(url).query(&[
            ("client_id", app_id),
            ("redirect_uri", redirect_uri),
            ("client_secret", app_secret.expose_secret()),
            ("code", code.expose_secret()),
        ]);
        let c = Call {
            network: Network::Facebook,
            method: "GET",
            endpoint: "graph.access_token",
            account: "facebook-login",
            sensitive: true,
        };
        transport::run(c, req, |raw| object_of::<GraphAccessToken>(&c, raw)).await
    }

    /// `GET /oauth/access_token?grant_type=fb_exchange_token`: a long-lived (60-day) user token.
    /// Page tokens read with it do not expire.
    pub async fn exchange_for_long_lived(
        &self,
        app_id: &str,
        app_secret: &SecretString,
        user_token: &SecretString,
    ) -> NetResult<GraphAccessToken> {
        let url = self.url(&["oauth", "access_token"])?;
        let req = self.http.get(url).query(&[
            ("grant_type", "fb_exchange_token"),
            ("client_id", app_id),
            ("client_secret", app_secret.expose_secret()),
            ("fb_exchange_token", user_token.expose_secret()),
        ]);
        let c = Call {
            network: Network::Facebook,
            method: "GET",
            endpoint: "graph.access_token",
            account: "facebook-login",
            sensitive: true,
        };
        transport::run(c, req, |raw| object_of::<GraphAccessToken>(&c, raw)).await
    }
}

fn call<'a>(endpoint: &'static str, method: &'static str, auth: &Auth<'a>) -> Call<'a> {
    Call {
        network: Network::Facebook,
        method,
        endpoint,
        account: auth.account,
        sensitive: false,
    }
}

/// Graph node ids and edges: letters, digits, `_`, `-`, `.`, `:` (conversation and message
/// ids are base64-like), nothing that changes the path or the query.
fn check_node(s: &str) -> Result<(), NetError> {
    let ok = !s.is_empty()
        && s.len() <= 256
        && s != "."
        && s != ".."
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':' | b'='));
    if ok {
        Ok(())
    } else {
        Err(NetError::InvalidRequest {
            network: Network::Facebook,
            detail: format!("`{}` is not a Graph id", crate::redact::snippet(s, 40)),
        })
    }
}

fn is_success(status: u16) -> bool {
    (200..300).contains(&status)
}

fn list_of<T: FromGraph>(c: &Call<'_>, raw: RawReply) -> NetResult<GraphList<T>> {
    if !is_success(raw.status) {
        return Err(classify(&raw));
    }
    let list: RawList = parse_json(c, &raw)?;
    Ok(Reply {
        data: list.parse::<T>(),
        budget: raw.budget,
        status: raw.status,
    })
}

fn object_of<T: serde::de::DeserializeOwned>(c: &Call<'_>, raw: RawReply) -> NetResult<T> {
    if !is_success(raw.status) {
        return Err(classify(&raw));
    }
    let data: T = parse_json(c, &raw)?;
    Ok(Reply {
        data,
        budget: raw.budget,
        status: raw.status,
    })
}

/// `{"success": true}`, or (old versions) a bare `true`.
fn success_of(c: &Call<'_>, raw: RawReply) -> NetResult<bool> {
    if !is_success(raw.status) {
        return Err(classify(&raw));
    }
    let v: serde_json::Value = parse_json(c, &raw)?;
    let ok = match &v {
        serde_json::Value::Bool(b) => *b,
        serde_json::Value::Object(m) => m.get("success").and_then(|s| s.as_bool()).unwrap_or(false),
        _ => return Err(raw.malformed(c, "expected {\"success\": true}")),
    };
    Ok(Reply {
        data: ok,
        budget: raw.budget,
        status: raw.status,
    })
}

/// Classifies a Graph error from its `error.code`, `error_subcode` and the HTTP status.
pub(crate) fn classify(raw: &RawReply) -> NetFailure {
    let body: GraphErrorBody = serde_json::from_slice(&raw.body).unwrap_or_default();
    let e = body.error;
    let mut detail = e
        .error_user_msg
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| e.message.clone());
    if detail.is_empty() {
        detail = format!("HTTP {}", raw.status);
    }
    let fb = Network::Facebook;
    let retry_after = || {
        let b = &raw.budget;
        b.app_usage
            .iter()
            .chain(b.page_usage.iter())
            .filter_map(|u| u.regain_after())
            .chain(b.business_use_case.iter().filter_map(|u| u.regain_after()))
            .chain(b.retry_after)
            .max()
    };
    let throttled = |scope: ThrottleScope, code: u32, detail: String| NetError::Throttled {
        scope,
        code,
        retry_after: retry_after(),
        detail,
    };
    let error = match e.code {
        Some(190) | Some(102) => NetError::Unauthorized {
            network: fb,
            problem: match e.error_subcode {
                Some(463) => AuthProblem::Expired,
                Some(460) => AuthProblem::PasswordChanged,
                Some(458) => AuthProblem::AppRemoved,
                Some(459) | Some(464) => AuthProblem::CheckpointRequired,
                Some(467) | Some(492) => AuthProblem::Revoked,
                _ if detail.to_lowercase().contains("expired") => AuthProblem::Expired,
                _ => AuthProblem::Other,
            },
            subcode: e.error_subcode,
            detail,
        },
        Some(c @ (4 | 341)) => throttled(ThrottleScope::App, c, detail),
        Some(17) => throttled(ThrottleScope::User, 17, detail),
        Some(32) => throttled(ThrottleScope::Page, 32, detail),
        Some(c @ (613 | 80000..=80014)) => throttled(ThrottleScope::BusinessUseCase, c, detail),
        Some(10) | Some(200..=299) => NetError::Permission {
            network: fb,
            detail,
        },
        Some(368) => NetError::PolicyBlock { detail },
        Some(506) => NetError::DuplicatePost {
            network: fb,
            detail,
        },
        Some(803) => NetError::NotFound {
            network: fb,
            detail,
        },
        Some(100) if e.error_subcode == Some(33) => NetError::NotFound {
            network: fb,
            detail,
        },
        Some(1) | Some(2) => NetError::Server {
            network: fb,
            status: raw.status,
            detail,
        },
        _ => match raw.status {
            400 | 409 | 413 | 422 => NetError::InvalidRequest {
                network: fb,
                detail,
            },
            401 => NetError::Unauthorized {
                network: fb,
                problem: AuthProblem::Other,
                subcode: e.error_subcode,
                detail,
            },
            403 => NetError::Permission {
                network: fb,
                detail,
            },
            404 => NetError::NotFound {
                network: fb,
                detail,
            },
            429 => throttled(ThrottleScope::App, 0, detail),
            500..=599 => NetError::Server {
                network: fb,
                status: raw.status,
                detail,
            },
            status => NetError::Unexpected {
                network: fb,
                status,
                detail,
            },
        },
    };
    NetFailure::with_budget(error, raw.budget.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::Budget;
    use reqwest::header::{HeaderMap, HeaderValue};

    fn raw(status: u16, body: &str, budget: Budget) -> RawReply {
        RawReply {
            status,
            budget,
            body: bytes::Bytes::copy_from_slice(body.as_bytes()),
        }
    }

    fn err(code: u32, sub: Option<u32>) -> String {
        match sub {
            Some(s) => format!(
                r#"{{"error":{{"message":"m{code}","type":"OAuthException","code":{code},"error_subcode":{s},"fbtrace_id":"A"}}}}"#
            ),
            None => format!(
                r#"{{"error":{{"message":"m{code}","type":"OAuthException","code":{code},"fbtrace_id":"A"}}}}"#
            ),
        }
    }

    #[test]
    fn graph_codes_are_classified() {
        let e =
            |code, sub, status| classify(&raw(status, &err(code, sub), Budget::default())).error;
        assert!(matches!(
            e(190, Some(460), 400),
            NetError::Unauthorized {
                problem: AuthProblem::PasswordChanged,
                ..
            }
        ));
        assert!(matches!(
            e(190, Some(463), 400),
            NetError::Unauthorized {
                problem: AuthProblem::Expired,
                ..
            }
        ));
        assert!(matches!(
            e(190, Some(467), 400),
            NetError::Unauthorized {
                problem: AuthProblem::Revoked,
                ..
            }
        ));
        assert!(matches!(
            e(190, None, 400),
            NetError::Unauthorized {
                problem: AuthProblem::Other,
                ..
            }
        ));
        assert!(matches!(
            e(4, None, 400),
            NetError::Throttled {
                scope: ThrottleScope::App,
                ..
            }
        ));
        assert!(matches!(
            e(17, None, 400),
            NetError::Throttled {
                scope: ThrottleScope::User,
                ..
            }
        ));
        assert!(matches!(
            e(32, None, 400),
            NetError::Throttled {
                scope: ThrottleScope::Page,
                ..
            }
        ));
        assert!(matches!(
            e(613, None, 400),
            NetError::Throttled {
                scope: ThrottleScope::BusinessUseCase,
                ..
            }
        ));
        assert!(matches!(
            e(80001, None, 400),
            NetError::Throttled {
                scope: ThrottleScope::BusinessUseCase,
                ..
            }
        ));
        assert!(matches!(e(10, None, 403), NetError::Permission { .. }));
        assert!(matches!(e(200, None, 403), NetError::Permission { .. }));
        assert!(matches!(e(299, None, 403), NetError::Permission { .. }));
        assert!(matches!(e(368, None, 400), NetError::PolicyBlock { .. }));
        assert!(matches!(e(506, None, 400), NetError::DuplicatePost { .. }));
        assert!(matches!(e(100, Some(33), 400), NetError::NotFound { .. }));
        assert!(matches!(e(100, None, 400), NetError::InvalidRequest { .. }));
        assert!(matches!(e(2, None, 500), NetError::Server { .. }));
        let garbage = classify(&raw(502, "<html>", Budget::default())).error;
        assert!(matches!(garbage, NetError::Server { status: 502, .. }));
    }

    #[test]
    fn throttling_carries_the_wait_from_the_headers() {
        let mut h = HeaderMap::new();
        h.insert(
            "x-business-use-case-usage",
            HeaderValue::from_static(r#"{"1":[{"type":"pages","call_count":100,"total_cputime":1,"total_time":1,"estimated_time_to_regain_access":12}]}"#),
        );
        let f = classify(&raw(400, &err(80001, None), Budget::from_headers(&h)));
        match f.error {
            NetError::Throttled { retry_after, .. } => {
                assert_eq!(retry_after, Some(std::time::Duration::from_secs(720)))
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(f.budget.business_use_case.len(), 1);
    }

    #[test]
    fn nodes_are_checked() {
        assert!(check_node("104007847927937_1234").is_ok());
        assert!(check_node("t_10161234").is_ok());
        assert!(check_node("m_AbC-d_e").is_ok());
        assert!(check_node("../me").is_err());
        assert!(check_node("1?access_token=x").is_err());
        assert!(check_node("").is_err());
    }
}
