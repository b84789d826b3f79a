//! X API v2 handlers.

use std::cell::RefCell;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart, Path, RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use base64::Engine;
use chrono::DateTime;
use serde_json::{json, Value};

use crate::config::XNaming;
use crate::endpoint::Endpoint;
use crate::hash::mix;
use crate::json::{escape, JsonBuf};
use crate::ratelimit::RateState;
use crate::state::{request_token, Shared};
use crate::tokens::{has_scope, Claims, TokenError, TokenKind};
use crate::x_cache::{CachedPage, PageShape};
use crate::x_fields::{
    generic, invalid_request, not_found, problem_base, tf, Fields, ParamError, Primary,
};
use crate::x_render::{Includes, TweetRef};
use crate::x_store::{scan_entities, weighted_length, MediaUpload, StoredTweet, XStore};
use crate::xgen::{snowflake, snowflake_parts, GenHit, UserRef};

thread_local! {
    static BUF: RefCell<(JsonBuf, Includes, Vec<GenHit>)> =
        RefCell::new((JsonBuf::with_capacity(64 * 1024), Includes::default(), Vec::with_capacity(128)));
}

pub(crate) type S = State<Arc<Shared>>;

/// A post of a timeline page: ready, or a generated mention built only when rendered.
enum TlItem {
    Post(TweetRef),
    Mention(GenHit),
}

impl TlItem {
    fn id(&self) -> u64 {
        match self {
            TlItem::Post(p) => p.id(),
            TlItem::Mention(m) => m.0,
        }
    }
}

/// Who is calling.
#[derive(Clone, Copy)]
pub(crate) struct XAuth {
    pub(crate) claims: Claims,
    /// The user account for user tokens.
    pub(crate) user: Option<usize>,
}

pub(crate) fn problem_response(
    status: StatusCode,
    body: &Value,
    rate: Option<&RateHeaders>,
) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut r = Response::new(Body::from(bytes));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    if let Some(h) = rate {
        h.apply(r.headers_mut());
    }
    r
}

fn json_response(status: StatusCode, bytes: Bytes, rate: Option<&RateHeaders>) -> Response {
    let mut r = Response::new(Body::from(bytes));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    if let Some(h) = rate {
        h.apply(r.headers_mut());
    }
    r
}

/// Rate-limit headers for one response.
pub(crate) struct RateHeaders {
    pub(crate) main: RateState,
    pub(crate) app24: Option<RateState>,
}

impl RateHeaders {
    fn apply(&self, h: &mut HeaderMap) {
        let secs = |ms: i64| ((ms + 999) / 1000).to_string();
        let put = |h: &mut HeaderMap, k: &'static str, v: String| {
            if let Ok(v) = HeaderValue::from_str(&v) {
                h.insert(k, v);
            }
        };
        put(h, "x-rate-limit-limit", self.main.limit.to_string());
        put(h, "x-rate-limit-remaining", self.main.remaining.to_string());
        put(h, "x-rate-limit-reset", secs(self.main.reset_ms));
        if let Some(a) = &self.app24 {
            put(h, "x-app-limit-24hour-limit", a.limit.to_string());
            put(h, "x-app-limit-24hour-remaining", a.remaining.to_string());
            put(h, "x-app-limit-24hour-reset", secs(a.reset_ms));
        }
    }
}

/// (user limit, app limit, window in virtual minutes)
fn limits(ep: Endpoint) -> (u64, u64, i64) {
    match ep {
        Endpoint::XMentions => (300, 450, 15),
        Endpoint::XUserTweets => (900, 1500, 15),
        Endpoint::XTweetLookup => (900, 450, 15),
        Endpoint::XUsersMe => (75, 75, 15),
        Endpoint::XUserByUsername | Endpoint::XUserById => (900, 300, 15),
        Endpoint::XCreateTweet => (100, 100, 15),
        Endpoint::XDeleteTweet => (50, 50, 15),
        Endpoint::XMediaUpload => (500, 500, 15),
        _ => (1875, 1875, 15),
    }
}

impl Shared {
    pub(crate) fn unauthorized_x(&self) -> Response {
        problem_response(
            StatusCode::UNAUTHORIZED,
            &generic(401, "Unauthorized", "Unauthorized"),
            None,
        )
    }

    pub(crate) fn x_authenticate(&self, headers: &HeaderMap) -> Result<XAuth, Response> {
        let token = request_token(headers, None).ok_or_else(|| self.unauthorized_x())?;
        let claims = self
            .tokens
            .verify(&token, self.clock.real_now_ms())
            .map_err(|_: TokenError| self.unauthorized_x())?;
        match claims.kind {
            TokenKind::XUser => {
                let a = claims.account as usize;
                if a >= self.world.x.len() {
                    return Err(self.unauthorized_x());
                }
                Ok(XAuth {
                    claims,
                    user: Some(a),
                })
            }
            TokenKind::XApp => Ok(XAuth { claims, user: None }),
            _ => Err(self.unauthorized_x()),
        }
    }

    /// Counts the call; `Err` is the 429.
    pub(crate) fn x_rate(&self, ep: Endpoint, auth: &XAuth) -> Result<RateHeaders, Response> {
        let (user_limit, app_limit, minutes) = limits(ep);
        let window = self.clock.real_ms_for_virtual(minutes * 60_000);
        let now = self.clock.real_now_ms();
        let (bucket, subject, limit) = match auth.user {
            Some(a) => (ep as u32 * 2, a as u64, user_limit),
            None => (ep as u32 * 2 + 1, u64::MAX, app_limit),
        };
        let main = self.limits.hit(bucket, subject, limit, window, now);
        let mut app24 = None;
        if ep == Endpoint::XCreateTweet && !main.exceeded {
            let day = self.clock.real_ms_for_virtual(86_400_000);
            app24 = Some(self.limits.hit(9_001, 0, 10_000, day, now));
        }
        let h = RateHeaders { main, app24 };
        if main.exceeded || app24.is_some_and(|a| a.exceeded) {
            return Err(problem_response(
                StatusCode::TOO_MANY_REQUESTS,
                &generic(429, "Too Many Requests", "Too Many Requests"),
                Some(&h),
            ));
        }
        Ok(h)
    }

    /// The current window, without counting (for synthesised 429s).
    pub(crate) fn x_rate_peek(&self, ep: Endpoint, user: Option<usize>) -> RateHeaders {
        let (user_limit, app_limit, minutes) = limits(ep);
        let window = self.clock.real_ms_for_virtual(minutes * 60_000);
        let now = self.clock.real_now_ms();
        let (bucket, subject, limit) = match user {
            Some(a) => (ep as u32 * 2, a as u64, user_limit),
            None => (ep as u32 * 2 + 1, u64::MAX, app_limit),
        };
        let mut main = self.limits.peek(bucket, subject, limit, window, now);
        main.remaining = 0;
        RateHeaders { main, app24: None }
    }

