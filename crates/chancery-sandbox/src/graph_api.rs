//! Graph API handlers: one dispatcher for `/{version}/...` and unversioned paths.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{TimeZone, Utc};
use serde_json::{json, Map, Value};

use crate::endpoint::is_graph_version;
use crate::graph_fields::{defaults, parse_fields, FieldSpec};
use crate::graph_gen::{
    ConvKey, FbAuthor, GenComment, GenConversation, GenMessage, GenPost, PostKey, KIND_APP,
    KIND_OWN, KIND_PHOTO, KIND_TAGGED, KIND_VISITOR,
};
use crate::graph_store::{StoredComment, StoredPost};
use crate::hash::{h, mix, unit};
use crate::state::{request_token, Shared};
use crate::tokens::{TokenError, TokenKind};
use crate::world::World;

type S = State<Arc<Shared>>;

/// Graph time format: `2026-11-24T10:00:00+0000`.
pub(crate) fn graph_time(ms: i64) -> String {
    match Utc.timestamp_millis_opt(ms).single() {
        Some(t) => t.format("%Y-%m-%dT%H:%M:%S+0000").to_string(),
        None => "1970-01-01T00:00:00+0000".into(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GTok {
    User,
    Page(usize),
}

/// Usage headers for one response.
#[derive(Default, Clone)]
pub(crate) struct Usage {
    app_pct: Option<u64>,
    page: Option<(u64, u64, u64)>, // (page id, pct, minutes to regain)
}

impl Usage {
    fn apply(&self, h: &mut HeaderMap) {
        if let Some(p) = self.app_pct {
            let v =
                json!({"call_count": p, "total_cputime": p / 3, "total_time": p / 2}).to_string();
            if let Ok(v) = HeaderValue::from_str(&v) {
                h.insert("x-app-usage", v);
            }
        }
        if let Some((id, pct, regain)) = self.page {
            let page = json!({"call_count": pct, "total_cputime": pct / 3, "total_time": pct / 2})
                .to_string();
            let buc = json!({ id.to_string(): [{"type": "pages", "call_count": pct, "total_cputime": pct / 3, "total_time": pct / 2, "estimated_time_to_regain_access": regain}] }).to_string();
            if let Ok(v) = HeaderValue::from_str(&page) {
                h.insert("x-page-usage", v);
            }
            if let Ok(v) = HeaderValue::from_str(&buc) {
                h.insert("x-business-use-case-usage", v);
            }
        }
    }
}

impl Shared {
    fn fbtrace(&self) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_";
        let mut x = self.fresh_nonce();
        (0..23)
            .map(|i| {
                if i % 10 == 9 {
                    x = mix(x);
                }
                let c = A[(x % A.len() as u64) as usize] as char;
                x /= A.len() as u64;
                c
            })
            .collect()
    }

    pub(crate) fn graph_error_response(
        &self,
        code: u32,
        subcode: Option<u32>,
        message: &str,
        kind: &str,
        usage: Option<&Usage>,
    ) -> Response {
        let mut err = json!({
            "message": message,
            "type": kind,
            "code": code,
            "fbtrace_id": self.fbtrace(),
        });
        if let Some(sc) = subcode {
            err["error_subcode"] = json!(sc);
        }
        let transient =
            matches!(code, 1 | 2 | 4 | 17 | 32 | 341 | 613) || (80000..=80014).contains(&code);
        if transient {
            err["is_transient"] = json!(true);
        }
        match (code, subcode) {
            (506, _) => {
                err["error_user_title"] = json!("Duplicate Status Update");
                err["error_user_msg"] = json!("This status update is identical to the last one you posted. Try posting something different, or delete your previous update.");
            }
            (368, _) => {
                err["error_user_title"] = json!("Your Page can't post right now");
                err["error_user_msg"] = json!("We limit how often you can post, comment or do other things in a given amount of time in order to help protect the community from spam.");
            }
            (190, Some(463)) => {
                err["error_user_title"] = json!("Session expired");
            }
            _ => {}
        }
        let status = match code {
            1 | 2 => StatusCode::INTERNAL_SERVER_ERROR,
            10 | 200..=299 => StatusCode::FORBIDDEN,
            _ => StatusCode::BAD_REQUEST,
        };
        let body = json!({ "error": err });
        let mut r = Response::new(Body::from(serde_json::to_vec(&body).unwrap_or_default()));
        *r.status_mut() = status;
        let hs = r.headers_mut();
        hs.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=UTF-8"),
        );
        if code == 190 || code == 102 || code == 104 {
            let v = format!(
                "OAuth \"Facebook Platform\" \"invalid_token\" \"{}\"",
                message.replace('"', "'")
            );
            if let Ok(v) = HeaderValue::from_str(&v) {
                hs.insert(header::WWW_AUTHENTICATE, v);
            }
        }
        self.graph_common_headers(hs);
        if let Some(u) = usage {
            u.apply(hs);
        }
        r
    }

    fn graph_common_headers(&self, hs: &mut HeaderMap) {
        if let Ok(v) = HeaderValue::from_str(&self.graph_version) {
            hs.insert("facebook-api-version", v);
        }
        if let Ok(v) = HeaderValue::from_str(&self.fbtrace()) {
            hs.insert("x-fb-trace-id", v);
        }
        hs.insert("x-fb-rev", HeaderValue::from_static("1019994473"));
    }

    fn graph_ok(&self, v: &Value, usage: &Usage) -> Response {
        let mut r = Response::new(Body::from(serde_json::to_vec(v).unwrap_or_default()));
        let hs = r.headers_mut();
        hs.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=UTF-8"),
        );
        self.graph_common_headers(hs);
        usage.apply(hs);
        r
    }

    /// Counts a call and builds the usage headers; `Err` is the throttling error.
    fn graph_rate(&self, tok: GTok, target_page: Option<usize>) -> Result<Usage, Response> {
        let now = self.clock.real_now_ms();
        let hour = self.clock.real_ms_for_virtual(3_600_000);
        let mut usage = Usage::default();
        let pct =
            |used: u64, limit: u64| (used * 100).checked_div(limit.max(1)).unwrap_or(0).min(100);
        let minutes = |reset_ms: i64| ((reset_ms - now).max(0) as f64 / 60_000.0).ceil() as u64;
        match tok {
            GTok::User => {
                let limit = self.graph_user_limit.unwrap_or(200);
                let st = self.limits.hit(20_001, 0, limit, hour, now);
                usage.app_pct = Some(pct(st.used, limit));
                if st.exceeded {
                    return Err(self.graph_error_response(
                        17,
                        None,
                        "(#17) User request limit reached",
                        "OAuthException",
                        Some(&usage),
                    ));
                }
                if let Some(p) = target_page {
                    let plimit = self.page_limit(p);
                    let pst = self.limits.hit(20_002, p as u64, plimit, hour, now);
                    if pst.exceeded {
                        usage.page = Some((self.world.fb[p].id, 100, minutes(pst.reset_ms)));
                        return Err(self.graph_error_response(
                            32,
                            None,
                            "(#32) Page request limit reached",
                            "OAuthException",
                            Some(&usage),
                        ));
                    }
                }
            }
            GTok::Page(p) => {
                let limit = self.page_limit(p);
                let st = self.limits.hit(20_002, p as u64, limit, hour, now);
                let regain = if st.exceeded { minutes(st.reset_ms) } else { 0 };
                usage.page = Some((
                    self.world.fb[p].id,
                    if st.exceeded {
                        100
                    } else {
                        pct(st.used, limit)
                    },
                    regain,
                ));
                let app =
                    self.limits
                        .peek(20_001, 0, self.graph_user_limit.unwrap_or(200), hour, now);
                usage.app_pct = Some(pct(app.used, app.limit));
                if st.exceeded {
                    return Err(self.graph_error_response(
                        80001,
                        None,
                        "There have been too many calls to this Page account. Wait a bit and try again. For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
                        "OAuthException",
                        Some(&usage),
                    ));
                }
            }
        }
        Ok(usage)
    }

    fn page_limit(&self, p: usize) -> u64 {
        self.graph_page_limit
            .unwrap_or_else(|| 200 * self.world.fb[p].engaged_users.max(1))
    }

    /// A synthesised throttling error for the fault injector.
    pub(crate) fn graph_throttle_fault(&self, is_page_token: Option<usize>) -> Response {
        match is_page_token {
            Some(p) => {
                let regain = (self.clock.real_ms_for_virtual(3_600_000) / 60_000).max(1) as u64;
                let usage = Usage {
                    app_pct: Some(10),
                    page: Some((self.world.fb[p].id, 100, regain)),
                };
                self.graph_error_response(80001, None, "There have been too many calls to this Page account. Wait a bit and try again. For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.", "OAuthException", Some(&usage))
            }
            None => {
                let usage = Usage {
                    app_pct: Some(100),
                    page: None,
                };
                self.graph_error_response(
                    4,
                    None,
                    "(#4) Application request limit reached",
                    "OAuthException",
                    Some(&usage),
                )
            }
        }
    }

    /// The message Graph gives for a code, for injected errors.
    pub(crate) fn graph_fault_error(&self, code: u32, subcode: Option<u32>) -> Response {
        let (msg, kind) = match code {
            1 => ("An unknown error occurred", "OAuthException"),
            2 => ("An unexpected error has occurred. Please retry your request later.", "OAuthException"),
            4 => ("(#4) Application request limit reached", "OAuthException"),
            10 => ("(#10) Application does not have permission for this action", "OAuthException"),
            17 => ("(#17) User request limit reached", "OAuthException"),
            32 => ("(#32) Page request limit reached", "OAuthException"),
            100 => ("(#100) Invalid parameter", "OAuthException"),
            190 => match subcode {
                Some(460) => ("Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.", "OAuthException"),
                Some(463) => ("Error validating access token: Session has expired.", "OAuthException"),
                _ => ("Invalid OAuth access token - Cannot parse access token", "OAuthException"),
            },
            200 => ("(#200) Permissions error", "OAuthException"),
            368 => ("The action attempted has been deemed abusive or is otherwise disallowed", "OAuthException"),
            506 => ("(#506) Duplicate status message", "OAuthException"),
            613 => ("(#613) Calls to this api have exceeded the rate limit.", "OAuthException"),
            80001..=80014 => ("There have been too many calls to this Page account. Wait a bit and try again. For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.", "OAuthException"),
            _ => ("An unknown error occurred", "OAuthException"),
        };
        self.graph_error_response(code, subcode, msg, kind, None)
    }

    fn graph_auth(&self, headers: &HeaderMap, query: Option<&str>) -> Result<GTok, Response> {
        let Some(t) = request_token(headers, query) else {
            return Err(self.graph_error_response(
                104,
                None,
                "An access token is required to request this resource.",
                "OAuthException",
                None,
            ));
        };
        match self.tokens.verify(&t, self.clock.real_now_ms()) {
            Ok(c) => match c.kind {
                TokenKind::FbUser => Ok(GTok::User),
                TokenKind::FbPage if (c.account as usize) < self.world.fb.len() => Ok(GTok::Page(c.account as usize)),
                _ => Err(self.graph_error_response(190, None, "Invalid OAuth access token - Cannot parse access token", "OAuthException", None)),
            },
            Err(TokenError::Expired) => Err(self.graph_error_response(
                190,
                Some(463),
                &format!("Error validating access token: Session has expired on {}. The current time is {}.",
                    Utc::now().format("%A, %d-%b-%y %H:%M:%S UTC"), Utc::now().format("%A, %d-%b-%y %H:%M:%S UTC")),
                "OAuthException",
                None,
            )),
            Err(TokenError::Revoked) => Err(self.graph_error_response(
                190,
                Some(460),
                "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.",
                "OAuthException",
                None,
            )),
            Err(TokenError::Malformed) => Err(self.graph_error_response(190, None, "Invalid OAuth access token - Cannot parse access token", "OAuthException", None)),
        }
    }
}

