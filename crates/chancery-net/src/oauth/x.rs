//! X OAuth 2.0: Authorization Code with PKCE (S256) for a public client (no secret), through
//! the loopback redirect; token refresh (refresh tokens rotate: every refresh returns a new one
//! and the old one stops working, so the caller must store the new one before anything else);
//! revocation.

use std::sync::Mutex;
use std::time::Duration;

use chancery_model::accounts::Network;
use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, CsrfToken, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, RefreshToken, RequestTokenError, Scope, StandardRevocableToken, TokenResponse,
    TokenUrl,
};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::loopback::{LoopbackOptions, LoopbackRedirect};
use crate::budget::Budget;
use crate::error::{AuthProblem, NetError, NetFailure};
use crate::transport::{self, MAX_BODY_BYTES};
use crate::NetConfig;

/// The scopes Chancery asks for: read and write posts, read users, keep access
/// (`offline.access` gives a refresh token), upload media.
pub const X_SCOPES: &[&str] = &[
    "tweet.read",
    "tweet.write",
    "users.read",
    "offline.access",
    "media.write",
];
pub const X_AUTHORIZE_URL: &str = "https://x.com/i/oauth2/authorize";
pub const X_TOKEN_URL: &str = "https://api.x.com/2/oauth2/token";
pub const X_REVOKE_URL: &str = "https://api.x.com/2/oauth2/revoke";

/// The X app's OAuth settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XOAuthConfig {
    /// The public client id (PKCE: no secret).
    pub client_id: String,
    pub authorize_url: Url,
    pub token_url: Url,
    pub revoke_url: Url,
    pub scopes: Vec<String>,
}

impl XOAuthConfig {
    /// The real X endpoints.
    pub fn production(client_id: impl Into<String>) -> Result<XOAuthConfig, NetError> {
        XOAuthConfig::new(client_id, X_AUTHORIZE_URL, X_TOKEN_URL, X_REVOKE_URL)
    }

    pub fn new(
        client_id: impl Into<String>,
        authorize: &str,
        token: &str,
        revoke: &str,
    ) -> Result<XOAuthConfig, NetError> {
        let parse = |s: &str| {
            Url::parse(s).map_err(|e| NetError::Config(format!("`{s}` is not a URL: {e}")))
        };
        Ok(XOAuthConfig {
            client_id: client_id.into(),
            authorize_url: parse(authorize)?,
            token_url: parse(token)?,
            revoke_url: parse(revoke)?,
            scopes: X_SCOPES.iter().map(|s| s.to_string()).collect(),
        })
    }
}

/// What X issued.
#[derive(Debug, Clone)]
pub struct XTokens {
    pub access_token: SecretString,
    /// Present when `offline.access` was granted. Rotates on every refresh.
    pub refresh_token: Option<SecretString>,
    /// Lifetime of the access token (X: 2 hours).
    pub expires_in: Option<Duration>,
    pub scopes: Vec<String>,
}

/// Which token to revoke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenHint {
    AccessToken,
    RefreshToken,
}

/// The X OAuth client.
#[derive(Debug, Clone)]
pub struct XOAuth {
    config: XOAuthConfig,
    http: reqwest::Client,
}

impl XOAuth {
    pub fn new(config: XOAuthConfig, net: &NetConfig) -> Result<XOAuth, NetError> {
        Ok(XOAuth {
            config,
            // No redirects (oauth2's advice against SSRF), same timeouts and User-Agent.
            http: net.http_client()?,
        })
    }

    pub fn config(&self) -> &XOAuthConfig {
        &self.config
    }