    fn x_begin(&self, ep: Endpoint, headers: &HeaderMap) -> Result<(XAuth, RateHeaders), Response> {
        let auth = self.x_authenticate(headers)?;
        let rate = self.x_rate(ep, &auth)?;
        Ok((auth, rate))
    }

    fn bad_request(&self, errs: &[ParamError], rate: &RateHeaders) -> Response {
        problem_response(
            StatusCode::BAD_REQUEST,
            &invalid_request(self.naming, errs),
            Some(rate),
        )
    }
}

fn digits_ok(s: &str) -> bool {
    !s.is_empty() && s.len() <= 19 && s.bytes().all(|b| b.is_ascii_digit())
}

fn parse_id(param: &str, v: &str) -> Result<u64, ParamError> {
    if digits_ok(v) {
        if let Ok(n) = v.parse::<u64>() {
            return Ok(n);
        }
    }
    Err(ParamError::new(
        param,
        v,
        format!("The `{param}` query parameter value [{v}] does not match ^[0-9]{{1,19}}$"),
    ))
}

fn parse_time(param: &str, v: &str) -> Result<i64, ParamError> {
    match DateTime::parse_from_rfc3339(v) {
        Ok(t) if t.timestamp() >= 1_289_001_601 => Ok(t.timestamp_millis()),
        Ok(_) => Err(ParamError::new(
            param,
            v,
            format!("The `{param}` query parameter value [{v}] must be on or after 2010-11-06T00:00:01Z"),
        )),
        Err(_) => Err(ParamError::new(
            param,
            v,
            format!("The `{param}` query parameter value [{v}] is not a valid RFC3339 date-time"),
        )),
    }
}

// --- pagination tokens: base32hex of (direction, boundary id, check) -------------------------

const B32HEX: &[u8] = b"0123456789abcdefghijklmnopqrstuv";

fn token_check(seed: u64, dir: u8, id: u64) -> u8 {
    (crate::hash::h(seed, &[0x9A6, u64::from(dir), id]) & 0xff) as u8
}

pub(crate) fn encode_page_token(seed: u64, dir: u8, id: u64) -> String {
    let mut bytes = [0u8; 10];
    bytes[0] = dir;
    bytes[1..9].copy_from_slice(&id.to_be_bytes());
    bytes[9] = token_check(seed, dir, id);
    let mut out = String::with_capacity(16);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(B32HEX[((acc >> bits) & 31) as usize] as char);
        }
    }
    out
}

pub(crate) fn decode_page_token(seed: u64, s: &str) -> Option<(u8, u64)> {
    if s.len() != 16 {
        return None;
    }
    let mut bytes = Vec::with_capacity(10);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in s.bytes() {
        let v = B32HEX.iter().position(|&x| x == c.to_ascii_lowercase())? as u32;
        acc = (acc << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            bytes.push(((acc >> bits) & 0xff) as u8);
        }
    }
    let mut idb = [0u8; 8];
    idb.copy_from_slice(bytes.get(1..9)?);
    let id = u64::from_be_bytes(idb);
    let dir = bytes[0];
    (dir <= 1 && bytes.get(9) == Some(&token_check(seed, dir, id))).then_some((dir, id))
}

/// Parsed timeline query.
struct TimelineQuery {
    fields: Fields,
    max_results: usize,
    upper: u64,
    lower: u64,
    ts_floor: i64,
    /// `Some(true)` = previous-page token, `Some(false)` = next-page token.
    token_dir: Option<bool>,
}

const TIMELINE_PARAMS: &[&str] = &[
    "id",
    "since_id",
    "until_id",
    "max_results",
    "pagination_token",
    "start_time",
    "end_time",
    "expansions",
    "tweet.fields",
    "post.fields",
    "media.fields",
    "poll.fields",
    "user.fields",
    "place.fields",
    "exclude",
];