// --- request parameters ---------------------------------------------------------------------------

struct Params {
    list: Vec<(String, String)>,
    file: Option<Vec<u8>>,
}

impl Params {
    fn get(&self, k: &str) -> Option<&str> {
        self.list
            .iter()
            .rev()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    }
}

async fn read_params(req: Request) -> Result<(axum::http::request::Parts, Params), String> {
    let q = req.uri().query().unwrap_or("").to_string();
    let mut list: Vec<(String, String)> = url::form_urlencoded::parse(q.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let mut file = None;
    if ct.starts_with("multipart/form-data") {
        let (parts, body) = req.into_parts();
        let req2 = Request::from_parts(parts.clone(), body);
        let mut mp = Multipart::from_request(req2, &())
            .await
            .map_err(|e| e.to_string())?;
        while let Some(f) = mp.next_field().await.map_err(|e| e.to_string())? {
            let name = f.name().unwrap_or("").to_string();
            let is_file = f.file_name().is_some() || name == "source";
            let bytes = f.bytes().await.map_err(|e| e.to_string())?;
            if is_file {
                file = Some(bytes.to_vec());
            } else {
                list.push((name, String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
        return Ok((parts, Params { list, file }));
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024 * 1024)
        .await
        .map_err(|e| e.to_string())?;
    if !bytes.is_empty() {
        if ct.starts_with("application/json") {
            let v: Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
            if let Some(o) = v.as_object() {
                for (k, v) in o {
                    list.push((
                        k.clone(),
                        match v {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        },
                    ));
                }
            }
        } else {
            list.extend(
                url::form_urlencoded::parse(&bytes).map(|(k, v)| (k.into_owned(), v.into_owned())),
            );
        }
    }
    Ok((parts, Params { list, file }))
}

// --- views ------------------------------------------------------------------------------------------

#[derive(Clone)]
enum PostView {
    Gen(GenPost),
    Stored(Arc<StoredPost>),
}

impl PostView {
    fn key(&self) -> PostKey {
        match self {
            PostView::Gen(g) => g.key,
            PostView::Stored(s) => s.key,
        }
    }
}

#[derive(Clone)]
enum CommentView {
    Gen(GenComment),
    Stored(StoredComment),
}

struct Ctx<'a> {
    s: &'a Shared,
    tok: GTok,
    now_ms: i64,
    /// Base of `paging.next` URLs: `http://127.0.0.1:P/v24.0`.
    base: String,
}

fn unknown_field(field: &str, node: &str) -> String {
    format!("(#100) Tried accessing nonexisting field ({field}) on node type ({node})")
}

type GResult<T> = Result<T, Response>;

impl Ctx<'_> {
    fn w(&self) -> &World {
        &self.s.world
    }

    fn err(&self, code: u32, sub: Option<u32>, msg: &str) -> Response {
        let kind = if code == 100 && sub == Some(33) {
            "GraphMethodException"
        } else {
            "OAuthException"
        };
        self.s.graph_error_response(code, sub, msg, kind, None)
    }

    fn no_object(&self, id: &str) -> Response {
        self.err(100, Some(33), &format!("Unsupported get request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api"))
    }

    fn can_see_page(&self, page: usize) -> bool {
        match self.tok {
            GTok::User => true,
            GTok::Page(p) => p == page,
        }
    }

    fn page_author(&self, p: usize) -> Value {
        let pg = &self.w().fb[p];
        json!({"name": pg.name, "id": pg.id.to_string()})
    }

    fn author_json(&self, a: FbAuthor) -> Value {
        match a {
            FbAuthor::Page(p) => self.page_author(p),
            FbAuthor::Public(i) => {
                json!({"name": self.w().users[i].name, "id": World::fb_public_id(i).to_string()})
            }
        }
    }

    fn author_with_email(&self, a: FbAuthor) -> Value {
        let mut v = self.author_json(a);
        let id = v["id"].as_str().unwrap_or("0").to_string();
        v["email"] = json!(format!("{id}@facebook.com"));
        v
    }

    fn text_of_gen_post(&self, g: &GenPost) -> String {
        let w = self.w();
        let l = &w.langs[g.lang];
        let mut t = if g.key.kind == KIND_OWN {
            l.official[g.sentence].text.to_string()
        } else {
            l.public[g.sentence].text.to_string()
        };
        if g.key.kind == KIND_TAGGED {
            t.push(' ');
            t.push_str(&w.fb[g.key.page].name);
        }
        if let Some(hsh) = g.hashtag {
            t.push(' ');
            t.push_str(l.hashtags[hsh].text);
        }
        if let Some(link) = g.link {
            t.push(' ');
            t.push_str(&crate::xgen::expanded_url(link));
        }
        t
    }

    fn post_id(&self, p: &PostView) -> String {
        let k = p.key();
        let owner = match p {
            PostView::Gen(g) if g.key.kind == KIND_TAGGED => match g.author {
                FbAuthor::Public(i) => World::fb_public_id(i),
                FbAuthor::Page(pg) => self.w().fb[pg].id,
            },
            _ => self.w().fb[k.page].id,
        };
        format!("{owner}_{}", k.num())
    }

    /// All visible comments of a post, oldest first.
    fn comments_of(&self, p: &PostView) -> Vec<CommentView> {
        let mut out = Vec::new();
        let num = p.key().num();
        if let PostView::Gen(g) = p {
            for j in 0..g.comments {
                let c = self.w().fb_comment(g, j);
                if c.ts_ms > self.now_ms {
                    break;
                }
                out.push(CommentView::Gen(c));
            }
        }
        for c in self.s.fb_store.comments_of(&num) {
            if c.ts_ms <= self.now_ms {
                out.push(CommentView::Stored(c));
            }
        }
        let cid = |c: &CommentView| self.comment_id(c);
        out.retain(|c| !self.s.fb_store.is_deleted(&cid(c)));
        out.sort_by_key(|c| (self.comment_ts(c), self.comment_id(c)));
        out
    }

    fn comment_id(&self, c: &CommentView) -> String {
        match c {
            CommentView::Gen(g) => format!("{}_{}", g.post.num(), self.w().fb_comment_suffix(g)),
            CommentView::Stored(s) => s.id.clone(),
        }
    }

    fn comment_ts(&self, c: &CommentView) -> i64 {
        match c {
            CommentView::Gen(g) => g.ts_ms,
            CommentView::Stored(s) => s.ts_ms,
        }
    }

    fn comment_parent_id(&self, c: &CommentView) -> Option<String> {
        match c {
            CommentView::Gen(g) => g.parent.map(|j| {
                let post = self.w().fb_post(g.post);
                match post {
                    Some(p) => format!(
                        "{}_{}",
                        g.post.num(),
                        self.w().fb_comment_suffix(&self.w().fb_comment(&p, j))
                    ),
                    None => String::new(),
                }
            }),
            CommentView::Stored(s) => s.parent_comment.clone(),
        }
    }

    fn comment_page(&self, c: &CommentView) -> usize {
        match c {
            CommentView::Gen(g) => g.post.page,
            CommentView::Stored(s) => s.page,
        }
    }

    fn find_post(&self, id: &str) -> Option<PostView> {
        let (_owner, num) = id.split_once('_')?;
        let key = PostKey::parse_num(num)?;
        if key.ts_ms > self.now_ms && !matches!(key.kind, KIND_APP | KIND_PHOTO) {
            return None;
        }
        let view = match key.kind {
            KIND_APP | KIND_PHOTO => PostView::Stored(self.s.fb_store.post(num)?),
            _ => {
                let g = self.w().fb_post(key)?;
                if g.key.ts_ms < self.w().history_start_ms - 7 * 86_400_000 {
                    return None;
                }
                PostView::Gen(g)
            }
        };
        if self.post_id(&view) != id || self.s.fb_store.is_deleted(id) {
            return None;
        }
        Some(view)
    }

    fn find_comment(&self, id: &str) -> Option<(PostView, CommentView)> {
        let (num, m) = id.split_once('_')?;
        let key = PostKey::parse_num(num)?;
        let owner = self.w().fb.get(key.page)?.id;
        let post = self.find_post(&format!("{owner}_{num}")).or_else(|| {
            // Tagged posts carry their author's id.
            match self.w().fb_post(key) {
                Some(g) if g.key.kind == KIND_TAGGED => Some(PostView::Gen(g)),
                _ => None,
            }
        })?;
        if self.s.fb_store.is_deleted(id) {
            return None;
        }
        let c = if m.starts_with('1') {
            let PostView::Gen(g) = &post else { return None };
            let c = self.w().fb_comment_from_suffix(g, m)?;
            if c.ts_ms > self.now_ms {
                return None;
            }
            CommentView::Gen(c)
        } else {
            CommentView::Stored(self.s.fb_store.comment(id)?)
        };
        Some((post, c))
    }

    // --- nodes ---

    fn page_node(&self, p: usize, fields: &[FieldSpec]) -> GResult<Value> {
        let pg = &self.w().fb[p];
        let mut m = Map::new();
        for f in fields {
            let v = match f.name.as_str() {
                "id" => json!(pg.id.to_string()),
                "name" => json!(pg.name),
                "username" => json!(pg.username),
                "category" => json!(pg.category),
                "category_list" => json!([{"id": pg.category_id, "name": pg.category}]),
                "about" | "description" => json!(pg.description),
                "link" => json!(format!("https://www.facebook.com/{}", pg.username)),
                "fan_count" => json!(pg.followers * 9 / 10),
                "followers_count" => json!(pg.followers),
                "website" => json!("https://www.veldoria.example"),
                "verification_status" => json!("blue_verified"),
                "is_published" => json!(true),
                "picture" => {
                    json!({"data": {"height": 50, "is_silhouette": false, "url": format!("{}/__sandbox/avatars/fb/{}.svg", self.s.base, pg.id), "width": 50}})
                }
                "access_token" => match self.tok {
                    GTok::User => json!(self.s.page_token(p)),
                    GTok::Page(q) if q == p => json!(self.s.page_token(p)),
                    _ => continue,
                },
                "tasks" => json!([
                    "ANALYZE",
                    "ADVERTISE",
                    "MESSAGING",
                    "MODERATE",
                    "CREATE_CONTENT",
                    "MANAGE"
                ]),
                "location" => json!({"city": pg.city, "country": pg.country}),
                "feed" | "posts" | "tagged" | "conversations" => {
                    let limit = f
                        .modifier("limit")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(25usize);
                    let sub = f.sub.clone();
                    let kinds: &[u8] = match f.name.as_str() {
                        "feed" => &[KIND_OWN, KIND_VISITOR, KIND_TAGGED, KIND_APP, KIND_PHOTO],
                        "posts" => &[KIND_OWN, KIND_APP, KIND_PHOTO],
                        "conversations" => &[],
                        _ => &[KIND_TAGGED],
                    };
                    if kinds.is_empty() {
                        continue;
                    }
                    let (items, _) = self.feed_items(p, kinds, u128::MAX, 0, limit.min(100))?;
                    let fl = sub.unwrap_or_else(|| defaults(&["created_time", "message", "id"]));
                    let data: Result<Vec<Value>, Response> =
                        items.iter().map(|i| self.post_node(i, &fl)).collect();
                    json!({"data": data?})
                }
                other => return Err(self.err(100, None, &unknown_field(other, "Page"))),
            };
            m.insert(f.key().to_string(), v);
        }
        Ok(Value::Object(m))
    }

    fn post_node(&self, p: &PostView, fields: &[FieldSpec]) -> GResult<Value> {
        let key = p.key();
        let mut m = Map::new();
        let (message, author, link, photo) = match p {
            PostView::Gen(g) => (
                self.text_of_gen_post(g),
                g.author,
                g.link.map(crate::xgen::expanded_url),
                g.photo,
            ),
            PostView::Stored(s) => (
                s.message.clone(),
                FbAuthor::Page(key.page),
                s.link.clone(),
                s.photo_url.is_some(),
            ),
        };
        let created = match p {
            PostView::Stored(s) => s.live_at_ms,
            _ => key.ts_ms,
        };
        let id = self.post_id(p);
        let hv = match p {
            PostView::Gen(g) => g.hv,
            PostView::Stored(_) => mix(key.sort_key() as u64),
        };
        let photo_url = match p {
            PostView::Stored(s) => s.photo_url.clone(),
            PostView::Gen(_) => Some(format!(
                "{}/__sandbox/media/{}.png",
                self.s.base,
                hv % 1_000_000
            )),
        };
        for f in fields {
            let v = match f.name.as_str() {
                "id" => json!(id),
                "message" => {
                    if message.is_empty() {
                        continue;
                    }
                    json!(message)
                }
                "created_time" => json!(graph_time(created)),
                "updated_time" => json!(graph_time(
                    created.max(self.last_comment_ts(p).unwrap_or(created))
                )),
                "from" => self.author_json(author),
                "to" if key.kind == KIND_VISITOR || key.kind == KIND_TAGGED => {
                    json!({"data": [self.page_author(key.page)]})
                }
                "to" => continue,
                "permalink_url" => json!(format!(
                    "https://www.facebook.com/{}/posts/{}",
                    self.w().fb[key.page].id,
                    key.num()
                )),
                "status_type" => json!(match key.kind {
                    KIND_VISITOR => "wall_post",
                    KIND_TAGGED => "tagged_in_post",
                    _ if photo => "added_photos",
                    _ if link.is_some() => "shared_story",
                    _ => "mobile_status_update",
                }),
                "story" if key.kind == KIND_VISITOR => {
                    let who = self.author_json(author);
                    json!(format!(
                        "{} posted on {}'s timeline",
                        who["name"].as_str().unwrap_or(""),
                        self.w().fb[key.page].name
                    ))
                }
                "story" => continue,
                "is_published" => json!(match p {
                    PostView::Stored(s) => s.published && s.live_at_ms <= self.now_ms,
                    _ => true,
                }),
                "is_hidden" => json!(self.s.fb_store.is_hidden(&id)),
                "scheduled_publish_time" => match p {
                    PostView::Stored(s) if !s.published => json!(s.live_at_ms / 1000),
                    _ => continue,
                },
                "icon" => json!("https://www.facebook.com/images/icons/post.gif"),
                "full_picture" | "picture" => {
                    if !photo {
                        continue;
                    }
                    json!(photo_url)
                }
                "link" => match &link {
                    Some(l) => json!(l),
                    None => continue,
                },
                "shares" => json!({"count": (unit(mix(hv ^ 0x5)) * 30.0) as u64}),
                "message_tags" => json!([]),
                "privacy" => {
                    json!({"allow": "", "deny": "", "description": "Public", "friends": "", "value": "EVERYONE"})
                }
                "attachments" => {
                    if photo {
                        json!({"data": [{"media": {"image": {"height": 720, "src": photo_url, "width": 720}}, "media_type": "photo", "target": {"id": key.num(), "url": format!("https://www.facebook.com/photo/?fbid={}", key.num())}, "type": "photo", "url": format!("https://www.facebook.com/photo/?fbid={}", key.num())}]})
                    } else if let Some(l) = &link {
                        json!({"data": [{"description": "", "media_type": "link", "target": {"url": l}, "title": l, "type": "share", "url": l}]})
                    } else {
                        continue;
                    }
                }
                "comments" => self.comments_edge_inline(p, f)?,
                "reactions" | "likes" => self.reactions_inline(hv, f),
                other => return Err(self.err(100, None, &unknown_field(other, "Post"))),
            };
            m.insert(f.key().to_string(), v);
        }
        Ok(Value::Object(m))
    }

    fn last_comment_ts(&self, p: &PostView) -> Option<i64> {
        match p {
            PostView::Gen(g) if g.comments > 0 => {
                let mut lo = 0u32;
                let mut hi = g.comments;
                // Binary search the last visible comment (times increase with j).
                while lo < hi {
                    let mid = (lo + hi) / 2;
                    if self.w().fb_comment(g, mid).ts_ms <= self.now_ms {
                        lo = mid + 1;
                    } else {
                        hi = mid;
                    }
                }
                (lo > 0).then(|| self.w().fb_comment(g, lo - 1).ts_ms)
            }
            _ => None,
        }
    }

    fn reactions_inline(&self, hv: u64, f: &FieldSpec) -> Value {
        let typ = f.modifier("type").unwrap_or("ALL").to_ascii_uppercase();
        let total = (unit(mix(hv ^ 0x77)).powi(2) * 400.0) as u64;
        let n = match typ.as_str() {
            "LIKE" => total * 7 / 10,
            "LOVE" => total / 6,
            "WOW" | "HAHA" => total / 30,
            "SAD" => total / 20,
            "ANGRY" => total / 25,
            _ => total,
        };
        let mut summary = json!({"total_count": n});
        if typ == "ALL" {
            summary["viewer_reaction"] = json!("NONE");
        }
        json!({"data": [], "summary": summary})
    }

    fn comments_edge_inline(&self, p: &PostView, f: &FieldSpec) -> GResult<Value> {
        let filter = f.modifier("filter").unwrap_or("toplevel");
        let order = f.modifier("order").unwrap_or("chronological");
        let limit = f
            .modifier("limit")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(25)
            .min(100);
        let all = self.comments_of(p);
        let mut list: Vec<CommentView> = if filter == "stream" {
            all.clone()
        } else {
            all.iter()
                .filter(|c| self.comment_parent_id(c).is_none())
                .cloned()
                .collect()
        };
        if order == "reverse_chronological" {
            list.reverse();
        }
        let total = list.len();
        let fl = f
            .sub
            .clone()
            .unwrap_or_else(|| self.default_comment_fields());
        let data: GResult<Vec<Value>> = list
            .iter()
            .take(limit)
            .map(|c| self.comment_node(c, &all, &fl))
            .collect();
        let mut v = json!({"data": data?});
        if f.modifier("summary")
            .is_some_and(|s| s != "false" && s != "0")
        {
            v["summary"] = json!({"order": order, "total_count": total, "can_comment": true});
        }
        Ok(v)
    }

    fn default_comment_fields(&self) -> Vec<FieldSpec> {
        defaults(&["created_time", "from", "message", "id"])
    }

    fn comment_node(
        &self,
        c: &CommentView,
        all: &[CommentView],
        fields: &[FieldSpec],
    ) -> GResult<Value> {
        let w = self.w();
        let id = self.comment_id(c);
        let page = self.comment_page(c);
        let (ts, author, message) = match c {
            CommentView::Gen(g) => {
                let l = &w.langs[g.lang];
                let mut t = match g.author {
                    FbAuthor::Page(_) => l.official[g.sentence].text.to_string(),
                    FbAuthor::Public(_) => l.public[g.sentence].text.to_string(),
                };
                if let Some(e) = g.emoji {
                    t.push(' ');
                    t.push_str(crate::lexicon::EMOJI[e]);
                }
                (g.ts_ms, g.author, t)
            }
            CommentView::Stored(s) => (s.ts_ms, FbAuthor::Page(s.page), s.message.clone()),
        };
        let post = match c {
            CommentView::Gen(g) => g.post,
            CommentView::Stored(s) => s.post,
        };
        let parent = self.comment_parent_id(c);
        let own_page_token = self.tok == GTok::Page(page);
        let replies: Vec<&CommentView> = all
            .iter()
            .filter(|x| self.comment_parent_id(x).as_deref() == Some(id.as_str()))
            .collect();
        let hv = match c {
            CommentView::Gen(g) => g.hv,
            CommentView::Stored(s) => mix(s.ts_ms as u64),
        };
        let cnum = id.split_once('_').map(|x| x.1).unwrap_or("");
        let mut m = Map::new();
        for f in fields {
            let v = match f.name.as_str() {
                "id" => json!(id),
                "message" => json!(message),
                "created_time" => json!(graph_time(ts)),
                "from" => {
                    // Graph shows `from` only to the Page that owns the post.
                    if !own_page_token {
                        continue;
                    }
                    self.author_json(author)
                }
                "like_count" => json!((unit(mix(hv ^ 0x11)).powi(3) * 40.0) as u64),
                "comment_count" => json!(replies.len()),
                "permalink_url" => {
                    let pid = w.fb[page].id;
                    match &parent {
                        Some(par) => json!(format!(
                            "https://www.facebook.com/{pid}/posts/{}/?comment_id={}&reply_comment_id={cnum}",
                            post.num(),
                            par.split_once('_').map(|x| x.1).unwrap_or("")
                        )),
                        None => json!(format!("https://www.facebook.com/{pid}/posts/{}/?comment_id={cnum}", post.num())),
                    }
                }
                "parent" => match &parent {
                    Some(par) => match self.find_comment(par) {
                        Some((_, pc)) => {
                            let sub = f.sub.clone().unwrap_or_else(|| {
                                defaults(&["created_time", "from", "message", "id"])
                            });
                            self.comment_node(&pc, all, &sub)?
                        }
                        None => json!({"id": par}),
                    },
                    None => continue,
                },
                "is_hidden" => json!(self.s.fb_store.is_hidden(&id)),
                "can_hide" => json!(own_page_token && !matches!(author, FbAuthor::Page(_))),
                "can_remove" => json!(own_page_token),
                "can_reply_privately" => json!(
                    own_page_token && parent.is_none() && !matches!(author, FbAuthor::Page(_))
                ),
                "can_comment" => json!(true),
                "can_like" => json!(true),
                "user_likes" => json!(false),
                "message_tags" => json!([]),
                "object" => json!({"id": format!("{}_{}", w.fb[post.page].id, post.num())}),
                "attachment" => continue,
                "comments" => {
                    let limit = f
                        .modifier("limit")
                        .and_then(|v| v.parse::<usize>().ok())
                        .unwrap_or(25)
                        .min(100);
                    let sub = f
                        .sub
                        .clone()
                        .unwrap_or_else(|| self.default_comment_fields());
                    let data: GResult<Vec<Value>> = replies
                        .iter()
                        .take(limit)
                        .map(|r| self.comment_node(r, all, &sub))
                        .collect();
                    let mut v = json!({"data": data?});
                    if f.modifier("summary")
                        .is_some_and(|s| s != "false" && s != "0")
                    {
                        v["summary"] = json!({"order": "chronological", "total_count": replies.len(), "can_comment": true});
                    }
                    v
                }
                other => return Err(self.err(100, None, &unknown_field(other, "Comment"))),
            };
            m.insert(f.key().to_string(), v);
        }
        Ok(Value::Object(m))
    }

    fn conversation_node(&self, c: &GenConversation, fields: &[FieldSpec]) -> GResult<Value> {
        let w = self.w();
        let msgs = w.fb_messages_visible(c, self.now_ms);
        let last = msgs.last();
        let user = FbAuthor::Public(c.user);
        let page = FbAuthor::Page(c.key.page);
        let mut m = Map::new();
        for f in fields {
            let v = match f.name.as_str() {
                "id" => json!(c.key.id()),
                "link" => json!(format!(
                    "/{}/inbox/{}/",
                    w.fb[c.key.page].id,
                    100_000_000_000_000 + c.hv % 900_000_000_000_000
                )),
                "message_count" => json!(msgs.len()),
                "snippet" => json!(last
                    .map(|m| self
                        .message_text(c, m)
                        .chars()
                        .take(100)
                        .collect::<String>())
                    .unwrap_or_default()),
                "unread_count" => json!(msgs.iter().rev().take_while(|m| !m.from_page).count()),
                "updated_time" => json!(graph_time(last.map(|m| m.ts_ms).unwrap_or(c.key.ts_ms))),
                "participants" | "senders" => {
                    json!({"data": [self.author_with_email(user), self.author_with_email(page)]})
                }
                "former_participants" => json!({"data": []}),
                "can_reply" => json!(true),
                "is_subscribed" => json!(true),
                "messages" => {
                    let limit = f
                        .modifier("limit")
                        .and_then(|v| v.parse::<usize>().ok())
                        .unwrap_or(25)
                        .min(100);
                    let sub = f
                        .sub
                        .clone()
                        .unwrap_or_else(|| defaults(&["id", "created_time"]));
                    let data: GResult<Vec<Value>> = msgs
                        .iter()
                        .rev()
                        .take(limit)
                        .map(|mm| self.message_node(c, mm, &sub))
                        .collect();
                    let data = data?;
                    let mut v = json!({"data": data});
                    if msgs.len() > limit {
                        let after = encode_cursor(&[msgs[msgs.len() - limit].i as i64, 0, 0]);
                        v["paging"] = json!({"cursors": {"before": encode_cursor(&[msgs.last().map(|m| m.i as i64).unwrap_or(0) + 1, 0, 0]), "after": after}, "next": format!("{}/{}/messages?limit={limit}&after={after}", self.base, c.key.id())});
                    }
                    v
                }
                other => return Err(self.err(100, None, &unknown_field(other, "Conversation"))),
            };
            m.insert(f.key().to_string(), v);
        }
        Ok(Value::Object(m))
    }

    fn message_text(&self, c: &GenConversation, m: &GenMessage) -> String {
        let l = &self.w().langs[c.lang];
        if m.official {
            l.official[m.sentence].text.to_string()
        } else {
            l.public[m.sentence].text.to_string()
        }
    }

    fn message_node(
        &self,
        c: &GenConversation,
        msg: &GenMessage,
        fields: &[FieldSpec],
    ) -> GResult<Value> {
        let user = FbAuthor::Public(c.user);
        let page = FbAuthor::Page(c.key.page);
        let (from, to) = if msg.from_page {
            (page, user)
        } else {
            (user, page)
        };
        let mut m = Map::new();
        for f in fields {
            let v = match f.name.as_str() {
                "id" => json!(self.w().fb_message_id(msg)),
                "created_time" => json!(graph_time(msg.ts_ms)),
                "from" => self.author_with_email(from),
                "to" => json!({"data": [self.author_with_email(to)]}),
                "message" => json!(self.message_text(c, msg)),
                "tags" => {
                    json!({"data": [{"name": if msg.from_page {"source:web"} else {"inbox"}}, {"name": "source:mobile"}]})
                }
                "attachments" | "sticker" | "shares" => continue,
                "is_unsupported" => json!(false),
                other => return Err(self.err(100, None, &unknown_field(other, "Message"))),
            };
            m.insert(f.key().to_string(), v);
        }
        Ok(Value::Object(m))
    }

    /// Feed-like lists, newest first, with `lower < key < upper`. Returns (items, more?).
    fn feed_items(
        &self,
        page: usize,
        kinds: &[u8],
        upper: u128,
        lower: u128,
        limit: usize,
    ) -> GResult<(Vec<PostView>, bool)> {
        let now_key = PostKey {
            ts_ms: self.now_ms,
            kind: 255,
            page,
            seq: 0xffff,
        }
        .sort_key();
        let upper = upper.min(now_key);
        let w = self.w();
        let mut streams: Vec<Vec<PostView>> = Vec::new();
        for &k in kinds {
            match k {
                KIND_APP | KIND_PHOTO => {}
                _ => {
                    let mut v = Vec::new();
                    w.fb_posts_desc(page, k, upper, lower, limit + 1, &mut v);
                    streams.push(v.into_iter().map(PostView::Gen).collect());
                }
            }
        }
        if kinds.contains(&KIND_APP) {
            let stored: Vec<PostView> = self
                .s
                .fb_store
                .posts_desc(page, u128::MAX, lower, 100_000)
                .into_iter()
                .filter(|p| p.published && p.live_at_ms <= self.now_ms)
                .map(PostView::Stored)
                .filter(|p| p.key().sort_key() < upper)
                .take(limit + 1)
                .collect();
            streams.push(stored);
        }
        let mut all: Vec<PostView> = streams.into_iter().flatten().collect();
        all.retain(|p| !self.s.fb_store.is_deleted(&self.post_id(p)));
        all.sort_by_key(|p| std::cmp::Reverse(p.key().sort_key()));
        let more = all.len() > limit;
        all.truncate(limit);
        Ok((all, more))
    }
}

// --- cursors ------------------------------------------------------------------------------------

fn encode_cursor(parts: &[i64; 3]) -> String {
    let mut b = [0u8; 24];
    for (i, p) in parts.iter().enumerate() {
        b[i * 8..i * 8 + 8].copy_from_slice(&p.to_be_bytes());
    }
    URL_SAFE_NO_PAD.encode(b)
}

fn decode_cursor(s: &str) -> Option<[i64; 3]> {
    let raw = URL_SAFE_NO_PAD.decode(s).ok()?;
    if raw.len() != 24 {
        return None;
    }
    let mut out = [0i64; 3];
    for (i, o) in out.iter_mut().enumerate() {
        let mut b = [0u8; 8];
        b.copy_from_slice(&raw[i * 8..i * 8 + 8]);
        *o = i64::from_be_bytes(b);
    }
    Some(out)
}

fn key_to_cursor(k: u128) -> String {
    encode_cursor(&[(k >> 64) as i64, (k & 0xffff_ffff_ffff_ffff) as i64, 0])
}

fn cursor_to_key(s: &str) -> Option<u128> {
    let c = decode_cursor(s)?;
    Some(((c[0] as u64 as u128) << 64) | c[1] as u64 as u128)
}

/// `since`/`until`: Unix seconds or a date-time.
fn parse_graph_time(v: &str) -> Option<i64> {
    if let Ok(n) = v.parse::<i64>() {
        return Some(n * 1000);
    }
    chrono::DateTime::parse_from_rfc3339(v)
        .ok()
        .or_else(|| chrono::DateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S%z").ok())
        .map(|t| t.timestamp_millis())
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|d| d.and_utc().timestamp_millis())
        })
}

/// Builds `paging` for a list page.
fn paging(
    base_url: &str,
    params: &Params,
    before: Option<String>,
    after: Option<String>,
    next: bool,
    prev: bool,
) -> Value {
    let link = |k: &str, v: &str| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (n, val) in &params.list {
            if n != "after" && n != "before" && n != "__paging_token" {
                q.append_pair(n, val);
            }
        }
        q.append_pair(k, v);
        format!("{base_url}?{}", q.finish())
    };
    let mut pg = json!({"cursors": {"before": before.clone().unwrap_or_default(), "after": after.clone().unwrap_or_default()}});
    if next {
        if let Some(a) = &after {
            pg["next"] = json!(link("after", a));
        }
    }
    if prev {
        if let Some(b) = &before {
            pg["previous"] = json!(link("before", b));
        }
    }
    pg
}

