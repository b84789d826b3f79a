//! The X API v2 client.
//!
//! Every call takes an [`Auth`] (the user's OAuth 2.0 access token and an account label for the
//! logs) and returns a [`Reply`] with the parsed data and the [`Budget`](crate::Budget) from the
//! headers, or a [`NetFailure`] with the classified error and the budget.

mod media;
pub mod wire;

use chancery_model::accounts::Network;
use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::header::AUTHORIZATION;
use secrecy::ExposeSecret;
use serde::Serialize;
use url::Url;

pub use media::{MediaCategory, DEFAULT_CHUNK_BYTES, SIMPLE_UPLOAD_MAX_BYTES};
use wire::{
    DataEnvelope, RawPostsPage, XCreatedPost, XErrorBody, XPostLookup, XPostsPage, XProblem, XUser,
};

use crate::error::{AuthProblem, NetError, NetFailure};
use crate::transport::{self, Call, NetResult, RawReply, Reply};
use crate::{Auth, NetConfig};

/// `tweet.fields` asked for on every post read (the name the public docs and 2.166 use).
pub const TWEET_FIELDS: &str = "id,text,author_id,created_at,conversation_id,in_reply_to_user_id,lang,referenced_tweets,entities,edit_history_tweet_ids";
/// `expansions` asked for on every post read.
pub const EXPANSIONS: &str = "author_id,referenced_tweets.id,in_reply_to_user_id";
/// `user.fields` asked for on users and expanded authors.
pub const USER_FIELDS: &str = "id,name,username,profile_image_url,verified,protected";

/// Paging and time bounds of a timeline read (mentions, a user's posts).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimelineQuery {
    /// Only posts newer than this id.
    pub since_id: Option<String>,
    /// Only posts older than this id.
    pub until_id: Option<String>,
    /// From the previous page's `meta.next_token`.
    pub pagination_token: Option<String>,
    /// 5..=100 (X's bounds; clamped).
    pub max_results: Option<u8>,
    pub start_time: Option<DateTime<Utc>>,
    pub end_time: Option<DateTime<Utc>>,
}

impl TimelineQuery {
    /// The same query for the page after `page` (None at the end).
    pub fn next(&self, page: &XPostsPage) -> Option<TimelineQuery> {
        let token = page.meta.next_token.clone()?;
        Some(TimelineQuery {
            pagination_token: Some(token),
            ..self.clone()
        })
    }

    fn pairs(&self) -> Result<Vec<(&'static str, String)>, NetError> {
        let mut q = Vec::new();
        for (name, v) in [("since_id", &self.since_id), ("until_id", &self.until_id)] {
            if let Some(v) = v {
                check_id(name, v)?;
                q.push((name, v.clone()));
            }
        }
        if let Some(t) = &self.pagination_token {
            if t.is_empty()
                || t.len() > 200
                || !t
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            {
                return Err(NetError::InvalidRequest {
                    network: Network::X,
                    detail: "the pagination token has unexpected characters".into(),
                });
            }
            q.push(("pagination_token", t.clone()));
        }
        if let Some(n) = self.max_results {
            q.push(("max_results", n.clamp(5, 100).to_string()));
        }
        if let Some(t) = self.start_time {
            q.push(("start_time", t.to_rfc3339_opts(SecondsFormat::Secs, true)));
        }
        if let Some(t) = self.end_time {
            q.push(("end_time", t.to_rfc3339_opts(SecondsFormat::Secs, true)));
        }
        Ok(q)
    }
}

/// What to post with `POST /2/tweets`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NewPost {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply: Option<NewPostReply>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quote_tweet_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<NewPostMedia>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewPostReply {
    pub in_reply_to_tweet_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewPostMedia {
    pub media_ids: Vec<String>,
}

impl NewPost {
    pub fn text(text: impl Into<String>) -> Self {
        NewPost {
            text: Some(text.into()),
            ..NewPost::default()
        }
    }

    pub fn in_reply_to(mut self, post_id: impl Into<String>) -> Self {
        self.reply = Some(NewPostReply {
            in_reply_to_tweet_id: post_id.into(),
        });
        self
    }

    pub fn quoting(mut self, post_id: impl Into<String>) -> Self {
        self.quote_tweet_id = Some(post_id.into());
        self
    }

