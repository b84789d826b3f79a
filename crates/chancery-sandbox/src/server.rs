//! The listener (with per-connection control, so a fault can reset a connection), the observing
//! middleware (faults, request log, stats) and the router.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::connect_info::Connected;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{any, get, post};
use axum::serve::{IncomingStream, Listener};
use axum::Router;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use crate::endpoint::Endpoint;
use crate::faults::FaultKind;
use crate::oauth::{token_kind_name, token_network};
use crate::reqlog::RecordedRequest;
use crate::state::{request_token, Shared};
use crate::tokens::TokenKind;
use crate::{admin, graph_api, oauth, x_api};

/// Lets a handler reset its connection.
#[derive(Debug, Default)]
pub(crate) struct ConnCtl {
    reset: AtomicBool,
}

impl ConnCtl {
    pub(crate) fn reset(&self) {
        self.reset.store(true, Ordering::SeqCst);
    }
}

pub(crate) struct CtlStream {
    inner: TcpStream,
    ctl: Arc<ConnCtl>,
}

impl CtlStream {
    fn killed(&self) -> bool {
        if self.ctl.reset.load(Ordering::Relaxed) {
            // SO_LINGER 0: closing sends RST instead of FIN.
            let _ = self.inner.set_zero_linger();
            true
        } else {
            false
        }
    }
}

fn reset_err() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionReset,
        "sandbox fault: connection reset",
    )
}

impl AsyncRead for CtlStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.killed() {
            return Poll::Ready(Err(reset_err()));
        }
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for CtlStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.killed() {
            return Poll::Ready(Err(reset_err()));
        }
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.killed() {
            return Poll::Ready(Err(reset_err()));
        }
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.killed() {
            return Poll::Ready(Err(reset_err()));
        }
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.killed() {
            return Poll::Ready(Err(reset_err()));
        }
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

pub(crate) struct CtlListener(pub(crate) TcpListener);