/// Pages a fully materialised list by position cursors.
fn page_slice<T: Clone>(
    items: &[T],
    key: impl Fn(&T) -> String,
    params: &Params,
    limit: usize,
) -> (Vec<T>, Option<String>, Option<String>, bool, bool) {
    let start = match (params.get("after"), params.get("before")) {
        (Some(a), _) => items
            .iter()
            .position(|x| key(x) == a)
            .map(|i| i + 1)
            .unwrap_or(items.len()),
        (None, Some(b)) => {
            let end = items.iter().position(|x| key(x) == b).unwrap_or(0);
            end.saturating_sub(limit)
        }
        _ => 0,
    };
    let end = match (params.get("after"), params.get("before")) {
        (None, Some(b)) => items.iter().position(|x| key(x) == b).unwrap_or(0),
        _ => (start + limit).min(items.len()),
    };
    let slice: Vec<T> = items[start.min(end)..end].to_vec();
    let before = slice.first().map(&key);
    let after = slice.last().map(&key);
    (slice, before, after, end < items.len(), start > 0)
}

fn limit_of(p: &Params) -> usize {
    p.get("limit")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(25)
        .clamp(1, 100)
}

fn fields_of(c: &Ctx<'_>, p: &Params, dflt: &[&str]) -> GResult<Vec<FieldSpec>> {
    match p.get("fields") {
        Some(f) if !f.trim().is_empty() => {
            parse_fields(f).map_err(|e| c.err(100, None, &format!("(#100) {e}")))
        }
        _ => Ok(defaults(dflt)),
    }
}