    pub fn with_media(mut self, media_ids: Vec<String>) -> Self {
        self.media = Some(NewPostMedia { media_ids });
        self
    }
}

/// The X API v2 client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct XClient {
    http: reqwest::Client,
    base: Url,
}

impl XClient {
    pub fn new(config: &NetConfig) -> Result<XClient, NetError> {
        Ok(XClient {
            http: config.http_client()?,
            base: config.x_api_base.clone(),
        })
    }

    /// With an HTTP client shared with the Graph client.
    pub fn with_http(http: reqwest::Client, config: &NetConfig) -> XClient {
        XClient {
            http,
            base: config.x_api_base.clone(),
        }
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    pub(crate) fn url(&self, segments: &[&str]) -> Result<Url, NetError> {
        let mut url = self.base.clone();
        {
            let mut segs = url
                .path_segments_mut()
                .map_err(|_| NetError::Config("the X base URL cannot have paths".into()))?;
            segs.pop_if_empty();
            segs.push("2");
            for s in segments {
                segs.push(s);
            }
        }
        Ok(url)
    }

    pub(crate) fn request(
        &self,
        method: reqwest::Method,
        url: Url,
        auth: &Auth<'_>,
    ) -> reqwest::RequestBuilder {
        self.http.request(method, url).header(
            AUTHORIZATION,
            format!("Bearer {}", auth.token.expose_secret()),
        )
    }

    /// `GET /2/users/me`: who the token belongs to.
    pub async fn users_me(&self, auth: &Auth<'_>) -> NetResult<XUser> {
        let url = self.url(&["users", "me"])?;
        let req = self
            .request(reqwest::Method::GET, url, auth)
            .query(&[("user.fields", USER_FIELDS)]);
        let c = call("x.users_me", "GET", auth);
        transport::run(c, req, |raw| data_of::<XUser>(&c, raw)).await
    }

    /// `GET /2/users/by/username/{username}`.
    pub async fn user_by_username(&self, auth: &Auth<'_>, username: &str) -> NetResult<XUser> {
        let username = username.trim_start_matches('@');
        if username.is_empty()
            || username.len() > 15
            || !username
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(NetError::InvalidRequest {
                network: Network::X,
                detail: format!("`{username}` is not an X username"),
            }
            .into());
        }
        let url = self.url(&["users", "by", "username", username])?;
        let req = self
            .request(reqwest::Method::GET, url, auth)
            .query(&[("user.fields", USER_FIELDS)]);
        let c = call("x.user_by_username", "GET", auth);
        transport::run(c, req, |raw| data_of::<XUser>(&c, raw)).await
    }

    /// `GET /2/users/{id}/mentions`: posts mentioning the user, newest first, with authors and
    /// referenced posts expanded.
    pub async fn mentions(
        &self,
        auth: &Auth<'_>,
        user_id: &str,
        query: &TimelineQuery,
    ) -> NetResult<XPostsPage> {
        self.timeline("x.mentions", "mentions", auth, user_id, query)
            .await
    }

    /// `GET /2/users/{id}/tweets`: the account's own recent posts.
    pub async fn user_posts(
        &self,
        auth: &Auth<'_>,
        user_id: &str,
        query: &TimelineQuery,
    ) -> NetResult<XPostsPage> {
        self.timeline("x.user_tweets", "tweets", auth, user_id, query)
            .await
    }

    async fn timeline(
        &self,
        endpoint: &'static str,
        edge: &str,
        auth: &Auth<'_>,
        user_id: &str,
        query: &TimelineQuery,
    ) -> NetResult<XPostsPage> {
        check_id("user id", user_id)?;
        let url = self.url(&["users", user_id, edge])?;
        let mut pairs = query.pairs()?;
        pairs.push(("tweet.fields", TWEET_FIELDS.into()));
        pairs.push(("expansions", EXPANSIONS.into()));
        pairs.push(("user.fields", USER_FIELDS.into()));
        let req = self.request(reqwest::Method::GET, url, auth).query(&pairs);
        let c = call(endpoint, "GET", auth);
        transport::run(c, req, |raw| {
            if !is_success(raw.status) {
                return Err(classify(&c, &raw));
            }
            let page: RawPostsPage = parse_json(&c, &raw)?;
            Ok(Reply {
                data: page.parse(),
                budget: raw.budget,
                status: raw.status,
            })
        })
        .await
    }