impl Listener for CtlListener {
    type Io = CtlStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.0.accept().await {
                Ok((s, addr)) => {
                    let _ = s.set_nodelay(true);
                    return (
                        CtlStream {
                            inner: s,
                            ctl: Arc::new(ConnCtl::default()),
                        },
                        addr,
                    );
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

#[derive(Clone)]
pub(crate) struct ConnInfo {
    pub(crate) ctl: Arc<ConnCtl>,
}

impl Connected<IncomingStream<'_, CtlListener>> for ConnInfo {
    fn connect_info(stream: IncomingStream<'_, CtlListener>) -> Self {
        ConnInfo {
            ctl: stream.io().ctl.clone(),
        }
    }
}

pub(crate) fn router(state: Arc<Shared>) -> Router {
    Router::new()
        .route("/2/users/me", get(x_api::users_me))
        .route(
            "/2/users/by/username/{username}",
            get(x_api::user_by_username),
        )
        .route("/2/users/{id}", get(x_api::user_by_id))
        .route("/2/users/{id}/mentions", get(x_api::mentions))
        .route("/2/users/{id}/tweets", get(x_api::user_tweets))
        .route("/2/tweets", post(x_api::create_tweet))
        .route(
            "/2/tweets/{id}",
            get(x_api::tweet_lookup).delete(x_api::delete_tweet),
        )
        .route(
            "/2/media/upload",
            post(x_api::media_upload).get(x_api::media_status),
        )
        .route("/2/media/upload/initialize", post(x_api::media_initialize))
        .route("/2/media/upload/{id}/append", post(x_api::media_append))
        .route("/2/media/upload/{id}/finalize", post(x_api::media_finalize))
        .route("/2/oauth2/token", post(oauth::x_token))
        .route("/2/oauth2/revoke", post(oauth::x_revoke))
        .route("/2/{*rest}", any(x_api::not_found_x))
        .route(
            "/i/oauth2/authorize",
            get(oauth::x_authorize).post(oauth::x_authorize_decision),
        )
        .nest("/__sandbox", admin::router())
        .fallback(graph_api::dispatch)
        .layer(axum::middleware::from_fn_with_state(state.clone(), observe))
        .layer(axum::extract::DefaultBodyLimit::max(600 * 1024 * 1024))
        .with_state(state)
}

fn iso(ms: i64) -> String {
    let mut out = Vec::with_capacity(24);
    let milli = crate::json::push_datetime(&mut out, ms);
    out.push(b'.');
    out.push(b'0' + (milli / 100) as u8);
    out.push(b'0' + (milli / 10 % 10) as u8);
    out.push(b'0' + (milli % 10) as u8);
    out.push(b'Z');
    String::from_utf8(out).unwrap_or_default()
}

/// Answers a fault that replaces the response.
fn fault_response(
    s: &Shared,
    ep: Endpoint,
    kind: &FaultKind,
    user: Option<usize>,
    page: Option<usize>,
) -> Option<Response> {
    let x = ep.is_x();
    Some(match kind {
        FaultKind::Status { status } => {
            let st = StatusCode::from_u16(*status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            if ep.is_graph() {
                let code = if *status == 503 { 2 } else { 1 };
                let mut r = s.graph_fault_error(code, None);
                *r.status_mut() = st;
                r
            } else {
                let title = st.canonical_reason().unwrap_or("Error");
                x_api::problem_response(st, &crate::x_fields::generic(*status, title, title), None)
            }
        }
        FaultKind::RateLimit if x => {
            let h = s.x_rate_peek(ep, user);
            x_api::problem_response(
                StatusCode::TOO_MANY_REQUESTS,
                &crate::x_fields::generic(429, "Too Many Requests", "Too Many Requests"),
                Some(&h),
            )
        }
        FaultKind::RateLimit => s.graph_throttle_fault(page),
        FaultKind::UsageCap if x => {
            let body = serde_json::json!({
                "title": "UsageCapExceeded",
                "detail": "Usage cap exceeded: Monthly product cap",
                "type": format!("{}usage-capped", crate::x_fields::problem_base(s.naming)),
                "period": "Monthly",
                "scope": "Product",
                "status": 429
            });
            x_api::problem_response(
                StatusCode::TOO_MANY_REQUESTS,
                &body,
                Some(&s.x_rate_peek(ep, user)),
            )
        }
        FaultKind::UsageCap => s.graph_fault_error(4, None),
        FaultKind::GraphError { code, subcode } if ep.is_graph() => {
            s.graph_fault_error(*code, *subcode)
        }
        _ => return None,
    })
}

async fn observe(
    State(s): State<Arc<Shared>>,
    ConnectInfo(ci): ConnectInfo<ConnInfo>,
    req: Request,
    next: Next,
) -> Response {
    let t0 = Instant::now();
    let path = req.uri().path().to_string();
    let ep = Endpoint::classify(req.method(), &path);
    if matches!(ep, Endpoint::Admin | Endpoint::Avatar) {
        return next.run(req).await;
    }
    let seq = s.log.next_seq();
    let real_ms = s.clock.real_now_ms();
    let virt_ms = s.clock.virtual_now_ms();
    let method = req.method().clone();
    let query = req.uri().query().map(str::to_string);
    let claims =
        request_token(req.headers(), query.as_deref()).and_then(|t| s.tokens.decode(&t).ok());
    let (account_id, username, user, page) = match claims {
        Some(c) => match c.kind {
            TokenKind::XUser | TokenKind::XRefresh => match s.world.x.get(c.account as usize) {
                Some(p) => (
                    Some(p.id.to_string()),
                    Some(p.username.clone()),
                    Some(p.idx),
                    None,
                ),
                None => (None, None, None, None),
            },
            TokenKind::FbPage => match s.world.fb.get(c.account as usize) {
                Some(p) => (
                    Some(p.id.to_string()),
                    Some(p.username.clone()),
                    None,
                    Some(p.idx),
                ),
                None => (None, None, None, None),
            },
            TokenKind::FbUser => (Some(s.fb_user_id.to_string()), None, None, None),
            TokenKind::XApp => (None, None, None, None),
        },
        None => (None, None, None, None),
    };

    // Keep the body of writes for the log.
    let is_write = !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS);
    let mut body_text = None;
    let req = if is_write {
        let (parts, body) = req.into_parts();
        let bytes = match axum::body::to_bytes(body, 600 * 1024 * 1024).await {
            Ok(b) => b,
            Err(_) => Bytes::new(),
        };
        let ct = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        body_text = Some(if ct.starts_with("multipart/") {
            format!("<multipart body, {} bytes>", bytes.len())
        } else {
            let cut = &bytes[..bytes.len().min(64 * 1024)];
            String::from_utf8_lossy(cut).into_owned()
        });
        Request::from_parts(parts, Body::from(bytes))
    } else {
        req
    };

    let mut fault_name = None;
    let mut post_fault = None;
    let mut early = None;
    if !s.faults.is_idle() {
        let names: Vec<&str> = [account_id.as_deref(), username.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        let d = s.faults.decide(seq, ep, &names);
        if d.latency_ms > 0 {
            fault_name = Some(format!("latency {} ms", d.latency_ms));
            tokio::time::sleep(Duration::from_millis(d.latency_ms)).await;
        }
        if let Some(kind) = d.terminal {
            fault_name = Some(kind.name().to_string());
            match &kind {
                FaultKind::Timeout => {
                    s.until_shutdown().await;
                    early = Some(
                        Response::builder()
                            .status(StatusCode::SERVICE_UNAVAILABLE)
                            .body(Body::empty())
                            .unwrap_or_default(),
                    );
                }
                FaultKind::Reset => {
                    ci.ctl.reset();
                    early = Some(Response::new(Body::empty()));
                }
                FaultKind::RevokeToken => {
                    if let Some(c) = claims {
                        s.tokens.revoke_token(&c);
                    }
                }
                FaultKind::Truncate | FaultKind::Malformed | FaultKind::MalformedItem => {
                    post_fault = Some(kind.clone())
                }
                other => early = fault_response(&s, ep, other, user, page),
            }
        }
    }

    let mut resp = match early {
        Some(r) => r,
        None => next.run(req).await,
    };

    if let Some(kind) = post_fault {
        let (mut parts, body) = resp.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .unwrap_or_default();
        let full = bytes.len();
        let new_body = match kind {
            FaultKind::Truncate => {
                parts
                    .headers
                    .insert(header::CONTENT_LENGTH, HeaderValue::from(full.max(2)));
                // Half the body, a moment for it to reach the client, then the connection dies.
                let half = Bytes::copy_from_slice(&bytes[..full / 2]);
                let stream = futures::stream::unfold(0u8, move |step| {
                    let half = half.clone();
                    async move {
                        match step {
                            0 => Some((Ok::<Bytes, io::Error>(half), 1)),
                            1 => {
                                tokio::time::sleep(Duration::from_millis(30)).await;
                                Some((
                                    Err(io::Error::new(
                                        io::ErrorKind::ConnectionReset,
                                        "truncated",
                                    )),
                                    2,
                                ))
                            }
                            _ => None,
                        }
                    }
                });
                Body::from_stream(stream)
            }
            FaultKind::MalformedItem => {
                let fixed = break_one_item(&bytes);
                parts
                    .headers
                    .insert(header::CONTENT_LENGTH, HeaderValue::from(fixed.len()));
                Body::from(fixed)
            }
            _ => {
                let mut broken = bytes[..full * 2 / 3].to_vec();
                broken.extend_from_slice(b"\x00<html>upstream connect error");
                parts
                    .headers
                    .insert(header::CONTENT_LENGTH, HeaderValue::from(broken.len()));
                Body::from(broken)
            }
        };
        resp = Response::from_parts(parts, new_body);
    }

    let status = resp.status().as_u16();
    s.log.count(ep, status);
    if is_write || s.log.wants_read() {
        s.log.record(RecordedRequest {
            seq,
            at: iso(real_ms),
            virtual_at: iso(virt_ms),
            method: method.to_string(),
            path,
            query,
            endpoint: ep.name().to_string(),
            account_id,
            token_kind: claims.map(|c| token_kind_name(c.kind).to_string()),
            status,
            duration_ms: t0.elapsed().as_secs_f64() * 1000.0,
            body: body_text,
            fault: fault_name,
        });
    }
    let _ = claims.map(|c| token_network(c.kind));
    resp
}

/// The body with one element of its `data` array broken (for [`FaultKind::MalformedItem`]):
/// the middle element's timestamp and text get the wrong types, so a client that maps items
/// one by one must reject that one and keep the others. Bodies without a non-empty `data`
/// array are returned unchanged.
pub(crate) fn break_one_item(body: &[u8]) -> Vec<u8> {
    let Ok(mut json) = serde_json::from_slice::<serde_json::Value>(body) else {
        return body.to_vec();
    };
    let Some(items) = json.get_mut("data").and_then(|d| d.as_array_mut()) else {
        return body.to_vec();
    };
    if items.is_empty() {
        return body.to_vec();
    }
    let middle = items.len() / 2;
    if let Some(obj) = items[middle].as_object_mut() {
        obj.insert(
            "created_time".into(),
            serde_json::json!(["not", "a", "time"]),
        );
        obj.insert("created_at".into(), serde_json::json!({ "not": "a time" }));
        obj.insert("text".into(), serde_json::json!(12345));
        obj.insert("message".into(), serde_json::json!(false));
    }
    serde_json::to_vec(&json).unwrap_or_else(|_| body.to_vec())
}

#[cfg(test)]
mod break_tests {
    use super::break_one_item;

    #[test]
    fn only_the_middle_item_is_broken_and_the_json_stays_valid() {
        let body = br#"{"data":[{"id":"1","text":"a","created_at":"2026-01-01T00:00:00.000Z"},{"id":"2","text":"b","created_at":"2026-01-01T00:00:00.000Z"},{"id":"3","text":"c","created_at":"2026-01-01T00:00:00.000Z"}],"meta":{"result_count":3}}"#;
        let out: serde_json::Value = serde_json::from_slice(&break_one_item(body)).unwrap();
        let data = out["data"].as_array().unwrap();
        assert_eq!(data.len(), 3);
        assert_eq!(data[0]["text"], "a");
        assert_eq!(data[2]["text"], "c");
        assert_eq!(data[1]["id"], "2");
        assert!(data[1]["text"].is_number());
        assert!(data[1]["created_at"].is_object());
        assert_eq!(out["meta"]["result_count"], 3);
    }
}