impl Shared {
    fn timeline_query(
        &self,
        q: Option<&str>,
        now_ms: i64,
        own: bool,
    ) -> Result<TimelineQuery, Vec<ParamError>> {
        let mut errs = Vec::new();
        let mut fields = Fields::default();
        let mut max_results = 10usize;
        let mut since = None;
        let mut until = None;
        let mut start = None;
        let mut end = None;
        let mut token = None;
        for (k, v) in url::form_urlencoded::parse(q.unwrap_or("").as_bytes()) {
            let (k, v) = (k.as_ref(), v.as_ref());
            match fields.take(Primary::Tweet, k, v) {
                Ok(true) => continue,
                Ok(false) => {}
                Err(e) => {
                    errs.push(e);
                    continue;
                }
            }
            let r = match k {
                "max_results" => match v.parse::<usize>() {
                    Ok(n) if (5..=100).contains(&n) => {
                        max_results = n;
                        Ok(())
                    }
                    _ => Err(ParamError::new(
                        k,
                        v,
                        format!("The `max_results` query parameter value [{v}] is not between 5 and 100"),
                    )),
                },
                "since_id" => parse_id(k, v).map(|x| since = Some(x)),
                "until_id" => parse_id(k, v).map(|x| until = Some(x)),
                "start_time" => parse_time(k, v).map(|x| start = Some(x)),
                "end_time" => parse_time(k, v).map(|x| end = Some(x)),
                "pagination_token" => match decode_page_token(self.world.seed, v) {
                    Some(t) => {
                        token = Some(t);
                        Ok(())
                    }
                    None => Err(ParamError::new(
                        k,
                        v,
                        format!("The `pagination_token` query parameter value [{v}] is not a valid pagination token"),
                    )),
                },
                "exclude" if own => {
                    if v.split(',').all(|x| matches!(x, "replies" | "retweets")) {
                        Ok(())
                    } else {
                        Err(ParamError::new(k, v, format!("The `exclude` query parameter value [{v}] is not one of [replies,retweets]")))
                    }
                }
                "id" => Ok(()),
                other => Err(ParamError::new(
                    other,
                    v,
                    format!(
                        "The query parameter [{other}] is not one of [{}]",
                        TIMELINE_PARAMS.iter().filter(|p| own || **p != "exclude").copied().collect::<Vec<_>>().join(",")
                    ),
                )),
            };
            if let Err(e) = r {
                errs.push(e);
            }
        }
        if let (Some(s), Some(u)) = (since, until) {
            if s >= u {
                errs.push(ParamError::new("since_id", &s.to_string(), "The `since_id` query parameter value must be less than the `until_id` query parameter value".into()));
            }
        }
        if let (Some(s), Some(e)) = (start, end) {
            if s >= e {
                errs.push(ParamError::new("start_time", &s.to_string(), "The `start_time` query parameter value must be before the `end_time` query parameter value".into()));
            }
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        let mut upper = snowflake(now_ms + 1, 0, 0);
        if let Some(u) = until {
            upper = upper.min(u);
        }
        if let Some(e) = end {
            upper = upper.min(snowflake(e, 0, 0));
        }
        let mut lower = since.unwrap_or(0);
        if let Some(s) = start {
            lower = lower.max(snowflake(s, 0, 0).saturating_sub(1));
        }
        let mut token_dir = None;
        if let Some((dir, id)) = token {
            if dir == 0 {
                upper = upper.min(id);
                token_dir = Some(false);
            } else {
                lower = lower.max(id);
                token_dir = Some(true);
            }
        }
        Ok(TimelineQuery {
            fields,
            max_results,
            upper,
            lower,
            ts_floor: start.unwrap_or(0),
            token_dir,
        })
    }

    /// Collects up to `limit` posts of a timeline in (lower, upper), newest first.
    fn collect_timeline(
        &self,
        a: usize,
        own: bool,
        tq: &TimelineQuery,
        limit: usize,
        gen: &mut Vec<GenHit>,
    ) -> Vec<TlItem> {
        let (upper, lower, ts_floor) = (tq.upper, tq.lower, tq.ts_floor);
        let w = &self.world;
        let index = if own {
            &self.x_store.by_author
        } else {
            &self.x_store.mentioning
        };
        let stored = XStore::range_desc(index, a, lower, upper, limit);
        let mut own_posts = Vec::new();
        gen.clear();
        if own {
            w.own_posts_desc(a, upper, lower, ts_floor, limit, &mut own_posts);
        } else {
            w.mentions_desc(a, upper, lower, ts_floor, limit, gen);
        }
        let mut out = Vec::with_capacity(limit);
        let (mut gi, mut si) = (0usize, 0usize);
        let gen_len = if own { own_posts.len() } else { gen.len() };
        let gen_id = |i: usize| if own { own_posts[i].id } else { gen[i].0 };
        while out.len() < limit && (gi < gen_len || si < stored.len()) {
            let take_gen = si >= stored.len() || (gi < gen_len && gen_id(gi) > stored[si]);
            let (id, t) = if take_gen {
                let i = gi;
                gi += 1;
                let id = gen_id(i);
                let t = if own {
                    TlItem::Post(TweetRef::Own(own_posts[i]))
                } else {
                    // Built only if its fragment is not cached; `mentions_desc` already kept
                    // only mentions at or after `ts_floor`.
                    TlItem::Mention(gen[i])
                };
                (id, Some(t))
            } else {
                let id = stored[si];
                si += 1;
                (
                    id,
                    self.x_store
                        .get(id)
                        .map(|t| TlItem::Post(TweetRef::Stored(t))),
                )
            };
            if self.x_store.is_deleted(id) {
                continue;
            }
            match t {
                Some(TlItem::Post(p)) if p.ts() < ts_floor => {}
                Some(t) => out.push(t),
                None => {}
            }
        }
        out
    }

    /// The page cache's key for a timeline page, if the page may be cached: not with post
    /// metrics (they move with the clock) nor with posts created through the API.
    fn page_cache_key(&self, shape: &PageShape, items: &[TlItem]) -> Option<u64> {
        if shape.fields.tweet & tf::PUBLIC_METRICS != 0
            || self.caches_off()
            || items
                .iter()
                .any(|t| matches!(t, TlItem::Post(TweetRef::Stored(_))))
        {
            return None;
        }
        let f = &shape.fields;
        let mut k = mix(u64::from(shape.account) << 8
            | u64::from(shape.own) << 4
            | u64::from(shape.more) << 2
            | match shape.token_dir {
                None => 0,
                Some(false) => 1,
                Some(true) => 2,
            });
        for v in [f.tweet, f.user, f.exp, f.media] {
            k = mix(k ^ u64::from(v));
        }
        for t in items {
            k = mix(k ^ t.id());
        }
        Some(k)
    }

    /// The cached body for exactly this page, unless a post it includes was deleted since.
    fn cached_page(&self, key: u64, shape: &PageShape, items: &[TlItem]) -> Option<Bytes> {
        self.page_cache
            .get(&key, |p| {
                let same = p.shape == *shape
                    && p.ids.len() == items.len()
                    && p.ids.iter().zip(items).all(|(&id, t)| id == t.id())
                    && !p.refs.iter().any(|&r| self.x_store.is_deleted(r));
                same.then(|| p.body.clone())
            })
            .flatten()
    }

    fn timeline(&self, ep: Endpoint, id: &str, q: Option<&str>, headers: &HeaderMap) -> Response {
        let (_auth, rate) = match self.x_begin(ep, headers) {
            Ok(v) => v,
            Err(r) => return r,
        };
        let own = ep == Endpoint::XUserTweets;
        let now_ms = self.clock.virtual_now_ms();
        let uid = match parse_id("id", id) {
            Ok(v) => v,
            Err(e) => return self.bad_request(&[e], &rate),
        };
        let tq = match self.timeline_query(q, now_ms, own) {
            Ok(t) => t,
            Err(errs) => return self.bad_request(&errs, &rate),
        };
        let Some(&a) = self.world.x_by_id.get(&uid) else {
            let body = if crate::world::World::x_public_index(uid).is_some() {
                json!({"meta": {"result_count": 0}})
            } else {
                json!({"errors": [not_found(self.naming, "user", "id", id, format!("Could not find user with id: [{id}]."))]})
            };
            return json_response(
                StatusCode::OK,
                Bytes::from(serde_json::to_vec(&body).unwrap_or_default()),
                Some(&rate),
            );
        };
        let seed = self.world.seed;
        let bytes = BUF.with(|cell| {
            let mut guard = cell.borrow_mut();
            let (j, inc, gen) = &mut *guard;
            j.clear();
            inc.clear();
            let items = if tq.token_dir == Some(true) {
                // Previous page: the `max_results` oldest items above the boundary.
                let all = self.collect_timeline(a, own, &tq, 100_000, gen);
                let skip = all.len().saturating_sub(tq.max_results);
                let mut v: Vec<TlItem> = all.into_iter().skip(skip).collect();
                v.truncate(tq.max_results);
                (v, false)
            } else {
                let mut v = self.collect_timeline(a, own, &tq, tq.max_results + 1, gen);
                let more = v.len() > tq.max_results;
                v.truncate(tq.max_results);
                (v, more)
            };
            let (items, more) = items;
            let more = more || (tq.token_dir == Some(true) && !items.is_empty());
            // A page already served with the same posts, fields and paging is served again.
            let shape = PageShape {
                account: a as u32,
                own,
                more,
                token_dir: tq.token_dir,
                fields: tq.fields,
            };
            let page_key = self.page_cache_key(&shape, &items);
            if let Some(key) = page_key {
                if let Some(body) = self.cached_page(key, &shape, &items) {
                    return body;
                }
            }
            j.begin_obj();
            if !items.is_empty() {
                j.key("data");
                j.begin_arr();
                for t in &items {
                    match t {
                        TlItem::Post(p) => self.write_tweet_cached(j, p, &tq.fields, inc),
                        &TlItem::Mention((id, b, n, count)) => {
                            self.write_generated_cached(j, id, &tq.fields, inc, || {
                                TweetRef::Gen(self.world.mention(a, b, n, count))
                            })
                        }
                    }
                }
                j.end_arr();
                self.write_includes(j, &tq.fields, inc, now_ms);
            }
            j.key("meta");
            j.begin_obj();
            if let (Some(first), Some(last)) = (items.first(), items.last()) {
                j.key("newest_id");
                j.id_str(first.id());
                j.key("oldest_id");
                j.id_str(last.id());
            }
            j.key("result_count");
            j.u64(items.len() as u64);
            if let Some(last) = items.last() {
                if more && tq.token_dir != Some(true) {
                    j.key("next_token");
                    j.raw_str(&encode_page_token(seed, 0, last.id()));
                }
                if tq.token_dir == Some(true) {
                    j.key("next_token");
                    j.raw_str(&encode_page_token(seed, 0, last.id()));
                }
            }
            if let (Some(first), Some(_)) = (items.first(), tq.token_dir) {
                j.key("previous_token");
                j.raw_str(&encode_page_token(seed, 1, first.id()));
            }
            j.end_obj();
            j.end_obj();
            // Hand the buffer over (no copy); keep a fresh one of the same size for next time.
            let cap = j.buf.capacity().max(4096);
            let body = Bytes::from(std::mem::replace(&mut j.buf, Vec::with_capacity(cap)));
            if let Some(key) = page_key {
                self.page_cache.insert(
                    key,
                    CachedPage {
                        shape,
                        ids: items.iter().map(TlItem::id).collect(),
                        refs: inc.tweets.clone().into_boxed_slice(),
                        body: body.clone(),
                    },
                );
            }
            body
        });
        json_response(StatusCode::OK, bytes, Some(&rate))
    }
}

pub(crate) async fn mentions(
    State(s): S,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    s.timeline(Endpoint::XMentions, &id, q.as_deref(), &headers)
}

pub(crate) async fn user_tweets(
    State(s): S,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    s.timeline(Endpoint::XUserTweets, &id, q.as_deref(), &headers)
}

// --- single post ------------------------------------------------------------------------------

fn object_fields(
    q: Option<&str>,
    primary: Primary,
    allowed: &[&str],
) -> Result<Fields, Vec<ParamError>> {
    let mut f = Fields::default();
    let mut errs = Vec::new();
    for (k, v) in url::form_urlencoded::parse(q.unwrap_or("").as_bytes()) {
        match f.take(primary, &k, &v) {
            Ok(true) => {}
            Ok(false) => {
                if !allowed.contains(&k.as_ref()) {
                    errs.push(ParamError::new(
                        &k,
                        &v,
                        format!(
                            "The query parameter [{k}] is not one of [{}]",
                            allowed.join(",")
                        ),
                    ));
                }
            }
            Err(e) => errs.push(e),
        }
    }
    if errs.is_empty() {
        Ok(f)
    } else {
        Err(errs)
    }
}

const OBJECT_PARAMS: &[&str] = &[
    "id",
    "username",
    "expansions",
    "tweet.fields",
    "post.fields",
    "media.fields",
    "poll.fields",
    "user.fields",
    "place.fields",
];

pub(crate) async fn tweet_lookup(
    State(s): S,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    let (_auth, rate) = match s.x_begin(Endpoint::XTweetLookup, &headers) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let tid = match parse_id("id", &id) {
        Ok(v) => v,
        Err(e) => return s.bad_request(&[e], &rate),
    };
    let f = match object_fields(q.as_deref(), Primary::Tweet, OBJECT_PARAMS) {
        Ok(f) => f,
        Err(errs) => return s.bad_request(&errs, &rate),
    };
    let now_ms = s.clock.virtual_now_ms();
    let mut j = JsonBuf::with_capacity(2048);
    let mut inc = Includes::default();
    j.begin_obj();
    match s.lookup_tweet(tid, now_ms) {
        Some(t) => {
            j.key("data");
            s.write_tweet(&mut j, &t, &f, &mut inc);
            s.write_includes(&mut j, &f, &mut inc, now_ms);
        }
        None => {
            j.key("errors");
            j.begin_arr();
            let v = not_found(
                s.naming,
                "tweet",
                "id",
                &id,
                format!("Could not find tweet with id: [{id}]."),
            );
            j.raw_value(&serde_json::to_vec(&v).unwrap_or_default());
            j.end_arr();
        }
    }
    j.end_obj();
    json_response(StatusCode::OK, Bytes::from(j.buf), Some(&rate))
}

// --- users ------------------------------------------------------------------------------------

impl Shared {
    fn user_response(
        &self,
        user: Option<UserRef>,
        f: &Fields,
        missing: Option<Value>,
        rate: &RateHeaders,
    ) -> Response {
        let mut j = JsonBuf::with_capacity(1024);
        j.begin_obj();
        if let Some(u) = user {
            j.key("data");
            self.write_user(&mut j, u, f.user);
        }
        if let Some(m) = missing {
            j.key("errors");
            j.begin_arr();
            j.raw_value(&serde_json::to_vec(&m).unwrap_or_default());
            j.end_arr();
        }
        j.end_obj();
        json_response(StatusCode::OK, Bytes::from(j.buf), Some(rate))
    }