    /// `GET /2/tweets/{id}` with the same fields and expansions as timelines.
    pub async fn post(&self, auth: &Auth<'_>, id: &str) -> NetResult<XPostLookup> {
        check_id("post id", id)?;
        let url = self.url(&["tweets", id])?;
        let req = self.request(reqwest::Method::GET, url, auth).query(&[
            ("tweet.fields", TWEET_FIELDS),
            ("expansions", EXPANSIONS),
            ("user.fields", USER_FIELDS),
        ]);
        let c = call("x.tweet_lookup", "GET", auth);
        transport::run(c, req, |raw| {
            if !is_success(raw.status) {
                return Err(classify(&c, &raw));
            }
            let env: DataEnvelope<Box<serde_json::value::RawValue>> = parse_json(&c, &raw)?;
            let Some(data) = env.data else {
                return Err(problem_failure(&c, &raw, &env.errors));
            };
            let post = wire::XPost::from_raw(&data).map_err(|m| raw.malformed(&c, m.reason))?;
            Ok(Reply {
                data: XPostLookup {
                    post,
                    includes: env.includes.unwrap_or_default().parse(),
                    errors: env.errors,
                },
                budget: raw.budget,
                status: raw.status,
            })
        })
        .await
    }

    /// `POST /2/tweets`.
    pub async fn create_post(&self, auth: &Auth<'_>, post: &NewPost) -> NetResult<XCreatedPost> {
        if let Some(r) = &post.reply {
            check_id("in_reply_to_tweet_id", &r.in_reply_to_tweet_id)?;
        }
        if let Some(q) = &post.quote_tweet_id {
            check_id("quote_tweet_id", q)?;
        }
        let url = self.url(&["tweets"])?;
        let req = self.request(reqwest::Method::POST, url, auth).json(post);
        let c = call("x.create_tweet", "POST", auth);
        transport::run(c, req, |raw| data_of::<XCreatedPost>(&c, raw)).await
    }

    /// `DELETE /2/tweets/{id}`: true when X says it was deleted.
    pub async fn delete_post(&self, auth: &Auth<'_>, id: &str) -> NetResult<bool> {
        #[derive(serde::Deserialize)]
        struct Deleted {
            deleted: bool,
        }
        check_id("post id", id)?;
        let url = self.url(&["tweets", id])?;
        let req = self.request(reqwest::Method::DELETE, url, auth);
        let c = call("x.delete_tweet", "DELETE", auth);
        transport::run(c, req, |raw| {
            data_of::<Deleted>(&c, raw).map(|r| r.map(|d| d.deleted))
        })
        .await
    }
}

pub(crate) fn call<'a>(endpoint: &'static str, method: &'static str, auth: &Auth<'a>) -> Call<'a> {
    Call {
        network: Network::X,
        method,
        endpoint,
        account: auth.account,
        sensitive: false,
    }
}

/// X ids are 1-19 digits.
pub(crate) fn check_id(what: &str, id: &str) -> Result<(), NetError> {
    if id.is_empty() || id.len() > 19 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NetError::InvalidRequest {
            network: Network::X,
            detail: format!(
                "the {what} `{}` is not an X id",
                crate::redact::snippet(id, 30)
            ),
        });
    }
    Ok(())
}

pub(crate) fn is_success(status: u16) -> bool {
    (200..300).contains(&status)
}

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    c: &Call<'_>,
    raw: &RawReply,
) -> Result<T, NetFailure> {
    serde_json::from_slice::<T>(&raw.body).map_err(|e| {
        let reason = if e.is_eof() {
            format!("the JSON ends early ({e})")
        } else {
            format!("not the JSON expected ({e})")
        };
        raw.malformed(c, reason)
    })
}

/// `{"data": T}`: success, or the error classified.
pub(crate) fn data_of<T: serde::de::DeserializeOwned>(c: &Call<'_>, raw: RawReply) -> NetResult<T> {
    if !is_success(raw.status) {
        return Err(classify(c, &raw));
    }
    let env: DataEnvelope<T> = parse_json(c, &raw)?;
    match env.data {
        Some(data) => Ok(Reply {
            data,
            budget: raw.budget,
            status: raw.status,
        }),
        None => Err(problem_failure(c, &raw, &env.errors)),
    }
}