fn truthy(v: Option<&str>) -> Option<bool> {
    v.map(|s| matches!(s, "1" | "true" | "True" | "TRUE"))
}

// --- dispatcher ---------------------------------------------------------------------------------

pub(crate) async fn dispatch(State(s): S, req: Request) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let segs: Vec<String> = path
        .trim_matches('/')
        .split('/')
        .map(str::to_string)
        .collect();
    let rest: Vec<String> = if segs.first().is_some_and(|v| is_graph_version(v)) {
        segs[1..].to_vec()
    } else {
        segs.clone()
    };
    let rs: Vec<&str> = rest.iter().map(String::as_str).collect();
    match (method.clone(), rs.as_slice()) {
        (Method::GET, ["dialog", "oauth"]) => {
            let q = axum::extract::RawQuery(req.uri().query().map(str::to_string));
            return crate::oauth::fb_dialog(State(s), q).await;
        }
        (Method::POST, ["dialog", "oauth"]) => {
            let body = axum::body::to_bytes(req.into_body(), 1 << 20)
                .await
                .unwrap_or_default();
            return crate::oauth::fb_dialog_decision(State(s), body).await;
        }
        (Method::GET, ["oauth", "access_token"]) => {
            let q = axum::extract::RawQuery(req.uri().query().map(str::to_string));
            return crate::oauth::fb_access_token(State(s), q).await;
        }
        _ => {}
    }
    let headers = req.headers().clone();
    let query = req.uri().query().map(str::to_string);
    let tok = match s.graph_auth(&headers, query.as_deref()) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let (_, params) = match read_params(req).await {
        Ok(v) => v,
        Err(e) => {
            return s.graph_error_response(
                100,
                None,
                &format!("(#100) Could not read the request body: {e}"),
                "OAuthException",
                None,
            )
        }
    };
    let version = if segs.first().is_some_and(|v| is_graph_version(v)) {
        segs[0].clone()
    } else {
        s.graph_version.clone()
    };
    let ctx = Ctx {
        s: &s,
        tok,
        now_ms: s.clock.virtual_now_ms(),
        base: format!("{}/{version}", s.base),
    };
    // Which Page the call concerns (for BUC accounting).
    let target_page = rs.first().and_then(|id| target_page_of(&ctx, id));
    let usage = match s.graph_rate(tok, target_page) {
        Ok(u) => u,
        Err(r) => return r,
    };
    let result = match (method, rs.as_slice()) {
        (Method::GET, ["me"]) => me(&ctx, &params),
        (Method::GET, ["me", "accounts"]) => me_accounts(&ctx, &params),
        (Method::GET, [id, "accounts"]) if *id == s.fb_user_id.to_string() => {
            me_accounts(&ctx, &params)
        }
        (Method::GET, [id]) => get_object(&ctx, id, &params),
        (Method::GET, [id, edge]) => get_edge(&ctx, id, edge, &params),
        (Method::POST, [id, "feed"]) => create_post(&ctx, id, &params, false),
        (Method::POST, [id, "photos"]) => create_post(&ctx, id, &params, true),
        (Method::POST, [id, "comments"]) => create_comment(&ctx, id, &params),
        (Method::POST, [id]) => update_object(&ctx, id, &params),
        (Method::DELETE, [id]) => delete_object(&ctx, id),
        _ => Err(ctx.err(
            2500,
            None,
            &format!("Unknown path components: /{}", rest.join("/")),
        )),
    };
    match result {
        Ok(v) => s.graph_ok(&v, &usage),
        Err(mut r) => {
            usage.apply(r.headers_mut());
            r
        }
    }
}