    pub(crate) fn resolve_username(&self, name: &str) -> Option<UserRef> {
        let lower = name.to_ascii_lowercase();
        if let Some(&a) = self.world.x_by_username.get(&lower) {
            return Some(UserRef::Account(a));
        }
        self.world
            .users_by_username
            .get(&lower)
            .map(|&i| UserRef::Public(i))
    }
}

pub(crate) async fn users_me(State(s): S, RawQuery(q): RawQuery, headers: HeaderMap) -> Response {
    let auth = match s.x_authenticate(&headers) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let Some(a) = auth.user else {
        return problem_response(StatusCode::FORBIDDEN, &unsupported_auth(s.naming), None);
    };
    let rate = match s.x_rate(Endpoint::XUsersMe, &auth) {
        Ok(r) => r,
        Err(r) => return r,
    };
    match object_fields(q.as_deref(), Primary::User, OBJECT_PARAMS) {
        Ok(f) => s.user_response(Some(UserRef::Account(a)), &f, None, &rate),
        Err(errs) => s.bad_request(&errs, &rate),
    }
}

pub(crate) async fn user_by_username(
    State(s): S,
    Path(name): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    let (_auth, rate) = match s.x_begin(Endpoint::XUserByUsername, &headers) {
        Ok(v) => v,
        Err(r) => return r,
    };
    if name.is_empty()
        || name.len() > 15
        || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        let e = ParamError::new("username", &name, format!("The `username` query parameter value [{name}] does not match ^[A-Za-z0-9_]{{1,15}}$"));
        return s.bad_request(&[e], &rate);
    }
    let f = match object_fields(q.as_deref(), Primary::User, OBJECT_PARAMS) {
        Ok(f) => f,
        Err(errs) => return s.bad_request(&errs, &rate),
    };
    match s.resolve_username(&name) {
        Some(u) => s.user_response(Some(u), &f, None, &rate),
        None => {
            let m = not_found(
                s.naming,
                "user",
                "username",
                &name,
                format!("Could not find user with username: [{name}]."),
            );
            s.user_response(None, &f, Some(m), &rate)
        }
    }
}