/// A 200 without `data` but with `errors` (X's way of saying "not found" for one object).
fn problem_failure(c: &Call<'_>, raw: &RawReply, errors: &[XProblem]) -> NetFailure {
    let Some(first) = errors.first() else {
        return raw.malformed(c, "the answer has neither data nor errors");
    };
    let detail = first.text();
    let error = match first.short_type() {
        "resource-not-found" => NetError::NotFound {
            network: Network::X,
            detail,
        },
        "not-authorized-for-resource" | "not-authorized-for-field" | "field-unauthorized" => {
            NetError::Permission {
                network: Network::X,
                detail,
            }
        }
        "usage-capped" => NetError::UsageCapped { detail },
        _ => NetError::InvalidRequest {
            network: Network::X,
            detail,
        },
    };
    NetFailure::with_budget(error, raw.budget.clone())
}

/// Classifies an X error response from its status, problem type and text.
pub(crate) fn classify(c: &Call<'_>, raw: &RawReply) -> NetFailure {
    let body: XErrorBody = serde_json::from_slice(&raw.body).unwrap_or_default();
    let kind = body.problem.short_type().to_string();
    let mut detail = body.problem.text();
    if let Some(first) = body.errors.first() {
        let t = first.text();
        if detail.is_empty() || kind == "invalid-request" {
            detail = if detail.is_empty() {
                t
            } else {
                format!("{detail} {t}")
            };
        }
    }
    if detail.is_empty() {
        detail = format!("HTTP {}", raw.status);
    }
    let lower = detail.to_lowercase();
    let error = match raw.status {
        401 => NetError::Unauthorized {
            network: Network::X,
            problem: if lower.contains("expired") {
                AuthProblem::Expired
            } else {
                AuthProblem::Revoked
            },
            subcode: None,
            detail,
        },
        402 => NetError::UsageCapped { detail },
        403 if is_duplicate(&lower) => NetError::DuplicatePost {
            network: Network::X,
            detail,
        },
        403 if is_reply_restriction(&lower) => NetError::ReplyNotAllowed { detail },
        403 if kind == "usage-capped" => NetError::UsageCapped { detail },
        403 => NetError::Permission {
            network: Network::X,
            detail,
        },
        404 => NetError::NotFound {
            network: Network::X,
            detail,
        },
        429 if kind == "usage-capped" || lower.contains("usage cap") => {
            NetError::UsageCapped { detail }
        }
        429 => NetError::RateLimited {
            network: Network::X,
            reset_at: raw.budget.x_rate.map(|w| w.reset_at),
            detail,
        },
        400 | 409 | 413 | 422 => NetError::InvalidRequest {
            network: Network::X,
            detail,
        },
        500..=599 => NetError::Server {
            network: Network::X,
            status: raw.status,
            detail,
        },
        status => NetError::Unexpected {
            network: Network::X,
            status,
            detail,
        },
    };
    let _ = c;
    NetFailure::with_budget(error, raw.budget.clone())
}

fn is_duplicate(lower: &str) -> bool {
    lower.contains("duplicate content")
        || lower.contains("status is a duplicate")
        || lower.contains("duplicate")
}