fn target_page_of(c: &Ctx<'_>, id: &str) -> Option<usize> {
    if let Ok(n) = id.parse::<u64>() {
        return c.w().fb_by_id.get(&n).copied();
    }
    if let Some(k) = ConvKey::parse(id) {
        return Some(k.page).filter(|p| *p < c.w().fb.len());
    }
    let (a, b) = id.split_once('_')?;
    let num = if PostKey::parse_num(a).is_some() {
        a
    } else {
        b
    };
    PostKey::parse_num(num)
        .map(|k| k.page)
        .filter(|p| *p < c.w().fb.len())
}

fn me(c: &Ctx<'_>, p: &Params) -> GResult<Value> {
    match c.tok {
        GTok::User => {
            let fields = fields_of(c, p, &["name", "id"])?;
            let mut m = Map::new();
            for f in &fields {
                let v = match f.name.as_str() {
                    "id" => json!(c.s.fb_user_id.to_string()),
                    "name" => json!("Sandbox Officer"),
                    "email" => json!("officer@veldoria.example"),
                    "accounts" => me_accounts(
                        c,
                        &Params {
                            list: vec![],
                            file: None,
                        },
                    )?,
                    other => return Err(c.err(100, None, &unknown_field(other, "User"))),
                };
                m.insert(f.key().to_string(), v);
            }
            Ok(Value::Object(m))
        }
        GTok::Page(pg) => {
            let fields = fields_of(c, p, &["name", "id"])?;
            c.page_node(pg, &fields)
        }
    }
}

