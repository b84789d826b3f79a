//! The loopback redirect of RFC 8252 (OAuth 2.0 for native apps, section 7.3).
//!
//! A tiny HTTP listener on `127.0.0.1` (or `[::1]`), on a port the OS picks unless one is
//! configured, that waits for exactly one authorization response: it checks `state`, answers
//! the browser with a small "you can close this window" page, and gives the code to the caller.
//! Requests to other paths (a browser's `/favicon.ico`) get a 404 and the wait goes on; the wait
//! is bounded by a deadline and a number of connections.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use secrecy::SecretString;
use tokio::net::TcpListener;
use url::Url;

use crate::error::NetError;

/// How many connections one wait accepts before giving up.
const MAX_CONNECTIONS: usize = 32;
/// How long one browser connection may take to send its request.
const PER_CONNECTION: Duration = Duration::from_secs(10);

/// Where the listener binds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoopbackOptions {
    /// `127.0.0.1` (default) or `::1`; anything else is refused.
    pub ip: IpAddr,
    /// 0 = any free port (RFC 8252). Set a fixed one only if the provider insists on an exact
    /// registered redirect URI.
    pub port: u16,
    /// The redirect path, e.g. `/callback`.
    pub path: String,
}

impl Default for LoopbackOptions {
    fn default() -> Self {
        LoopbackOptions {
            ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            path: "/callback".into(),
        }
    }
}

/// What the redirect brought.
#[derive(Debug)]
pub struct RedirectCode {
    pub code: SecretString,
}

/// A bound listener waiting for one authorization response.
#[derive(Debug)]
pub struct LoopbackRedirect {
    listener: TcpListener,
    redirect_uri: Url,
    path: String,
}

impl LoopbackRedirect {
    pub async fn bind(options: &LoopbackOptions) -> Result<LoopbackRedirect, NetError> {
        if !options.ip.is_loopback() {
            return Err(NetError::Config(format!(
                "the OAuth redirect must listen on a loopback address, not {}",
                options.ip
            )));
        }
        let path = if options.path.starts_with('/') {
            options.path.clone()
        } else {
            format!("/{}", options.path)
        };
        let listener = TcpListener::bind(SocketAddr::new(options.ip, options.port))
            .await
            .map_err(|e| {
                NetError::Config(format!(
                    "cannot listen for the sign-in redirect on {}: {e}",
                    options.ip
                ))
            })?;
        let addr = listener.local_addr().map_err(|e| {
            NetError::Config(format!("cannot read the redirect listener's address: {e}"))
        })?;
        let host = match addr.ip() {
            IpAddr::V4(ip) => ip.to_string(),
            IpAddr::V6(ip) => format!("[{ip}]"),
        };
        let redirect_uri = Url::parse(&format!("http://{host}:{}{path}", addr.port()))
            .map_err(|e| NetError::Config(format!("bad redirect URI: {e}")))?;
        Ok(LoopbackRedirect {
            listener,
            redirect_uri,
            path,
        })
    }

    /// `http://127.0.0.1:PORT/callback`
    pub fn redirect_uri(&self) -> &Url {
        &self.redirect_uri
    }