pub(crate) async fn user_by_id(
    State(s): S,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    let (_auth, rate) = match s.x_begin(Endpoint::XUserById, &headers) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let uid = match parse_id("id", &id) {
        Ok(v) => v,
        Err(e) => return s.bad_request(&[e], &rate),
    };
    let f = match object_fields(q.as_deref(), Primary::User, OBJECT_PARAMS) {
        Ok(f) => f,
        Err(errs) => return s.bad_request(&errs, &rate),
    };
    let user = s
        .world
        .x_by_id
        .get(&uid)
        .map(|&a| UserRef::Account(a))
        .or_else(|| crate::world::World::x_public_index(uid).map(UserRef::Public));
    match user {
        Some(u) => s.user_response(Some(u), &f, None, &rate),
        None => {
            let m = not_found(
                s.naming,
                "user",
                "id",
                &id,
                format!("Could not find user with id: [{id}]."),
            );
            s.user_response(None, &f, Some(m), &rate)
        }
    }
}

pub(crate) fn unsupported_auth(naming: XNaming) -> Value {
    json!({
        "title": "Unsupported Authentication",
        "detail": "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].",
        "type": format!("{}unsupported-authentication", problem_base(naming)),
        "status": 403
    })
}

fn forbidden(detail: &str) -> Value {
    generic(403, "Forbidden", detail)
}

fn body_error(naming: XNaming, message: String) -> Value {
    json!({
        "errors": [{"message": message}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": format!("{}invalid-request", problem_base(naming)),
    })
}

// --- writes -----------------------------------------------------------------------------------

impl Shared {
    fn x_user_write(
        &self,
        ep: Endpoint,
        headers: &HeaderMap,
        scope: &str,
    ) -> Result<(usize, XAuth, RateHeaders), Response> {
        let auth = self.x_authenticate(headers)?;
        let Some(a) = auth.user else {
            return Err(problem_response(
                StatusCode::FORBIDDEN,
                &unsupported_auth(self.naming),
                None,
            ));
        };
        let rate = self.x_rate(ep, &auth)?;
        if !has_scope(auth.claims.scopes, scope) {
            return Err(problem_response(
                StatusCode::FORBIDDEN,
                &forbidden(&format!(
                    "Your token does not include the `{scope}` scope needed for this endpoint."
                )),
                Some(&rate),
            ));
        }
        Ok((a, auth, rate))
    }

    /// Was account `a` summoned by the post it replies to (mentioned, quoted, or its own post)?
    fn summoned(&self, a: usize, parent: &TweetRef) -> bool {
        match parent {
            TweetRef::Gen(m) => m.account == a || m.other == Some(a),
            TweetRef::Own(o) => o.account == a,
            TweetRef::Stored(st) => {
                st.account == a
                    || st
                        .entities
                        .iter()
                        .any(|e| e.kind == crate::x_store::EntityKind::Mention(UserRef::Account(a)))
                    || st.quote.is_some_and(|q| {
                        let (_, worker, _) = snowflake_parts(q);
                        worker >> 9 == 1 && (worker & 0x1ff) as usize == a
                    })
            }
        }
    }
}

const CREATE_KEYS: &[&str] = &[
    "text",
    "reply",
    "quote_tweet_id",
    "media",
    "poll",
    "reply_settings",
    "for_super_followers_only",
    "geo",
    "nullcast",
    "direct_message_deep_link",
    "card_uri",
    "community_id",
    "edit_options",
    "made_with_ai",
    "paid_partnership",
    "share_with_followers",
];

pub(crate) async fn create_tweet(State(s): S, headers: HeaderMap, body: Bytes) -> Response {
    let (a, _auth, rate) = match s.x_user_write(Endpoint::XCreateTweet, &headers, "tweet.write") {
        Ok(v) => v,
        Err(r) => return r,
    };
    let bad = |m: String| {
        problem_response(
            StatusCode::BAD_REQUEST,
            &body_error(s.naming, m),
            Some(&rate),
        )
    };
    let v: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return bad(format!("Request body is not valid JSON: {e}")),
    };
    let Some(obj) = v.as_object() else {
        return bad("Request body must be a JSON object".into());
    };
    if let Some(k) = obj.keys().find(|k| !CREATE_KEYS.contains(&k.as_str())) {
        return bad(format!("$.{k}: is not defined in the schema and the schema does not allow additional properties"));
    }
    let text = obj
        .get("text")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let media_ids: Vec<u64> = match obj.get("media") {
        Some(m) => match m.get("media_ids").and_then(Value::as_array) {
            Some(ids) if !ids.is_empty() && ids.len() <= 4 => {
                let mut out = Vec::new();
                for id in ids {
                    match id.as_str().and_then(|x| x.parse::<u64>().ok()) {
                        Some(n) => out.push(n),
                        None => {
                            return bad("$.media.media_ids: each id must be a numeric string".into())
                        }
                    }
                }
                out
            }
            _ => return bad("$.media.media_ids: between 1 and 4 ids are required".into()),
        },
        None => Vec::new(),
    };
    if text.trim().is_empty() && media_ids.is_empty() {
        return bad("$.text: is required unless media is attached".into());
    }
    let now_ms = s.clock.virtual_now_ms();
    // Reply and quote targets.
    let mut reply_to = None;
    let mut conv = None;
    if let Some(r) = obj.get("reply") {
        let Some(pid) = r.get("in_reply_to_tweet_id").and_then(Value::as_str) else {
            return bad("$.reply.in_reply_to_tweet_id: is required".into());
        };
        let Ok(pid) = pid.parse::<u64>() else {
            return bad("$.reply.in_reply_to_tweet_id: must be a numeric string".into());
        };
        let Some(parent) = s.lookup_tweet(pid, now_ms) else {
            return problem_response(
                StatusCode::FORBIDDEN,
                &forbidden(
                    "You attempted to reply to a Tweet that is deleted or not visible to you.",
                ),
                Some(&rate),
            );
        };
        if !s.summoned(a, &parent) {
            return problem_response(
                StatusCode::FORBIDDEN,
                &forbidden("Reply to this conversation is not allowed because you have not been mentioned or otherwise engaged by the author of the post you are replying to."),
                Some(&rate),
            );
        }
        reply_to = Some((pid, parent.author()));
        conv = Some(parent.conversation());
    }
    let quote = match obj.get("quote_tweet_id") {
        Some(q) => match q.as_str().and_then(|x| x.parse::<u64>().ok()) {
            Some(qid) if s.lookup_tweet(qid, now_ms).is_some() => Some(qid),
            Some(_) => {
                return problem_response(
                    StatusCode::FORBIDDEN,
                    &forbidden(
                        "You attempted to quote a Tweet that is deleted or not visible to you.",
                    ),
                    Some(&rate),
                )
            }
            None => return bad("$.quote_tweet_id: must be a numeric string".into()),
        },
        None => None,
    };
    let mut media_keys = Vec::new();
    if !media_ids.is_empty() {
        let Ok(m) = s.x_store.media.lock() else {
            return bad("media store unavailable".into());
        };
        for id in &media_ids {
            match m.get(id) {
                Some(up) if up.finalized => media_keys.push(up.key()),
                _ => return bad("Your media IDs are invalid.".into()),
            }
        }
    }
    let entities = scan_entities(&text, |u| s.resolve_username(u));
    if weighted_length(&text, &entities) > 280 {
        return problem_response(
            StatusCode::FORBIDDEN,
            &forbidden("Your Tweet text is too long. For more information on how X determines text length see https://github.com/twitter/twitter-text."),
            Some(&rate),
        );
    }
    // Duplicate content from the same account.
    let norm: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    let text_hash = crate::hash::h(0, &[norm.len() as u64]) ^ {
        use sha2::Digest;
        let d = sha2::Sha256::digest(norm.as_bytes());
        u64::from_le_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
    };
    if !norm.is_empty() {
        let Ok(mut texts) = s.x_store.texts.lock() else {
            return bad("store unavailable".into());
        };
        if !texts.entry(a).or_default().insert(text_hash) {
            return problem_response(
                StatusCode::FORBIDDEN,
                &forbidden("You are not allowed to create a Tweet with duplicate content."),
                Some(&rate),
            );
        }
    }
    let seq = match s.x_store.post_seq.lock() {
        Ok(mut g) => {
            *g += 1;
            *g
        }
        Err(_) => 0,
    };
    let id = snowflake(now_ms, 0x200 | (a as u64 & 0x1ff), 2048 + (seq % 2048));
    let stored = StoredTweet {
        id,
        account: a,
        text_esc: escape(&text),
        ts_ms: now_ms,
        reply_to,
        conv: conv.unwrap_or(id),
        quote,
        media_keys,
        lang: s.world.x[a].lang,
        entities,
    };
    s.x_store.insert(stored);
    let edit_key = match s.naming {
        XNaming::Classic => "edit_history_tweet_ids",
        XNaming::Current => "edit_history_post_ids",
    };
    let body = json!({"data": {"id": id.to_string(), "text": text, edit_key: [id.to_string()]}});
    json_response(
        StatusCode::CREATED,
        Bytes::from(serde_json::to_vec(&body).unwrap_or_default()),
        Some(&rate),
    )
}

