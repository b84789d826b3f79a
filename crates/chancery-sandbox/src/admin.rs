//! `/__sandbox/...`: manifest, faults, request log, stats, login automation, avatars, media.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::faults::FaultRule;
use crate::hash::h;
use crate::reqlog::RequestQuery;
use crate::state::Shared;
use crate::world::World;

type S = State<Arc<Shared>>;

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/manifest", get(manifest))
        .route("/health", get(|| async { Json(json!({"ok": true})) }))
        .route("/clock", get(clock))
        .route(
            "/faults",
            get(list_faults).post(add_faults).delete(clear_faults),
        )
        .route("/faults/{id}", delete(remove_fault))
        .route("/requests", get(requests))
        .route("/stats", get(stats))
        .route("/login", get(get_login).post(set_login))
        .route("/avatars/{network}/{file}", get(avatar))
        .route("/media/{file}", get(media))
}

fn bad(msg: impl Into<String>) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"error": msg.into()}))).into_response()
}

async fn manifest(State(s): S) -> Response {
    match s.manifest.get() {
        Some(m) => Json(m.clone()).into_response(),
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"error": "starting"})),
        )
            .into_response(),
    }
}

async fn clock(State(s): S) -> Json<Value> {
    Json(json!({
        "real_now_ms": s.clock.real_now_ms(),
        "virtual_now_ms": s.clock.virtual_now_ms(),
        "virtual_start_ms": s.clock.virtual_start_ms(),
        "time_scale": s.clock.scale(),
    }))
}

async fn list_faults(State(s): S) -> Json<Value> {
    Json(json!({ "faults": s.faults.list() }))
}

/// Body: one rule, a list of rules, `{"spec": "..."}` or `{"specs": [...]}`; `?replace=true`
/// replaces the table.
#[derive(Deserialize)]
struct ReplaceQ {
    replace: Option<bool>,
}

async fn add_faults(State(s): S, Query(q): Query<ReplaceQ>, body: Bytes) -> Response {
    let v: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return bad(format!("body is not JSON: {e}")),
    };
    let mut rules = Vec::new();
    let parse_one = |v: &Value| -> Result<FaultRule, String> {
        if let Some(spec) = v.get("spec").and_then(Value::as_str) {
            spec.parse::<FaultRule>()
        } else {
            serde_json::from_value::<FaultRule>(v.clone()).map_err(|e| e.to_string())
        }
    };
    let items: Vec<Value> = match &v {
        Value::Array(a) => a.clone(),
        Value::Object(o) if o.contains_key("specs") => o
            .get("specs")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|s| json!({"spec": s})).collect())
            .unwrap_or_default(),
        other => vec![other.clone()],
    };
    for it in &items {
        match parse_one(it) {
            Ok(r) => rules.push(r),
            Err(e) => return bad(e),
        }
    }
    let ids = if q.replace.unwrap_or(false) {
        s.faults.set(rules)
    } else {
        rules.into_iter().map(|r| s.faults.add(r)).collect()
    };
    match ids {
        Ok(ids) => (
            StatusCode::CREATED,
            Json(json!({"ids": ids, "faults": s.faults.list()})),
        )
            .into_response(),
        Err(e) => bad(e),
    }
}

async fn clear_faults(State(s): S) -> Json<Value> {
    s.faults.clear();
    Json(json!({"faults": []}))
}

async fn remove_fault(State(s): S, Path(id): Path<u64>) -> Response {
    if s.faults.remove(id) {
        Json(json!({"removed": id})).into_response()
    } else {
        (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "no such fault"})),
        )
            .into_response()
    }
}

async fn requests(State(s): S, Query(q): Query<RequestQuery>) -> Json<Value> {
    let list = s.log.query(&q);
    Json(json!({ "requests": list }))
}

async fn stats(State(s): S) -> Json<Value> {
    Json(serde_json::to_value(s.log.stats()).unwrap_or_default())
}

#[derive(Deserialize)]
struct LoginSetting {
    x_username: Option<String>,
    #[serde(default)]
    facebook: bool,
}

async fn get_login(State(s): S) -> Json<Value> {
    let x = s.auto_x.lock().ok().and_then(|g| g.clone());
    Json(json!({"x_username": x, "facebook": s.auto_fb.load(Ordering::Relaxed)}))
}

async fn set_login(State(s): S, Json(l): Json<LoginSetting>) -> Response {
    if let Some(u) = &l.x_username {
        if !s.world.x_by_username.contains_key(&u.to_ascii_lowercase()) {
            return bad(format!("no sandbox X account @{u}"));
        }
    }
    if let Ok(mut g) = s.auto_x.lock() {
        *g = l.x_username.clone();
    }
    s.auto_fb.store(l.facebook, Ordering::Relaxed);
    Json(json!({"x_username": l.x_username, "facebook": l.facebook})).into_response()
}

const PALETTE: &[&str] = &[
    "#1d4ed8", "#0f766e", "#b45309", "#7c3aed", "#be123c", "#15803d", "#0369a1", "#a16207",
];

fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter(|w| w.chars().next().is_some_and(char::is_alphabetic))
        .take(2)
        .filter_map(|w| w.chars().next())
        .collect::<String>()
        .to_uppercase()
}

async fn avatar(State(s): S, Path((network, file)): Path<(String, String)>) -> Response {
    let Some(id) = file
        .strip_suffix(".svg")
        .and_then(|i| i.parse::<u64>().ok())
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let w = &s.world;
    let name = match network.as_str() {
        "x" => w.x_by_id.get(&id).map(|&a| w.x[a].name.clone()),
        "fb" => w.fb_by_id.get(&id).map(|&a| w.fb[a].name.clone()),
        "u" => World::x_public_index(id)
            .or_else(|| World::fb_public_index(id))
            .map(|i| w.users[i].name.clone()),
        _ => None,
    };
    let Some(name) = name else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let color = PALETTE[(h(w.seed, &[id]) % PALETTE.len() as u64) as usize];
    let text = crate::oauth::html_escape(&initials(&name));
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"128\" height=\"128\" viewBox=\"0 0 128 128\"><rect width=\"128\" height=\"128\" rx=\"64\" fill=\"{color}\"/><text x=\"64\" y=\"78\" font-family=\"sans-serif\" font-size=\"44\" fill=\"#fff\" text-anchor=\"middle\">{text}</text></svg>"
    );
    let mut r = svg.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml"),
    );
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    r
}

/// A 1×1 grey PNG for every media URL.
const PIXEL_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x3A, 0x7E, 0x9B,
    0x55, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x98, 0x09, 0x00, 0x00,
    0x9B, 0x00, 0x9A, 0xAD, 0x2E, 0x48, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

async fn media(Path(_file): Path<String>) -> Response {
    let mut r = Bytes::from_static(PIXEL_PNG).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    r
}
