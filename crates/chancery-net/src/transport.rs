//! Sending one request: the tracing span, the timeouts, reading the body (bounded), the budget
//! headers, and turning transport failures into [`NetError`]s.
//!
//! Nothing here logs a URL, a query string, a header value or a body: a span carries the
//! method, the endpoint's name (`x.mentions`), the account label, the status, the duration and
//! the rate-limit remaining.

use std::time::Instant;

use bytes::Bytes;
use chancery_model::accounts::Network;
use tracing::field::Empty;
use tracing::Instrument;

use crate::budget::Budget;
use crate::error::{NetError, NetFailure};
use crate::redact;

/// The largest body read (a Graph page of 100 posts with attachments is well under 2 MiB).
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;
/// How many characters of an unreadable body are quoted in the error.
pub const SNIPPET_CHARS: usize = 200;

/// A successful call: the parsed data and what the headers said about limits.
#[derive(Debug, Clone)]
pub struct Reply<T> {
    pub data: T,
    pub budget: Budget,
    pub status: u16,
}

impl<T> Reply<T> {
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Reply<U> {
        Reply {
            data: f(self.data),
            budget: self.budget,
            status: self.status,
        }
    }
}

/// Every call returns this: data with its budget, or a classified failure with its budget.
pub type NetResult<T> = Result<Reply<T>, NetFailure>;

/// Who a call is for, for the span.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Call<'a> {
    pub network: Network,
    /// `GET`, `POST`, `DELETE`.
    pub method: &'static str,
    /// e.g. `x.mentions`, `graph.feed`.
    pub endpoint: &'static str,
    /// A label for the account (its id); never a token.
    pub account: &'a str,
    /// The body may carry tokens (OAuth answers, `/me/accounts`): never quote it.
    pub sensitive: bool,
}

/// What came back, before the network-specific layer reads it.
#[derive(Debug)]
pub(crate) struct RawReply {
    pub status: u16,
    pub budget: Budget,
    pub body: Bytes,
}

impl RawReply {
    /// A `Malformed` error quoting (redacted) the start of this body.
    pub(crate) fn malformed(&self, call: &Call<'_>, reason: impl Into<String>) -> NetFailure {
        NetFailure::with_budget(
            malformed(call, self.status, false, reason.into(), &self.body),
            self.budget.clone(),
        )
    }
}

pub(crate) fn malformed(
    call: &Call<'_>,
    status: u16,
    truncated: bool,
    reason: String,
    body: &[u8],
) -> NetError {
    let snippet = if call.sensitive {
        format!(
            "<{} bytes withheld: this answer can contain tokens>",
            body.len()
        )
    } else {
        redact::snippet(
            &String::from_utf8_lossy(&body[..body.len().min(4096)]),
            SNIPPET_CHARS,
        )
    };
    NetError::Malformed {
        endpoint: call.endpoint.to_string(),
        status,
        truncated,
        reason,
        snippet,
    }
}

/// Sends `request`, reads the body and hands it to `parse`, all inside one span; logs the
/// outcome (debug on success, warn on failure) without secrets.
pub(crate) async fn run<T>(
    call: Call<'_>,
    request: reqwest::RequestBuilder,
    parse: impl FnOnce(RawReply) -> NetResult<T>,
) -> NetResult<T> {
    let span = tracing::info_span!(
        "net_request",
        network = call.network.as_str(),
        method = call.method,
        endpoint = call.endpoint,
        account = call.account,
        status = Empty,
        duration_ms = Empty,
        rate_remaining = Empty,
    );
    let started = Instant::now();
    let outcome = async {
        let raw = receive(&call, request).await?;
        parse(raw)
    }
    .instrument(span.clone())
    .await;
    let duration_ms = started.elapsed().as_millis() as u64;
    span.record("duration_ms", duration_ms);
    let _entered = span.enter();
    match &outcome {
        Ok(reply) => {
            span.record("status", reply.status);
            if let Some(r) = remaining(&reply.budget) {
                span.record("rate_remaining", r);
            }
            tracing::debug!("request done");
        }
        Err(failure) => {
            if let Some(r) = remaining(&failure.budget) {
                span.record("rate_remaining", r);
            }
            let status = match &failure.error {
                NetError::Server { status, .. }
                | NetError::Unexpected { status, .. }
                | NetError::Malformed { status, .. } => Some(*status),
                _ => None,
            };
            if let Some(s) = status {
                span.record("status", s);
            }
            tracing::warn!(error = %redact::snippet(&failure.error.to_string(), 400), "request failed");
        }
    }
    outcome
}

fn remaining(b: &Budget) -> Option<f64> {
    if let Some(w) = b.x_rate {
        return Some(w.remaining as f64);
    }
    let m = b.graph_max_percent();
    (m > 0.0).then_some(100.0 - m)
}

async fn receive(
    call: &Call<'_>,
    request: reqwest::RequestBuilder,
) -> Result<RawReply, NetFailure> {
    let mut response = request
        .send()
        .await
        .map_err(|e| NetFailure::new(transport_error(call.endpoint, e)))?;
    let status = response.status().as_u16();
    let budget = Budget::from_headers(response.headers());
    let mut body: Vec<u8> = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_BODY_BYTES {
                    return Err(NetFailure::with_budget(
                        malformed(
                            call,
                            status,
                            false,
                            format!("the answer is larger than {MAX_BODY_BYTES} bytes"),
                            &body,
                        ),
                        budget,
                    ));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => {
                let e = e.without_url();
                let error = if e.is_timeout() {
                    NetError::Timeout {
                        endpoint: call.endpoint.to_string(),
                    }
                } else {
                    malformed(
                        call,
                        status,
                        true,
                        format!(
                            "the answer was cut off after {} bytes ({})",
                            body.len(),
                            chain(&e)
                        ),
                        &body,
                    )
                };
                return Err(NetFailure::with_budget(error, budget));
            }
        }
    }
    Ok(RawReply {
        status,
        budget,
        body: Bytes::from(body),
    })
}

/// Classifies an error from sending (no response yet). The URL is dropped first: Graph's
/// `oauth/access_token` carries secrets in its query string.
pub(crate) fn transport_error(endpoint: &str, e: reqwest::Error) -> NetError {
    let e = e.without_url();
    let detail = chain(&e);
    if e.is_timeout() {
        return NetError::Timeout {
            endpoint: endpoint.to_string(),
        };
    }
    if is_reset(&e) {
        return NetError::ConnectionReset {
            endpoint: endpoint.to_string(),
            detail,
        };
    }
    if e.is_connect() {
        return NetError::Connect {
            endpoint: endpoint.to_string(),
            detail,
        };
    }
    if e.is_builder() {
        return NetError::Config(detail);
    }
    // Sent, then the connection failed without a status: treat as a reset.
    NetError::ConnectionReset {
        endpoint: endpoint.to_string(),
        detail,
    }
}

fn is_reset(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    let mut depth = 0;
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::UnexpectedEof
            ) {
                return true;
            }
        }
        if let Some(h) = err.downcast_ref::<hyper::Error>() {
            if h.is_incomplete_message() || h.is_closed() || h.is_canceled() {
                return true;
            }
        }
        depth += 1;
        if depth > 16 {
            break;
        }
        cur = err.source();
    }
    false
}

/// The error and its sources, one line, redacted.
pub(crate) fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        let t = s.to_string();
        if !parts.contains(&t) {
            parts.push(t);
        }
        if parts.len() > 6 {
            break;
        }
        cur = s.source();
    }
    redact::redact_secrets(&parts.join(": "))
}