pub(crate) async fn delete_tweet(
    State(s): S,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (a, _auth, rate) = match s.x_user_write(Endpoint::XDeleteTweet, &headers, "tweet.write") {
        Ok(v) => v,
        Err(r) => return r,
    };
    let tid = match parse_id("id", &id) {
        Ok(v) => v,
        Err(e) => return s.bad_request(&[e], &rate),
    };
    let now_ms = s.clock.virtual_now_ms();
    let deleted = match s.lookup_tweet(tid, now_ms) {
        Some(t) => {
            if t.author() != UserRef::Account(a) {
                return problem_response(
                    StatusCode::FORBIDDEN,
                    &forbidden("You are not authorized to delete this Tweet."),
                    Some(&rate),
                );
            }
            s.x_store.mark_deleted(tid);
            true
        }
        None => false,
    };
    let body = json!({"data": {"deleted": deleted}});
    json_response(
        StatusCode::OK,
        Bytes::from(serde_json::to_vec(&body).unwrap_or_default()),
        Some(&rate),
    )
}

// --- media ------------------------------------------------------------------------------------

fn max_bytes(media_type: &str, category: &str) -> u64 {
    if media_type.starts_with("video") || category.contains("video") {
        512 * 1024 * 1024
    } else if media_type == "image/gif" || category.contains("gif") {
        15 * 1024 * 1024
    } else {
        5 * 1024 * 1024
    }
}