fn me_accounts(c: &Ctx<'_>, p: &Params) -> GResult<Value> {
    if let GTok::Page(_) = c.tok {
        return Err(c.err(100, None, &unknown_field("accounts", "Page")));
    }
    let fields = fields_of(
        c,
        p,
        &[
            "access_token",
            "category",
            "category_list",
            "name",
            "id",
            "tasks",
        ],
    )?;
    let pages: Vec<usize> = (0..c.w().fb.len()).collect();
    let limit = limit_of(p);
    let (slice, before, after, next, prev) =
        page_slice(&pages, |i| encode_cursor(&[*i as i64, 0, 0]), p, limit);
    let data: GResult<Vec<Value>> = slice.iter().map(|&i| c.page_node(i, &fields)).collect();
    let mut v = json!({"data": data?});
    if !slice.is_empty() {
        v["paging"] = paging(
            &format!("{}/{}/accounts", c.base, c.s.fb_user_id),
            p,
            before,
            after,
            next,
            prev,
        );
    }
    if truthy(p.get("summary")) == Some(true) {
        v["summary"] = json!({"total_count": pages.len()});
    }
    Ok(v)
}

fn get_object(c: &Ctx<'_>, id: &str, p: &Params) -> GResult<Value> {
    let w = c.w();
    if let Ok(n) = id.parse::<u64>() {
        if let Some(&pg) = w.fb_by_id.get(&n) {
            if !c.can_see_page(pg) {
                // Other Pages' public fields are readable; tokens are not.
            }
            let fields = fields_of(c, p, &["name", "id"])?;
            return c.page_node(pg, &fields);
        }
        if n == c.s.fb_user_id {
            return me(c, p);
        }
        if let Some(i) = World::fb_public_index(n) {
            let _ = fields_of(c, p, &["name", "id"])?;
            return Ok(json!({"name": w.users[i].name, "id": id}));
        }
        return Err(c.no_object(id));
    }
    if let Some(k) = ConvKey::parse(id) {
        let conv = w
            .fb_conversation(k)
            .filter(|cv| cv.key.ts_ms <= c.now_ms)
            .ok_or_else(|| c.no_object(id))?;
        require_page_token(c, conv.key.page)?;
        let fields = fields_of(c, p, &["id", "link", "updated_time"])?;
        return c.conversation_node(&conv, &fields);
    }
    if id.starts_with("m_") {
        let (conv, msg) = w
            .fb_message_from_id(id)
            .filter(|(_, m)| m.ts_ms <= c.now_ms)
            .ok_or_else(|| c.no_object(id))?;
        require_page_token(c, conv.key.page)?;
        let fields = fields_of(c, p, &["id", "created_time"])?;
        return c.message_node(&conv, &msg, &fields);
    }
    if let Some(post) = c.find_post(id) {
        let fields = fields_of(c, p, &["created_time", "message", "id"])?;
        if !c.can_see_page(post.key().page) {
            return Err(c.no_object(id));
        }
        return c.post_node(&post, &fields);
    }
    if let Some((post, cm)) = c.find_comment(id) {
        if !c.can_see_page(post.key().page) {
            return Err(c.no_object(id));
        }
        let fields = fields_of(c, p, &["created_time", "from", "message", "id"])?;
        let all = c.comments_of(&post);
        return c.comment_node(&cm, &all, &fields);
    }
    Err(c.no_object(id))
}