    /// Waits for the redirect with `expected_state`, at most `timeout`.
    pub async fn wait(
        self,
        expected_state: &str,
        timeout: Duration,
    ) -> Result<RedirectCode, NetError> {
        let deadline = tokio::time::Instant::now() + timeout;
        for _ in 0..MAX_CONNECTIONS {
            let accepted = tokio::time::timeout_at(deadline, self.listener.accept()).await;
            let (stream, _) = match accepted {
                Err(_) => {
                    return Err(NetError::OAuth {
                        detail: format!(
                            "no answer from the browser within {} seconds",
                            timeout.as_secs()
                        ),
                        cancelled: true,
                    })
                }
                Ok(Err(e)) => {
                    tracing::debug!(error = %e, "redirect listener: accept failed");
                    continue;
                }
                Ok(Ok(s)) => s,
            };
            let outcome: Arc<Mutex<Option<Result<RedirectCode, NetError>>>> =
                Arc::new(Mutex::new(None));
            let seen = outcome.clone();
            let path = self.path.clone();
            let state = expected_state.to_string();
            let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                let (response, result) = answer(&req, &path, &state);
                if let Some(r) = result {
                    if let Ok(mut g) = seen.lock() {
                        *g = Some(r);
                    }
                }
                async move { Ok::<_, Infallible>(response) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .keep_alive(false)
                .serve_connection(TokioIo::new(stream), service);
            let per_conn = PER_CONNECTION.min(
                deadline.saturating_duration_since(tokio::time::Instant::now())
                    + Duration::from_millis(50),
            );
            if let Ok(Err(e)) = tokio::time::timeout(per_conn, conn).await {
                tracing::debug!(error = %e, "redirect listener: connection error");
            }
            let result = outcome.lock().ok().and_then(|mut g| g.take());
            if let Some(r) = result {
                return r;
            }
        }
        Err(NetError::OAuth {
            detail: "too many unrelated requests reached the sign-in listener".into(),
            cancelled: false,
        })
    }
}

fn page(status: StatusCode, title: &str, text: &str) -> Response<Full<Bytes>> {
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body style=\"font-family:system-ui,sans-serif;max-width:32em;margin:4em auto;line-height:1.5\">\
         <h1>{title}</h1><p>{text}</p></body></html>"
    );
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(
        "content-type",
        hyper::header::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(
        "cache-control",
        hyper::header::HeaderValue::from_static("no-store"),
    );
    h.insert(
        "referrer-policy",
        hyper::header::HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        "connection",
        hyper::header::HeaderValue::from_static("close"),
    );
    r
}

/// The page for the browser and, for the redirect itself, the outcome.
fn answer(
    req: &Request<Incoming>,
    path: &str,
    expected_state: &str,
) -> (
    Response<Full<Bytes>>,
    Option<Result<RedirectCode, NetError>>,
) {
    if req.uri().path() != path {
        return (
            page(StatusCode::NOT_FOUND, "Not found", "Nothing here."),
            None,
        );
    }
    let query = req.uri().query().unwrap_or("");
    let mut code = None;
    let mut state = None;
    let mut error = None;
    let mut description = None;
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            "code" => code = Some(v.into_owned()),
            "state" => state = Some(v.into_owned()),
            "error" => error = Some(v.into_owned()),
            "error_description" | "error_reason" => description = Some(v.into_owned()),
            _ => {}
        }
    }
    if !state
        .as_deref()
        .is_some_and(|s| constant_time_eq(s.as_bytes(), expected_state.as_bytes()))
    {
        return (
            page(
                StatusCode::BAD_REQUEST,
                "Sign-in not recognised",
                "This sign-in response does not match the one Chancery asked for. Close this window and start connecting the account again from Chancery.",
            ),
            Some(Err(NetError::OAuth {
                detail: "the sign-in response did not carry the expected state (possible forgery or an old browser tab)".into(),
                cancelled: false,
            })),
        );
    }
    if let Some(e) = error {
        let detail = match description {
            Some(d) => format!("{e}: {}", crate::redact::snippet(&d, 200)),
            None => e,
        };
        return (
            page(
                StatusCode::OK,
                "Sign-in cancelled",
                "Nothing was connected. You can close this window and return to Chancery.",
            ),
            Some(Err(NetError::OAuth {
                detail,
                cancelled: true,
            })),
        );
    }
    match code.filter(|c| !c.is_empty()) {
        Some(c) => (
            page(
                StatusCode::OK,
                "Chancery is connected",
                "The account was authorised. You can close this window and return to Chancery.",
            ),
            Some(Ok(RedirectCode {
                code: SecretString::from(c),
            })),
        ),
        None => (
            page(
                StatusCode::BAD_REQUEST,
                "Sign-in incomplete",
                "The response had no authorisation code. Start again from Chancery.",
            ),
            Some(Err(NetError::OAuth {
                detail: "the sign-in response had no authorisation code".into(),
                cancelled: false,
            })),
        ),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    async fn get(url: &str) -> (u16, String) {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let r = client.get(url).send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    #[tokio::test]
    async fn one_redirect_with_the_right_state() {
        let lb = LoopbackRedirect::bind(&LoopbackOptions::default())
            .await
            .unwrap();
        let uri = lb.redirect_uri().clone();
        assert_eq!(uri.host_str(), Some("127.0.0.1"));
        let wait = tokio::spawn(lb.wait("s-123", Duration::from_secs(10)));
        let base = format!("http://127.0.0.1:{}", uri.port().unwrap());
        let (status, _) = get(&format!("{base}/favicon.ico")).await;
        assert_eq!(status, 404);
        let (status, body) = get(&format!("{uri}?code=abc&state=s-123")).await;
        assert_eq!(status, 200);
        assert!(body.contains("close this window"));
        let got = wait.await.unwrap().unwrap();
        assert_eq!(got.code.expose_secret(), "abc");
    }

    #[tokio::test]
    async fn wrong_state_is_refused() {
        let lb = LoopbackRedirect::bind(&LoopbackOptions::default())
            .await
            .unwrap();
        let uri = lb.redirect_uri().clone();
        let wait = tokio::spawn(lb.wait("expected", Duration::from_secs(10)));
        let (status, _) = get(&format!("{uri}?code=abc&state=forged")).await;
        assert_eq!(status, 400);
        assert!(matches!(
            wait.await.unwrap(),
            Err(NetError::OAuth {
                cancelled: false,
                ..
            })
        ));
    }

    #[tokio::test]
    async fn denial_and_timeout() {
        let lb = LoopbackRedirect::bind(&LoopbackOptions::default())
            .await
            .unwrap();
        let uri = lb.redirect_uri().clone();
        let wait = tokio::spawn(lb.wait("s", Duration::from_secs(10)));
        get(&format!("{uri}?error=access_denied&state=s")).await;
        assert!(matches!(
            wait.await.unwrap(),
            Err(NetError::OAuth {
                cancelled: true,
                ..
            })
        ));

        let lb = LoopbackRedirect::bind(&LoopbackOptions::default())
            .await
            .unwrap();
        let r = lb.wait("s", Duration::from_millis(200)).await;
        assert!(matches!(
            r,
            Err(NetError::OAuth {
                cancelled: true,
                ..
            })
        ));
    }

    #[tokio::test]
    async fn ipv6_and_non_loopback() {
        let opts = LoopbackOptions {
            ip: "::1".parse().unwrap(),
            ..LoopbackOptions::default()
        };
        if let Ok(lb) = LoopbackRedirect::bind(&opts).await {
            assert!(lb.redirect_uri().as_str().starts_with("http://[::1]:"));
        }
        let opts = LoopbackOptions {
            ip: "0.0.0.0".parse().unwrap(),
            ..LoopbackOptions::default()
        };
        assert!(LoopbackRedirect::bind(&opts).await.is_err());
    }
}