/// Reads a media body: multipart (`media` file + text fields) or JSON (`media` base64).
async fn media_body(req: Request) -> Result<(Vec<(String, String)>, Option<Vec<u8>>), String> {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    if ct.starts_with("multipart/form-data") {
        let mut mp = Multipart::from_request(req, &())
            .await
            .map_err(|e| e.to_string())?;
        let mut fields = Vec::new();
        let mut data = None;
        while let Some(field) = mp.next_field().await.map_err(|e| e.to_string())? {
            let name = field.name().unwrap_or("").to_string();
            let bytes = field.bytes().await.map_err(|e| e.to_string())?;
            if name == "media" {
                data = Some(bytes.to_vec());
            } else if name == "media_data" {
                data = Some(
                    base64::engine::general_purpose::STANDARD
                        .decode(bytes.as_ref())
                        .map_err(|_| "media_data is not base64".to_string())?,
                );
            } else {
                fields.push((name, String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
        Ok((fields, data))
    } else {
        let bytes = axum::body::to_bytes(req.into_body(), 600 * 1024 * 1024)
            .await
            .map_err(|e| e.to_string())?;
        if bytes.is_empty() {
            return Ok((Vec::new(), None));
        }
        let v: Value = serde_json::from_slice(&bytes)
            .map_err(|e| format!("Request body is not valid JSON: {e}"))?;
        let mut fields = Vec::new();
        let mut data = None;
        if let Some(obj) = v.as_object() {
            for (k, val) in obj {
                if k == "media" {
                    let s = val.as_str().ok_or("media must be a base64 string")?;
                    data = Some(
                        base64::engine::general_purpose::STANDARD
                            .decode(s.as_bytes())
                            .map_err(|_| "media is not base64".to_string())?,
                    );
                } else {
                    let sv = match val {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    fields.push((k.clone(), sv));
                }
            }
        }
        Ok((fields, data))
    }
}

fn field<'a>(fields: &'a [(String, String)], k: &str) -> Option<&'a str> {
    fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

impl Shared {
    fn media_json(&self, m: &MediaUpload) -> Value {
        let mut data = json!({
            "id": m.id.to_string(),
            "media_key": m.key(),
            "size": m.received,
            "expires_after_secs": ((m.expires_ms - self.clock.real_now_ms()) / 1000).max(0),
        });
        if m.kind() == "video" && m.finalized {
            data["processing_info"] = json!({"state": "succeeded", "progress_percent": 100});
        }
        json!({ "data": data })
    }

    fn new_media(&self, owner: usize, media_type: String, total: u64) -> MediaUpload {
        let now = self.clock.virtual_now_ms();
        let seq = self.next_counter();
        MediaUpload {
            id: snowflake(now, 0x3ff, seq & 0xfff),
            owner,
            media_type,
            total_bytes: total,
            received: 0,
            segments: 0,
            finalized: false,
            expires_ms: self.clock.real_now_ms() + self.clock.real_ms_for_virtual(86_400_000),
        }
    }
}

pub(crate) async fn media_upload(State(s): S, req: Request) -> Response {
    let headers = req.headers().clone();
    let (a, _auth, rate) = match s.x_user_write(Endpoint::XMediaUpload, &headers, "media.write") {
        Ok(v) => v,
        Err(r) => return r,
    };
    let bad = |m: String| {
        problem_response(
            StatusCode::BAD_REQUEST,
            &body_error(s.naming, m),
            Some(&rate),
        )
    };
    let (fields, data) = match media_body(req).await {
        Ok(v) => v,
        Err(e) => return bad(e),
    };
    let Some(data) = data else {
        return bad("$.media: is required".into());
    };
    let Some(category) = field(&fields, "media_category") else {
        return bad("$.media_category: is required".into());
    };
    let media_type = field(&fields, "media_type")
        .unwrap_or(sniff_type(&data))
        .to_string();
    if data.len() as u64 > max_bytes(&media_type, category) {
        return bad(format!(
            "File size exceeds {} bytes.",
            max_bytes(&media_type, category)
        ));
    }
    let mut m = s.new_media(a, media_type, data.len() as u64);
    m.received = data.len() as u64;
    m.segments = 1;
    m.finalized = true;
    let body = s.media_json(&m);
    if let Ok(mut store) = s.x_store.media.lock() {
        store.insert(m.id, m);
    }
    json_response(
        StatusCode::OK,
        Bytes::from(serde_json::to_vec(&body).unwrap_or_default()),
        Some(&rate),
    )
}

fn sniff_type(data: &[u8]) -> &'static str {
    if data.starts_with(b"\x89PNG") {
        "image/png"
    } else if data.starts_with(b"GIF8") {
        "image/gif"
    } else if data.len() > 8 && &data[4..8] == b"ftyp" {
        "video/mp4"
    } else {
        "image/jpeg"
    }
}

pub(crate) async fn media_initialize(State(s): S, req: Request) -> Response {
    let headers = req.headers().clone();
    let (a, _auth, rate) = match s.x_user_write(Endpoint::XMediaInitialize, &headers, "media.write")
    {
        Ok(v) => v,
        Err(r) => return r,
    };
    let bad = |m: String| {
        problem_response(
            StatusCode::BAD_REQUEST,
            &body_error(s.naming, m),
            Some(&rate),
        )
    };
    let (fields, _) = match media_body(req).await {
        Ok(v) => v,
        Err(e) => return bad(e),
    };
    let Some(total) = field(&fields, "total_bytes").and_then(|v| v.parse::<u64>().ok()) else {
        return bad("$.total_bytes: is required".into());
    };
    let Some(media_type) = field(&fields, "media_type") else {
        return bad("$.media_type: is required".into());
    };
    let category = field(&fields, "media_category").unwrap_or("tweet_image");
    if total > max_bytes(media_type, category) {
        return bad(format!(
            "total_bytes exceeds {} bytes.",
            max_bytes(media_type, category)
        ));
    }
    let m = s.new_media(a, media_type.to_string(), total);
    let body = json!({"data": {"id": m.id.to_string(), "media_key": m.key(), "expires_after_secs": ((m.expires_ms - s.clock.real_now_ms()) / 1000).max(0)}});
    if let Ok(mut store) = s.x_store.media.lock() {
        store.insert(m.id, m);
    }
    json_response(
        StatusCode::OK,
        Bytes::from(serde_json::to_vec(&body).unwrap_or_default()),
        Some(&rate),
    )
}

pub(crate) async fn media_append(State(s): S, Path(id): Path<String>, req: Request) -> Response {
    let headers = req.headers().clone();
    let (a, _auth, rate) = match s.x_user_write(Endpoint::XMediaAppend, &headers, "media.write") {
        Ok(v) => v,
        Err(r) => return r,
    };
    let bad = |m: String| {
        problem_response(
            StatusCode::BAD_REQUEST,
            &body_error(s.naming, m),
            Some(&rate),
        )
    };
    let Ok(mid) = id.parse::<u64>() else {
        return bad(format!("The `id` value [{id}] is not a media id"));
    };
    let (fields, data) = match media_body(req).await {
        Ok(v) => v,
        Err(e) => return bad(e),
    };
    let Some(seg) = field(&fields, "segment_index").and_then(|v| v.parse::<u32>().ok()) else {
        return bad("$.segment_index: is required".into());
    };
    let Some(data) = data else {
        return bad("$.media: is required".into());
    };
    let Ok(mut store) = s.x_store.media.lock() else {
        return bad("media store unavailable".into());
    };
    let Some(m) = store.get_mut(&mid).filter(|m| m.owner == a && !m.finalized) else {
        return bad(format!(
            "Media id [{id}] is not an open upload of this account"
        ));
    };
    if seg > 999 {
        return bad("$.segment_index: must be between 0 and 999".into());
    }
    m.received += data.len() as u64;
    m.segments += 1;
    if m.received > m.total_bytes {
        return bad("More bytes were appended than total_bytes".into());
    }
    let body = json!({"data": {"expires_at": m.expires_ms / 1000}});
    json_response(
        StatusCode::OK,
        Bytes::from(serde_json::to_vec(&body).unwrap_or_default()),
        Some(&rate),
    )
}

pub(crate) async fn media_finalize(
    State(s): S,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (a, _auth, rate) = match s.x_user_write(Endpoint::XMediaFinalize, &headers, "media.write") {
        Ok(v) => v,
        Err(r) => return r,
    };
    let bad = |m: String| {
        problem_response(
            StatusCode::BAD_REQUEST,
            &body_error(s.naming, m),
            Some(&rate),
        )
    };
    let Ok(mid) = id.parse::<u64>() else {
        return bad(format!("The `id` value [{id}] is not a media id"));
    };
    let body = {
        let Ok(mut store) = s.x_store.media.lock() else {
            return bad("media store unavailable".into());
        };
        let Some(m) = store.get_mut(&mid).filter(|m| m.owner == a) else {
            return bad(format!("Media id [{id}] is not an upload of this account"));
        };
        if m.received != m.total_bytes {
            return bad(format!(
                "Received {} of {} bytes; append the rest before finalize",
                m.received, m.total_bytes
            ));
        }
        m.finalized = true;
        let m = m.clone();
        s.media_json(&m)
    };
    json_response(
        StatusCode::OK,
        Bytes::from(serde_json::to_vec(&body).unwrap_or_default()),
        Some(&rate),
    )
}

pub(crate) async fn media_status(
    State(s): S,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    let (_auth, rate) = match s.x_begin(Endpoint::XMediaStatus, &headers) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let mid = url::form_urlencoded::parse(q.as_deref().unwrap_or("").as_bytes())
        .find(|(k, _)| k == "media_id")
        .and_then(|(_, v)| v.parse::<u64>().ok());
    let found = mid.and_then(|id| {
        s.x_store
            .media
            .lock()
            .ok()
            .and_then(|m| m.get(&id).cloned())
    });
    match found {
        Some(m) => {
            let mut body = s.media_json(&m);
            body["data"]["processing_info"] = json!({"state": if m.finalized {"succeeded"} else {"pending"}, "progress_percent": if m.finalized {100} else {0}});
            json_response(
                StatusCode::OK,
                Bytes::from(serde_json::to_vec(&body).unwrap_or_default()),
                Some(&rate),
            )
        }
        None => {
            let v = mid.map(|m| m.to_string()).unwrap_or_default();
            let e = ParamError::new(
                "media_id",
                &v,
                format!("The `media_id` query parameter value [{v}] is not a known upload"),
            );
            s.bad_request(&[e], &rate)
        }
    }
}

pub(crate) async fn not_found_x() -> Response {
    problem_response(
        StatusCode::NOT_FOUND,
        &generic(404, "Not Found Error", "Sorry, that page does not exist."),
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_round_trip() {
        for (dir, id) in [(0u8, 1_999_999_999_999_999_999u64), (1, 5)] {
            let t = encode_page_token(9, dir, id);
            assert_eq!(t.len(), 16);
            assert_eq!(decode_page_token(9, &t), Some((dir, id)));
            assert_eq!(decode_page_token(8, &t), None);
        }
        assert_eq!(decode_page_token(9, "zzzz"), None);
    }

    use std::sync::atomic::Ordering;

    use crate::{Credentials, Network, Sandbox, SandboxConfig};

    async fn body_of(r: Response) -> (StatusCode, String) {
        let status = r.status();
        let b = axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, String::from_utf8(b.to_vec()).unwrap())
    }

    /// The same request with the render caches bypassed (the reference), then twice through
    /// them (fragments rendered, then the page served again): the three bodies are identical.
    async fn same_with_and_without_caches(
        s: &Shared,
        ep: Endpoint,
        id: &str,
        q: &str,
        h: &HeaderMap,
    ) -> String {
        s.caches_off.store(true, Ordering::Relaxed);
        let (st, fresh) = body_of(s.timeline(ep, id, Some(q), h)).await;
        s.caches_off.store(false, Ordering::Relaxed);
        assert_eq!(st, StatusCode::OK, "{fresh}");
        for round in 0..2 {
            let (_, cached) = body_of(s.timeline(ep, id, Some(q), h)).await;
            assert_eq!(cached, fresh, "round {round} of {q}");
        }
        fresh
    }

    #[tokio::test]
    async fn cached_pages_equal_fresh_ones_and_deletions_show() {
        let sb = Sandbox::start(
            SandboxConfig::default()
                .seed(11)
                .x_accounts(4)
                .fb_pages(1)
                .rate_limits(false),
            "127.0.0.1:0".parse().unwrap(),
        )
        .await
        .unwrap();
        let s = sb.shared.clone();
        let (uid, token) = sb
            .manifest()
            .accounts
            .iter()
            .filter(|a| a.network == Network::X)
            .find_map(|a| match &a.credentials {
                Credentials::XUser { access_token, .. } => {
                    Some((a.id.clone(), access_token.clone()))
                }
                _ => None,
            })
            .unwrap();
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
        );
        // A fixed upper bound in the past: the pages do not move while the test runs.
        let until = snowflake(s.clock.virtual_now_ms() - 3_600_000, 0, 0);
        let sync = "tweet.fields=id,text,author_id,created_at,conversation_id,in_reply_to_user_id,lang,referenced_tweets,entities,edit_history_tweet_ids&expansions=author_id,referenced_tweets.id,in_reply_to_user_id&user.fields=id,name,username,profile_image_url,verified,protected";
        let field_sets = [
            String::new(),
            sync.to_string(),
            // (Not post `public_metrics`: they move with the clock between two requests, and
            // are never cached.)
            "tweet.fields=edit_controls,possibly_sensitive,reply_settings,attachments&expansions=entities.mentions.username,referenced_tweets.id.author_id&user.fields=created_at,description,location,public_metrics,url,verified_type".to_string(),
            "tweet.fields=entities,lang&expansions=author_id&user.fields=public_metrics".to_string(),
            format!("{sync}&expansions=referenced_tweets.id.author_id,entities.mentions.username"),
        ];
        let mut seen_ref = None;
        for fields in &field_sets {
            for (ep, per) in [
                (Endpoint::XMentions, 100),
                (Endpoint::XMentions, 7),
                (Endpoint::XUserTweets, 20),
            ] {
                let mut q = format!("max_results={per}&until_id={until}&{fields}");
                for _ in 0..3 {
                    let body = same_with_and_without_caches(&s, ep, &uid, &q, &h).await;
                    let v: Value = serde_json::from_str(&body).unwrap();
                    if seen_ref.is_none() {
                        seen_ref = v["includes"]["tweets"][0]["id"]
                            .as_str()
                            .map(str::to_string);
                    }
                    let Some(next) = v["meta"]["next_token"].as_str() else {
                        break;
                    };
                    q = format!(
                        "max_results={per}&until_id={until}&{fields}&pagination_token={next}"
                    );
                }
            }
        }

        // A post deleted after its page was cached disappears from that page.
        let q = format!("max_results=100&until_id={until}&{sync}");
        let before = same_with_and_without_caches(&s, Endpoint::XMentions, &uid, &q, &h).await;
        let v: Value = serde_json::from_str(&before).unwrap();
        let victim = v["data"][3]["id"].as_str().unwrap().to_string();
        s.x_store.mark_deleted(victim.parse().unwrap());
        let after = same_with_and_without_caches(&s, Endpoint::XMentions, &uid, &q, &h).await;
        let v: Value = serde_json::from_str(&after).unwrap();
        let data = v["data"].as_array().unwrap();
        assert!(data.iter().all(|p| p["id"] != victim.as_str()));
        assert_eq!(data.len(), 100);

        // So does a referenced post from the page's includes.
        let referenced = seen_ref.expect("a page with includes.tweets");
        let q = format!("max_results=100&until_id={until}&{sync}");
        let before = same_with_and_without_caches(&s, Endpoint::XMentions, &uid, &q, &h).await;
        s.x_store.mark_deleted(referenced.parse().unwrap());
        let after = same_with_and_without_caches(&s, Endpoint::XMentions, &uid, &q, &h).await;
        if before.contains(&format!("\"id\":\"{referenced}\",\"text\"")) {
            assert_ne!(before, after);
        }
        sb.shutdown().await;
    }
}