    /// Starts a sign-in: binds the loopback listener and builds the authorize URL (PKCE S256,
    /// random `state`). Open [`XAuthorization::authorize_url`] in the system browser, then call
    /// [`XAuthorization::finish`].
    pub async fn start(&self, loopback: &LoopbackOptions) -> Result<XAuthorization, NetError> {
        let redirect = LoopbackRedirect::bind(loopback).await?;
        let redirect_url = RedirectUrl::from_url(redirect.redirect_uri().clone());
        let client = BasicClient::new(ClientId::new(self.config.client_id.clone()))
            .set_auth_uri(AuthUrl::from_url(self.config.authorize_url.clone()))
            .set_redirect_uri(redirect_url);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state) = client
            .authorize_url(CsrfToken::new_random)
            .add_scopes(self.config.scopes.iter().map(|s| Scope::new(s.clone())))
            .set_pkce_challenge(challenge)
            .url();
        Ok(XAuthorization {
            url,
            state,
            verifier,
            redirect,
            oauth: self.clone(),
        })
    }

    fn client(
        &self,
        redirect: Option<&Url>,
    ) -> oauth2::Client<
        oauth2::basic::BasicErrorResponse,
        oauth2::basic::BasicTokenResponse,
        oauth2::basic::BasicTokenIntrospectionResponse,
        StandardRevocableToken,
        oauth2::basic::BasicRevocationErrorResponse,
        oauth2::EndpointNotSet,
        oauth2::EndpointNotSet,
        oauth2::EndpointNotSet,
        oauth2::EndpointNotSet,
        oauth2::EndpointSet,
    > {
        let c = BasicClient::new(ClientId::new(self.config.client_id.clone()))
            .set_token_uri(TokenUrl::from_url(self.config.token_url.clone()));
        match redirect {
            Some(r) => c.set_redirect_uri(RedirectUrl::from_url(r.clone())),
            None => c,
        }
    }

    /// Exchanges an authorization code (valid 30 seconds at X) for tokens.
    pub async fn exchange_code(
        &self,
        code: &SecretString,
        verifier: PkceCodeVerifier,
        redirect_uri: &Url,
    ) -> Result<XTokens, NetFailure> {
        let rec = Recorder::default();
        let result = self
            .client(Some(redirect_uri))
            .exchange_code(AuthorizationCode::new(code.expose_secret().to_string()))
            .set_pkce_verifier(verifier)
            .request_async(&RecordingClient {
                http: &self.http,
                rec: &rec,
            })
            .await;
        finish("x.oauth_token", &rec, result, false)
    }

    /// Uses a refresh token. X rotates refresh tokens: store the returned one at once, the one
    /// passed in no longer works.
    pub async fn refresh(&self, refresh_token: &SecretString) -> Result<XTokens, NetFailure> {
        let rec = Recorder::default();
        let token = RefreshToken::new(refresh_token.expose_secret().to_string());
        let result = self
            .client(None)
            .exchange_refresh_token(&token)
            .request_async(&RecordingClient {
                http: &self.http,
                rec: &rec,
            })
            .await;
        finish("x.oauth_token", &rec, result, true)
    }

    /// Revokes a token (`POST /2/oauth2/revoke`, RFC 7009: `token`, `token_type_hint`,
    /// `client_id`). The endpoint must be HTTPS, except on a loopback address (the sandbox).
    pub async fn revoke(&self, token: &SecretString, hint: TokenHint) -> Result<(), NetFailure> {
        let url = &self.config.revoke_url;
        let loopback = match url.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(d)) => d == "localhost",
            None => false,
        };
        if url.scheme() != "https" && !loopback {
            return Err(NetError::Config("the revocation endpoint must use HTTPS".into()).into());
        }
        let hint = match hint {
            TokenHint::AccessToken => "access_token",
            TokenHint::RefreshToken => "refresh_token",
        };
        let req = self.http.post(url.clone()).form(&[
            ("token", token.expose_secret()),
            ("token_type_hint", hint),
            ("client_id", self.config.client_id.as_str()),
        ]);
        let call = transport::Call {
            network: Network::X,
            method: "POST",
            endpoint: "x.oauth_revoke",
            account: "oauth",
            sensitive: true,
        };
        transport::run(call, req, |raw| {
            if (200..300).contains(&raw.status) {
                return Ok(transport::Reply {
                    data: (),
                    budget: raw.budget,
                    status: raw.status,
                });
            }
            let v: serde_json::Value = serde_json::from_slice(&raw.body).unwrap_or_default();
            let detail = v
                .get("error_description")
                .or_else(|| v.get("error"))
                .or_else(|| v.get("detail"))
                .and_then(|d| d.as_str())
                .map(|d| crate::redact::snippet(d, 200))
                .unwrap_or_else(|| format!("HTTP {}", raw.status));
            let error = match raw.status {
                401 => NetError::Unauthorized {
                    network: Network::X,
                    problem: AuthProblem::Revoked,
                    subcode: None,
                    detail,
                },
                429 => NetError::RateLimited {
                    network: Network::X,
                    reset_at: raw.budget.x_rate.map(|w| w.reset_at),
                    detail,
                },
                500..=599 => NetError::Server {
                    network: Network::X,
                    status: raw.status,
                    detail,
                },
                _ => NetError::InvalidRequest {
                    network: Network::X,
                    detail,
                },
            };
            Err(NetFailure::with_budget(error, raw.budget))
        })
        .await
        .map(|_| ())
    }
}