/// X's replies rule (23 Feb 2026): "Reply to this conversation is not allowed because you have
/// not been mentioned or otherwise engaged by the author of the post you are replying to."
fn is_reply_restriction(lower: &str) -> bool {
    lower.contains("reply to this conversation is not allowed")
        || lower.contains("not been mentioned or otherwise engaged")
        || ((lower.contains("reply") || lower.contains("replies"))
            && (lower.contains("not allowed") || lower.contains("not permitted")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::Budget;

    fn raw(status: u16, body: &str) -> RawReply {
        RawReply {
            status,
            budget: Budget::default(),
            body: bytes::Bytes::copy_from_slice(body.as_bytes()),
        }
    }

    fn c() -> Call<'static> {
        Call {
            network: Network::X,
            method: "POST",
            endpoint: "x.create_tweet",
            account: "a",
            sensitive: false,
        }
    }

    #[test]
    fn x_errors_are_classified() {
        let dup = classify(
            &c(),
            &raw(
                403,
                r#"{"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","title":"Forbidden","status":403}"#,
            ),
        );
        assert!(
            matches!(dup.error, NetError::DuplicatePost { .. }),
            "{dup:?}"
        );
        let reply = classify(
            &c(),
            &raw(
                403,
                r#"{"detail":"Reply to this conversation is not allowed because you have not been mentioned or otherwise engaged by the author of the post you are replying to.","type":"about:blank","title":"Forbidden","status":403}"#,
            ),
        );
        assert!(
            matches!(reply.error, NetError::ReplyNotAllowed { .. }),
            "{reply:?}"
        );
        let forbidden = classify(
            &c(),
            &raw(
                403,
                r#"{"title":"Forbidden","type":"https://api.x.com/2/problems/not-authorized-for-resource","detail":"no"}"#,
            ),
        );
        assert!(matches!(forbidden.error, NetError::Permission { .. }));
        let capped = classify(
            &c(),
            &raw(
                429,
                r#"{"title":"Usage cap exceeded","type":"https://api.twitter.com/2/problems/usage-capped","detail":"Monthly product cap","period":"Monthly"}"#,
            ),
        );
        assert!(matches!(capped.error, NetError::UsageCapped { .. }));
        let limited = classify(
            &c(),
            &raw(
                429,
                r#"{"title":"Too Many Requests","type":"about:blank","status":429,"detail":"Too Many Requests"}"#,
            ),
        );
        assert!(matches!(limited.error, NetError::RateLimited { .. }));
        let old = classify(
            &c(),
            &raw(
                429,
                r#"{"errors":[{"code":88,"message":"Rate limit exceeded"}]}"#,
            ),
        );
        assert!(
            matches!(old.error, NetError::RateLimited { ref detail, .. } if detail.contains("Rate limit")),
            "{old:?}"
        );
        let unauth = classify(
            &c(),
            &raw(
                401,
                r#"{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}"#,
            ),
        );
        assert!(unauth.error.needs_reauth());
        let bad = classify(
            &c(),
            &raw(
                400,
                r#"{"errors":[{"parameters":{"max_results":["1"]},"message":"The `max_results` query parameter value [1] is not between 5 and 100"}],"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.twitter.com/2/problems/invalid-request"}"#,
            ),
        );
        assert!(
            matches!(bad.error, NetError::InvalidRequest { ref detail, .. } if detail.contains("max_results")),
            "{bad:?}"
        );
        let server = classify(&c(), &raw(503, "<html>oops</html>"));
        assert!(matches!(server.error, NetError::Server { status: 503, .. }));
        assert!(matches!(
            classify(&c(), &raw(402, "{}")).error,
            NetError::UsageCapped { .. }
        ));
    }

    #[test]
    fn not_found_inside_a_200() {
        let r = raw(
            200,
            r#"{"errors":[{"value":"1","detail":"Could not find tweet with id: [1].","title":"Not Found Error","type":"https://api.x.com/2/problems/resource-not-found"}]}"#,
        );
        let f = data_of::<XCreatedPost>(&c(), r).unwrap_err();
        assert!(matches!(f.error, NetError::NotFound { .. }), "{f:?}");
    }

    #[test]
    fn ids_and_queries_are_checked() {
        assert!(check_id("x", "123").is_ok());
        assert!(check_id("x", "12a").is_err());
        assert!(check_id("x", "../../x").is_err());
        let q = TimelineQuery {
            max_results: Some(200),
            since_id: Some("10".into()),
            ..Default::default()
        };
        let pairs = q.pairs().unwrap();
        assert!(pairs.contains(&("max_results", "100".into())));
        let bad = TimelineQuery {
            pagination_token: Some("a&b=c".into()),
            ..Default::default()
        };
        assert!(bad.pairs().is_err());
    }

    #[test]
    fn new_post_json() {
        let p = NewPost::text("hi")
            .in_reply_to("12")
            .with_media(vec!["9".into()]);
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"text":"hi","reply":{"in_reply_to_tweet_id":"12"},"media":{"media_ids":["9"]}})
        );
    }
}