fn require_page_token(c: &Ctx<'_>, page: usize) -> GResult<()> {
    match c.tok {
        GTok::Page(p) if p == page => Ok(()),
        GTok::Page(_) => Err(c.err(100, Some(33), &format!("Unsupported get request. Object with ID '{}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api", c.w().fb[page].id))),
        GTok::User => Err(c.err(210, None, "(#210) A page access token is required to request this resource.")),
    }
}

fn get_edge(c: &Ctx<'_>, id: &str, edge: &str, p: &Params) -> GResult<Value> {
    let w = c.w();
    let limit = limit_of(p);
    match edge {
        "feed" | "posts" | "tagged" => {
            let page = id
                .parse::<u64>()
                .ok()
                .and_then(|n| w.fb_by_id.get(&n).copied())
                .ok_or_else(|| c.no_object(id))?;
            if !c.can_see_page(page) {
                return Err(c.no_object(id));
            }
            let kinds: &[u8] = match edge {
                "feed" => &[KIND_OWN, KIND_VISITOR, KIND_TAGGED, KIND_APP],
                "posts" => &[KIND_OWN, KIND_APP],
                _ => &[KIND_TAGGED],
            };
            let fields = fields_of(c, p, &["created_time", "message", "id"])?;
            let mut upper = u128::MAX;
            let mut lower = 0u128;
            if let Some(u) = p.get("until").and_then(parse_graph_time) {
                upper = upper.min(
                    PostKey {
                        ts_ms: u + 1000,
                        kind: 0,
                        page,
                        seq: 0,
                    }
                    .sort_key(),
                );
            }
            if let Some(s) = p.get("since").and_then(parse_graph_time) {
                lower = lower.max(
                    PostKey {
                        ts_ms: s,
                        kind: 0,
                        page,
                        seq: 0,
                    }
                    .sort_key()
                    .saturating_sub(1),
                );
            }
            let after = p
                .get("after")
                .map(|a| {
                    cursor_to_key(a)
                        .ok_or_else(|| c.err(100, None, "(#100) The parameter after is invalid"))
                })
                .transpose()?;
            let before = p
                .get("before")
                .map(|b| {
                    cursor_to_key(b)
                        .ok_or_else(|| c.err(100, None, "(#100) The parameter before is invalid"))
                })
                .transpose()?;
            let (items, next) = if let Some(b) = before {
                let (all, _) = c.feed_items(page, kinds, upper, lower.max(b), 100_000)?;
                let skip = all.len().saturating_sub(limit);
                (all.into_iter().skip(skip).collect::<Vec<_>>(), true)
            } else {
                if let Some(a) = after {
                    upper = upper.min(a);
                }
                c.feed_items(page, kinds, upper, lower, limit)?
            };
            let data: GResult<Vec<Value>> = items.iter().map(|i| c.post_node(i, &fields)).collect();
            let mut v = json!({"data": data?});
            if !items.is_empty() {
                let bc = items.first().map(|i| key_to_cursor(i.key().sort_key()));
                let ac = items.last().map(|i| key_to_cursor(i.key().sort_key()));
                let prev = after.is_some() || before.is_some();
                v["paging"] = paging(&format!("{}/{id}/{edge}", c.base), p, bc, ac, next, prev);
            }
            Ok(v)
        }
        "conversations" => {
            let page = id
                .parse::<u64>()
                .ok()
                .and_then(|n| w.fb_by_id.get(&n).copied())
                .ok_or_else(|| c.no_object(id))?;
            require_page_token(c, page)?;
            let fields = fields_of(c, p, &["id", "link", "updated_time"])?;
            let mut convs: Vec<(i64, GenConversation)> = w
                .fb_conversations(page, c.now_ms)
                .into_iter()
                .map(|cv| {
                    let msgs = w.fb_messages_visible(&cv, c.now_ms);
                    (msgs.last().map(|m| m.ts_ms).unwrap_or(cv.key.ts_ms), cv)
                })
                .collect();
            convs.sort_by_key(|(u, cv)| std::cmp::Reverse((*u, cv.key.ts_ms, cv.key.n)));
            let key = |x: &(i64, GenConversation)| {
                encode_cursor(&[x.0, x.1.key.ts_ms, i64::from(x.1.key.n)])
            };
            let (slice, before, after, next, prev) = page_slice(&convs, key, p, limit);
            let data: GResult<Vec<Value>> = slice
                .iter()
                .map(|(_, cv)| c.conversation_node(cv, &fields))
                .collect();
            let mut v = json!({"data": data?});
            if !slice.is_empty() {
                v["paging"] = paging(
                    &format!("{}/{id}/conversations", c.base),
                    p,
                    before,
                    after,
                    next,
                    prev,
                );
            }
            Ok(v)
        }
        "messages" => {
            let k = ConvKey::parse(id).ok_or_else(|| c.no_object(id))?;
            let conv = w
                .fb_conversation(k)
                .filter(|cv| cv.key.ts_ms <= c.now_ms)
                .ok_or_else(|| c.no_object(id))?;
            require_page_token(c, conv.key.page)?;
            let fields = fields_of(c, p, &["id", "created_time"])?;
            let mut msgs = w.fb_messages_visible(&conv, c.now_ms);
            msgs.reverse();
            let key = |m: &GenMessage| encode_cursor(&[i64::from(m.i), 0, 0]);
            let (slice, before, after, next, prev) = page_slice(&msgs, key, p, limit);
            let data: GResult<Vec<Value>> = slice
                .iter()
                .map(|m| c.message_node(&conv, m, &fields))
                .collect();
            let mut v = json!({"data": data?});
            if !slice.is_empty() {
                v["paging"] = paging(
                    &format!("{}/{id}/messages", c.base),
                    p,
                    before,
                    after,
                    next,
                    prev,
                );
            }
            Ok(v)
        }
        "comments" => {
            let filter = p.get("filter").unwrap_or("toplevel");
            if filter != "toplevel" && filter != "stream" {
                return Err(c.err(
                    100,
                    None,
                    "(#100) filter must be one of the following values: toplevel, stream",
                ));
            }
            let order = p.get("order").unwrap_or("chronological");
            if order != "chronological" && order != "reverse_chronological" {
                return Err(c.err(100, None, "(#100) order must be one of the following values: chronological, reverse_chronological"));
            }
            let fields = fields_of(c, p, &["created_time", "from", "message", "id"])?;
            let (post, parent) = if let Some(post) = c.find_post(id) {
                (post, None)
            } else if let Some((post, cm)) = c.find_comment(id) {
                (post, Some(c.comment_id(&cm)))
            } else {
                return Err(c.no_object(id));
            };
            if !c.can_see_page(post.key().page) {
                return Err(c.no_object(id));
            }
            let all = c.comments_of(&post);
            let mut list: Vec<CommentView> = match (&parent, filter) {
                (Some(pid), _) => all
                    .iter()
                    .filter(|x| c.comment_parent_id(x).as_deref() == Some(pid.as_str()))
                    .cloned()
                    .collect(),
                (None, "stream") => all.clone(),
                (None, _) => all
                    .iter()
                    .filter(|x| c.comment_parent_id(x).is_none())
                    .cloned()
                    .collect(),
            };
            if order == "reverse_chronological" {
                list.reverse();
            }
            if let Some(since) = p.get("since").and_then(parse_graph_time) {
                list.retain(|x| c.comment_ts(x) >= since);
            }
            if let Some(until) = p.get("until").and_then(parse_graph_time) {
                list.retain(|x| c.comment_ts(x) <= until);
            }
            let total = list.len();
            let key = |x: &CommentView| {
                let cid = c.comment_id(x);
                encode_cursor(&[
                    c.comment_ts(x),
                    (h(0, &[cid.len() as u64])
                        ^ mix(cid
                            .bytes()
                            .fold(0u64, |a, b| a.wrapping_mul(131).wrapping_add(u64::from(b)))))
                        as i64,
                    0,
                ])
            };
            let (slice, before, after, next, prev) = page_slice(&list, key, p, limit);
            let data: GResult<Vec<Value>> = slice
                .iter()
                .map(|x| c.comment_node(x, &all, &fields))
                .collect();
            let mut v = json!({"data": data?});
            if !slice.is_empty() {
                v["paging"] = paging(
                    &format!("{}/{id}/comments", c.base),
                    p,
                    before,
                    after,
                    next,
                    prev,
                );
            }
            if truthy(p.get("summary")) == Some(true) {
                v["summary"] = json!({"order": order, "total_count": total, "can_comment": true});
            }
            Ok(v)
        }
        other => {
            let node = if id.parse::<u64>().is_ok() {
                "Page"
            } else {
                "Post"
            };
            Err(c.err(100, None, &unknown_field(other, node)))
        }
    }
}