/// A sign-in in progress.
#[derive(Debug)]
pub struct XAuthorization {
    url: Url,
    state: CsrfToken,
    verifier: PkceCodeVerifier,
    redirect: LoopbackRedirect,
    oauth: XOAuth,
}

impl XAuthorization {
    /// Open this in the system browser.
    pub fn authorize_url(&self) -> &Url {
        &self.url
    }

    pub fn redirect_uri(&self) -> &Url {
        self.redirect.redirect_uri()
    }

    /// Waits (at most `timeout`) for the browser to come back, then exchanges the code.
    pub async fn finish(self, timeout: Duration) -> Result<XTokens, NetFailure> {
        let redirect_uri = self.redirect.redirect_uri().clone();
        let got = self.redirect.wait(self.state.secret(), timeout).await?;
        self.oauth
            .exchange_code(&got.code, self.verifier, &redirect_uri)
            .await
    }
}

/// Records the status and headers of the token endpoint's answer, so errors can be classified
/// by status (a 503 must not look like a revoked grant).
#[derive(Default)]
struct Recorder {
    seen: Mutex<Option<(u16, Budget)>>,
}

#[derive(Debug, thiserror::Error)]
enum OAuthHttpError {
    #[error("{0}")]
    Transport(String, #[source] Option<reqwest::Error>),
}

/// The HTTP client handed to `oauth2`: sends with reqwest and records what came back. A named
/// type (not a closure) so the futures stay `Send` for any caller.
struct RecordingClient<'a> {
    http: &'a reqwest::Client,
    rec: &'a Recorder,
}

impl<'c> oauth2::AsyncHttpClient<'c> for RecordingClient<'_> {
    type Error = OAuthHttpError;
    type Future = std::pin::Pin<
        Box<
            dyn std::future::Future<Output = Result<oauth2::HttpResponse, OAuthHttpError>>
                + Send
                + 'c,
        >,
    >;

    fn call(&'c self, request: oauth2::HttpRequest) -> Self::Future {
        Box::pin(self.rec.call(self.http, request))
    }
}

impl Recorder {
    async fn call(
        &self,
        http: &reqwest::Client,
        req: oauth2::HttpRequest,
    ) -> Result<oauth2::HttpResponse, OAuthHttpError> {
        let req = reqwest::Request::try_from(req)
            .map_err(|e| OAuthHttpError::Transport("bad request".into(), Some(e.without_url())))?;
        let mut resp = http
            .execute(req)
            .await
            .map_err(|e| OAuthHttpError::Transport("send".into(), Some(e.without_url())))?;
        let status = resp.status();
        if let Ok(mut g) = self.seen.lock() {
            *g = Some((status.as_u16(), Budget::from_headers(resp.headers())));
        }
        let mut builder = oauth2::http::Response::builder().status(status.as_u16());
        for (k, v) in resp.headers() {
            builder = builder.header(k.as_str(), v.as_bytes());
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| OAuthHttpError::Transport("body".into(), Some(e.without_url())))?
        {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(OAuthHttpError::Transport(
                    "the answer is too large".into(),
                    None,
                ));
            }
            body.extend_from_slice(&chunk);
        }
        builder
            .body(body)
            .map_err(|e| OAuthHttpError::Transport(format!("bad answer: {e}"), None))
    }

    fn status(&self) -> u16 {
        self.seen
            .lock()
            .ok()
            .and_then(|g| g.as_ref().map(|s| s.0))
            .unwrap_or(0)
    }

    fn budget(&self) -> Budget {
        self.seen
            .lock()
            .ok()
            .and_then(|g| g.as_ref().map(|s| s.1.clone()))
            .unwrap_or_default()
    }
}

fn finish(
    endpoint: &'static str,
    rec: &Recorder,
    result: Result<
        oauth2::basic::BasicTokenResponse,
        RequestTokenError<OAuthHttpError, oauth2::basic::BasicErrorResponse>,
    >,
    refreshing: bool,
) -> Result<XTokens, NetFailure> {
    let span = tracing::info_span!(
        "net_request",
        network = "x",
        method = "POST",
        endpoint,
        status = rec.status()
    );
    let _e = span.enter();
    match result {
        Ok(t) => {
            tracing::debug!("token issued");
            Ok(XTokens {
                access_token: SecretString::from(t.access_token().secret().to_string()),
                refresh_token: t
                    .refresh_token()
                    .map(|r| SecretString::from(r.secret().to_string())),
                expires_in: t.expires_in(),
                scopes: t
                    .scopes()
                    .map(|s| s.iter().map(|x| x.to_string()).collect())
                    .unwrap_or_default(),
            })
        }
        Err(e) => {
            let f = classify(rec, e, refreshing);
            tracing::warn!(error = %f.error, "token request failed");
            Err(f)
        }
    }
}

/// Classifies a token-endpoint failure. `invalid_grant` (and X's "token was invalid") means the
/// grant is gone: re-authorise. Transport errors and 5xx are retryable.
fn classify<T>(
    rec: &Recorder,
    e: RequestTokenError<OAuthHttpError, T>,
    refreshing: bool,
) -> NetFailure
where
    T: oauth2::ErrorResponse + std::fmt::Debug,
{
    let status = rec.status();
    let budget = rec.budget();
    let by_status = |detail: String| -> NetError {
        match status {
            401 => NetError::Unauthorized {
                network: Network::X,
                problem: AuthProblem::Revoked,
                subcode: None,
                detail,
            },
            400 if refreshing => NetError::Unauthorized {
                network: Network::X,
                problem: AuthProblem::Revoked,
                subcode: None,
                detail,
            },
            400 | 422 => NetError::InvalidRequest {
                network: Network::X,
                detail,
            },
            403 => NetError::Permission {
                network: Network::X,
                detail,
            },
            429 => NetError::RateLimited {
                network: Network::X,
                reset_at: budget.x_rate.map(|w| w.reset_at),
                detail,
            },
            500..=599 => NetError::Server {
                network: Network::X,
                status,
                detail,
            },
            _ => NetError::Unexpected {
                network: Network::X,
                status,
                detail,
            },
        }
    };
    let error = match e {
        RequestTokenError::ServerResponse(r) => {
            // Serialise the response to read `error` and `error_description` generically.
            let v = serde_json::to_value(&r).unwrap_or_default();
            let code = v
                .get("error")
                .and_then(|c| c.as_str())
                .unwrap_or("")
                .to_string();
            let description = v
                .get("error_description")
                .and_then(|c| c.as_str())
                .unwrap_or("")
                .to_string();
            let detail = crate::redact::snippet(&format!("{code}: {description}"), 200);
            let grant_gone = code == BasicErrorResponseType::InvalidGrant.as_ref()
                || (refreshing
                    && code == "invalid_request"
                    && description.to_lowercase().contains("token"));
            if grant_gone {
                NetError::Unauthorized {
                    network: Network::X,
                    problem: AuthProblem::Revoked,
                    subcode: None,
                    detail,
                }
            } else if matches!(status, 429 | 500..=599) {
                by_status(detail)
            } else if code == "invalid_client" || code == "unauthorized_client" {
                NetError::Config(format!("X does not accept this app's client id ({detail})"))
            } else {
                NetError::InvalidRequest {
                    network: Network::X,
                    detail,
                }
            }
        }
        RequestTokenError::Request(OAuthHttpError::Transport(what, source)) => match source {
            Some(err) => transport::transport_error("x.oauth_token", err),
            None => NetError::ConnectionReset {
                endpoint: "x.oauth_token".into(),
                detail: what,
            },
        },
        RequestTokenError::Parse(err, _body) => {
            if (200..300).contains(&status) {
                NetError::Malformed {
                    endpoint: "x.oauth_token".into(),
                    status,
                    truncated: false,
                    reason: format!("not a token answer ({})", err.path()),
                    snippet: "<withheld: this answer can contain tokens>".into(),
                }
            } else {
                by_status(format!("HTTP {status}"))
            }
        }
        RequestTokenError::Other(s) => by_status(crate::redact::snippet(&s, 200)),
    };
    NetFailure::with_budget(error, budget)
}