// --- writes --------------------------------------------------------------------------------------

fn page_write_token(c: &Ctx<'_>, page: usize) -> GResult<()> {
    match c.tok {
        GTok::Page(p) if p == page => Ok(()),
        GTok::Page(_) => Err(c.no_object(&c.w().fb[page].id.to_string())),
        GTok::User => Err(c.err(200, None, "(#200) If posting to a page, requires both pages_read_engagement and pages_manage_posts as an admin with sufficient administrative permission")),
    }
}

fn create_post(c: &Ctx<'_>, id: &str, p: &Params, photo: bool) -> GResult<Value> {
    let w = c.w();
    let page = id
        .parse::<u64>()
        .ok()
        .and_then(|n| w.fb_by_id.get(&n).copied())
        .ok_or_else(|| c.no_object(id))?;
    page_write_token(c, page)?;
    let message = p
        .get("message")
        .or_else(|| p.get("caption"))
        .unwrap_or("")
        .to_string();
    let link = p.get("link").map(str::to_string);
    let photo_url = if photo {
        match (p.get("url"), &p.file) {
            (Some(u), _) => Some(u.to_string()),
            (None, Some(bytes)) => Some(format!(
                "{}/__sandbox/media/upload-{}.png",
                c.s.base,
                bytes.len()
            )),
            (None, None) => return Err(c.err(324, None, "(#324) Requires upload file")),
        }
    } else {
        None
    };
    if !photo && message.trim().is_empty() && link.is_none() {
        return Err(c.err(100, None, "(#100) Missing message or attachment"));
    }
    if message.chars().count() > 63_206 {
        return Err(c.err(100, None, "(#100) Message is too long"));
    }
    let published = truthy(p.get("published")).unwrap_or(true);
    let mut live_at = c.now_ms;
    if let Some(st) = p.get("scheduled_publish_time") {
        let Some(t) = parse_graph_time(st) else {
            return Err(c.err(
                100,
                None,
                "(#100) The specified scheduled publish time is invalid.",
            ));
        };
        if published {
            return Err(c.err(
                100,
                None,
                "(#100) You cannot specify a scheduled publish time on a published post",
            ));
        }
        if t < c.now_ms + 10 * 60_000 || t > c.now_ms + 183 * 86_400_000 {
            return Err(c.err(
                100,
                None,
                "(#100) The specified scheduled publish time is invalid.",
            ));
        }
        live_at = t;
    }
    // Duplicate status message.
    if !message.is_empty() {
        let Ok(mut last) = c.s.fb_store.last_message.lock() else {
            return Err(c.err(
                2,
                None,
                "An unexpected error has occurred. Please retry your request later.",
            ));
        };
        if last.get(&page).is_some_and(|m| *m == message) {
            return Err(c.err(506, Some(1455006), "(#506) Duplicate status message"));
        }
        last.insert(page, message.clone());
    }
    let seq = (c.s.fb_store.next_seq() % 1000) as u32;
    let key = PostKey {
        ts_ms: live_at,
        kind: if photo { KIND_PHOTO } else { KIND_APP },
        page,
        seq,
    };
    let num = key.num();
    c.s.fb_store.insert_post(StoredPost {
        key,
        message,
        link,
        photo_url,
        published: published || live_at > c.now_ms,
        live_at_ms: live_at,
    });
    let post_id = format!("{}_{num}", w.fb[page].id);
    if photo {
        Ok(json!({"id": num, "post_id": post_id}))
    } else {
        Ok(json!({"id": post_id}))
    }
}

fn create_comment(c: &Ctx<'_>, id: &str, p: &Params) -> GResult<Value> {
    let message = p.get("message").unwrap_or("").to_string();
    if message.trim().is_empty() && p.get("attachment_url").is_none() && p.file.is_none() {
        return Err(c.err(100, None, "(#100) Missing message or attachment"));
    }
    let (post, parent_comment) = if let Some(post) = c.find_post(id) {
        (post, None)
    } else if let Some((post, cm)) = c.find_comment(id) {
        // Graph threads one level deep: a reply to a reply joins its top-level comment.
        let cid = c.comment_id(&cm);
        let top = c.comment_parent_id(&cm).unwrap_or(cid);
        (post, Some(top))
    } else {
        return Err(c.no_object(id));
    };
    let page = post.key().page;
    page_write_token(c, page)?;
    let seq = c.s.fb_store.next_seq();
    let m = format!(
        "2{:06}{:010}",
        seq % 1_000_000,
        h(c.s.world.seed, &[0xC0, seq]) % 10_000_000_000
    );
    let cid = format!("{}_{m}", post.key().num());
    c.s.fb_store.add_comment(StoredComment {
        id: cid.clone(),
        post: post.key(),
        parent_comment,
        page,
        message,
        ts_ms: c.now_ms,
    });
    let mut v = json!({"id": cid});
    if let Some(f) = p.get("fields") {
        let fields = parse_fields(f).map_err(|e| c.err(100, None, &format!("(#100) {e}")))?;
        let all = c.comments_of(&post);
        if let Some((_, cm)) = c.find_comment(&cid) {
            v = c.comment_node(&cm, &all, &fields)?;
        }
    }
    Ok(v)
}

fn update_object(c: &Ctx<'_>, id: &str, p: &Params) -> GResult<Value> {
    if let Some((post, cm)) = c.find_comment(id) {
        page_write_token(c, post.key().page)?;
        if let Some(hidden) = truthy(p.get("is_hidden")) {
            if let CommentView::Stored(_) = cm {
                return Err(c.err(100, None, "(#100) A Page cannot hide its own comment"));
            }
            if let Ok(mut hmap) = c.s.fb_store.hidden.write() {
                hmap.insert(id.to_string(), hidden);
            }
            return Ok(json!({"success": true}));
        }
        if p.get("message").is_some() {
            return Ok(json!({"success": true}));
        }
        return Err(c.err(
            100,
            None,
            "(#100) Nothing to update: pass is_hidden or message",
        ));
    }
    if let Some(post) = c.find_post(id) {
        page_write_token(c, post.key().page)?;
        if let Some(hidden) = truthy(p.get("is_hidden")) {
            if let Ok(mut hmap) = c.s.fb_store.hidden.write() {
                hmap.insert(id.to_string(), hidden);
            }
        }
        return Ok(json!({"success": true}));
    }
    Err(c.no_object(id))
}

fn delete_object(c: &Ctx<'_>, id: &str) -> GResult<Value> {
    let page = if let Some(post) = c.find_post(id) {
        post.key().page
    } else if let Some((post, _)) = c.find_comment(id) {
        post.key().page
    } else {
        return Err(c.no_object(id));
    };
    page_write_token(c, page)?;
    if let Ok(mut d) = c.s.fb_store.deleted.write() {
        d.insert(id.to_string());
    }
    Ok(json!({"success": true}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_cursors() {
        assert_eq!(graph_time(1_795_989_600_000), "2026-11-29T22:00:00+0000");
        let k = PostKey {
            ts_ms: 1_795_989_600_000,
            kind: 2,
            page: 3,
            seq: 7,
        }
        .sort_key();
        assert_eq!(cursor_to_key(&key_to_cursor(k)), Some(k));
        assert_eq!(parse_graph_time("1700000000"), Some(1_700_000_000_000));
        assert!(parse_graph_time("2026-11-24T10:00:00+0000").is_some());
    }
}
