//! OAuth: X's authorize page, token and revoke endpoints (PKCE), and the Facebook Login dialog
//! with its code exchange and `fb_exchange_token`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use serde_json::{json, Value};

use crate::manifest::Network;
use crate::state::{PendingCode, Shared};
use crate::tokens::{has_scope, pkce_ok, scope_bits, scope_names, Claims, TokenKind};

type S = State<Arc<Shared>>;

/// X access tokens live 2 hours (virtual).
pub(crate) const X_ACCESS_VIRTUAL_MS: i64 = 2 * 3_600_000;
/// Facebook short-lived user tokens: 1 hour; long-lived: 60 days.
pub(crate) const FB_SHORT_VIRTUAL_MS: i64 = 3_600_000;
pub(crate) const FB_LONG_VIRTUAL_MS: i64 = 60 * 86_400_000;
/// Authorization codes live 30 s (virtual).
const CODE_VIRTUAL_MS: i64 = 30_000;

fn params(q: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(q.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn get<'a>(p: &'a [(String, String)], k: &str) -> Option<&'a str> {
    p.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

/// Only loopback http redirect URIs: `http://127.0.0.1:*/...` or `http://[::1]:*/...`
/// (`localhost` too).
pub(crate) fn loopback_redirect(uri: &str) -> bool {
    match url::Url::parse(uri) {
        Ok(u) => {
            u.scheme() == "http"
                && match u.host() {
                    Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                    Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                    Some(url::Host::Domain(d)) => d == "localhost",
                    None => false,
                }
        }
        Err(_) => false,
    }
}

fn error_page(status: StatusCode, title: &str, detail: &str) -> Response {
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{t}</title></head><body style=\"font-family:sans-serif;max-width:36em;margin:4em auto\"><h1>{t}</h1><p>{d}</p></body></html>",
        t = html_escape(title),
        d = html_escape(detail)
    );
    (status, Html(html)).into_response()
}

pub(crate) fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn redirect(to: &str) -> Response {
    let mut r = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

fn with_query(base: &str, pairs: &[(&str, &str)]) -> String {
    match url::Url::parse(base) {
        Ok(mut u) => {
            {
                let mut q = u.query_pairs_mut();
                for (k, v) in pairs {
                    q.append_pair(k, v);
                }
            }
            u.to_string()
        }
        Err(_) => base.to_string(),
    }
}

impl Shared {
    fn new_code(&self, pending: PendingCode) -> String {
        let raw = self.fresh_nonce().to_le_bytes();
        let extra = self.fresh_nonce().to_le_bytes();
        let mut b = raw.to_vec();
        b.extend_from_slice(&extra);
        let code = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
        if let Ok(mut c) = self.codes.lock() {
            let now = self.clock.real_now_ms();
            c.retain(|_, p| p.expires_ms > now);
            c.insert(code.clone(), pending);
        }
        code
    }

    fn take_code(&self, code: &str) -> Option<PendingCode> {
        let p = self.codes.lock().ok()?.remove(code)?;
        (p.expires_ms > self.clock.real_now_ms()).then_some(p)
    }

    /// Issues an X access token (+ refresh token with `offline.access`) for a grant.
    pub(crate) fn issue_x_tokens(
        &self,
        account: u16,
        scopes: u16,
        grant: u64,
    ) -> (String, Option<String>, i64) {
        let now = self.clock.real_now_ms();
        let life = self.clock.real_ms_for_virtual(X_ACCESS_VIRTUAL_MS);
        let access = self.tokens.issue(&Claims {
            kind: TokenKind::XUser,
            account,
            scopes,
            grant,
            nonce: self.fresh_nonce(),
            expires_ms: now + life,
        });
        let refresh = has_scope(scopes, "offline.access").then(|| {
            self.tokens.issue(&Claims {
                kind: TokenKind::XRefresh,
                account,
                scopes,
                grant,
                nonce: self.fresh_nonce(),
                expires_ms: 0,
            })
        });
        (access, refresh, now + life)
    }

    fn x_token_json(&self, access: &str, refresh: Option<&str>, scopes: u16) -> Value {
        let life_s = (self.clock.real_ms_for_virtual(X_ACCESS_VIRTUAL_MS) / 1000).max(1);
        let mut v = json!({
            "token_type": "bearer",
            "expires_in": life_s,
            "access_token": access,
            "scope": scope_names(scopes).join(" "),
        });
        if let Some(r) = refresh {
            v["refresh_token"] = json!(r);
        }
        v
    }

    fn auto_x_login(&self) -> Option<String> {
        self.auto_x.lock().ok().and_then(|g| g.clone())
    }
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let body = json!({"error": error, "error_description": description});
    let mut r = (status, serde_json::to_string(&body).unwrap_or_default()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    r
}

/// `GET /i/oauth2/authorize`: the consent page (or an immediate redirect for automation).
pub(crate) async fn x_authorize(State(s): S, RawQuery(q): RawQuery) -> Response {
    let p = params(q.as_deref().unwrap_or(""));
    let Some(client_id) = get(&p, "client_id") else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "Something went wrong",
            "client_id is missing.",
        );
    };
    if client_id != s.x_client_id {
        return error_page(
            StatusCode::BAD_REQUEST,
            "Something went wrong",
            "You weren't able to give access to the App. Go back and try logging in again.",
        );
    }
    let Some(redirect_uri) = get(&p, "redirect_uri") else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "Something went wrong",
            "redirect_uri is missing.",
        );
    };
    if !loopback_redirect(redirect_uri) {
        return error_page(
            StatusCode::BAD_REQUEST,
            "Something went wrong",
            "The sandbox only redirects to loopback addresses: http://127.0.0.1:PORT/... or http://[::1]:PORT/...",
        );
    }
    // From here on, errors go back to the client as redirects (RFC 6749 §4.1.2.1).
    let state = get(&p, "state").unwrap_or("");
    let fail = |e: &str, d: &str| {
        redirect(&with_query(
            redirect_uri,
            &[("error", e), ("error_description", d), ("state", state)],
        ))
    };
    if get(&p, "response_type") != Some("code") {
        return fail("unsupported_response_type", "response_type must be code");
    }
    if state.is_empty() || state.len() > 500 {
        return fail(
            "invalid_request",
            "state is required (at most 500 characters)",
        );
    }
    let Some(challenge) = get(&p, "code_challenge") else {
        return fail("invalid_request", "code_challenge is required");
    };
    let method = get(&p, "code_challenge_method").unwrap_or("plain");
    if method != "S256" && method != "plain" {
        return fail(
            "invalid_request",
            "code_challenge_method must be S256 or plain",
        );
    }
    let scope = get(&p, "scope").unwrap_or("");
    let scopes = match scope_bits(scope) {
        Ok(b) if b != 0 => b,
        Ok(_) => return fail("invalid_scope", "scope is required"),
        Err(bad) => return fail("invalid_scope", &format!("unknown scope {bad}")),
    };
    let login = get(&p, "sandbox_login")
        .map(str::to_string)
        .or_else(|| s.auto_x_login());
    if let Some(user) = login {
        let Some(&a) = s.world.x_by_username.get(&user.to_ascii_lowercase()) else {
            return fail("access_denied", "unknown sandbox_login user");
        };
        let code = s.new_code(PendingCode {
            account: a as u16,
            scopes,
            redirect_uri: redirect_uri.to_string(),
            client_id: client_id.to_string(),
            challenge: challenge.to_string(),
            method: method.to_string(),
            expires_ms: s.clock.real_now_ms() + s.clock.real_ms_for_virtual(CODE_VIRTUAL_MS),
        });
        return redirect(&with_query(
            redirect_uri,
            &[("state", state), ("code", &code)],
        ));
    }
    // The consent page.
    let mut options = String::new();
    for a in &s.world.x {
        options.push_str(&format!(
            "<option value=\"{u}\">{n} (@{u}) — {g}</option>",
            u = html_escape(&a.username),
            n = html_escape(&a.name),
            g = html_escape(&a.group.join(" / "))
        ));
    }
    let hidden: String = p
        .iter()
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                html_escape(k),
                html_escape(v)
            )
        })
        .collect();
    let scope_list: String = scope_names(scopes)
        .iter()
        .map(|s| format!("<li><code>{}</code></li>", html_escape(s)))
        .collect();
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Authorize app — X sandbox</title></head>\
<body style=\"font-family:sans-serif;max-width:40em;margin:3em auto\">\
<h1>Chancery sandbox wants to access your X account</h1>\
<p>This is the sandbox's stand-in for x.com. Choose which sandbox account signs in.</p>\
<form method=\"post\" action=\"/i/oauth2/authorize\">{hidden}\
<label>Account <select name=\"sandbox_account\" id=\"sandbox_account\">{options}</select></label>\
<p>The app will be able to:</p><ul>{scope_list}</ul>\
<button type=\"submit\" name=\"decision\" value=\"approve\" id=\"approve\">Authorize app</button> \
<button type=\"submit\" name=\"decision\" value=\"deny\" id=\"deny\">Cancel</button>\
</form></body></html>"
    );
    Html(html).into_response()
}

/// `POST /i/oauth2/authorize`: the consent form's answer.
pub(crate) async fn x_authorize_decision(State(s): S, body: Bytes) -> Response {
    let p = params(&String::from_utf8_lossy(&body));
    let Some(redirect_uri) = get(&p, "redirect_uri").filter(|r| loopback_redirect(r)) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "Something went wrong",
            "Bad redirect_uri.",
        );
    };
    let state = get(&p, "state").unwrap_or("");
    if get(&p, "decision") != Some("approve") {
        return redirect(&with_query(
            redirect_uri,
            &[("error", "access_denied"), ("state", state)],
        ));
    }
    let account = get(&p, "sandbox_account")
        .and_then(|u| s.world.x_by_username.get(&u.to_ascii_lowercase()).copied());
    let (Some(a), Some(challenge), Some(client_id)) =
        (account, get(&p, "code_challenge"), get(&p, "client_id"))
    else {
        return redirect(&with_query(
            redirect_uri,
            &[("error", "invalid_request"), ("state", state)],
        ));
    };
    let scopes = scope_bits(get(&p, "scope").unwrap_or("")).unwrap_or(0);
    let code = s.new_code(PendingCode {
        account: a as u16,
        scopes,
        redirect_uri: redirect_uri.to_string(),
        client_id: client_id.to_string(),
        challenge: challenge.to_string(),
        method: get(&p, "code_challenge_method")
            .unwrap_or("plain")
            .to_string(),
        expires_ms: s.clock.real_now_ms() + s.clock.real_ms_for_virtual(CODE_VIRTUAL_MS),
    });
    redirect(&with_query(
        redirect_uri,
        &[("state", state), ("code", &code)],
    ))
}

/// Client id from the form or HTTP Basic auth (confidential clients).
fn client_id_of(
    s: &Shared,
    headers: &HeaderMap,
    p: &[(String, String)],
) -> Result<Option<String>, ()> {
    if let Some(v) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        if let Some(b64) = v.strip_prefix("Basic ") {
            let raw = base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|_| ())?;
            let txt = String::from_utf8(raw).map_err(|_| ())?;
            let (id, secret) = txt.split_once(':').ok_or(())?;
            let id = percent_decode(id);
            if id != s.x_client_id || percent_decode(secret) != s.x_client_secret {
                return Err(());
            }
            return Ok(Some(id));
        }
    }
    Ok(get(p, "client_id").map(str::to_string))
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// `POST /2/oauth2/token`.
pub(crate) async fn x_token(State(s): S, headers: HeaderMap, body: Bytes) -> Response {
    let p = params(&String::from_utf8_lossy(&body));
    let client = match client_id_of(&s, &headers, &p) {
        Ok(c) => c,
        Err(()) => {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "unauthorized_client",
                "Missing valid authorization header",
            )
        }
    };
    let Some(client) = client.filter(|c| *c == s.x_client_id) else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "unauthorized_client",
            "Missing valid authorization header",
        );
    };
    match get(&p, "grant_type") {
        Some("authorization_code") => {
            let (Some(code), Some(redirect_uri), Some(verifier)) = (
                get(&p, "code"),
                get(&p, "redirect_uri"),
                get(&p, "code_verifier"),
            ) else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Missing required parameter [code, redirect_uri or code_verifier].",
                );
            };
            let Some(pending) = s.take_code(code) else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Value passed for the authorization code was invalid.",
                );
            };
            if pending.redirect_uri != redirect_uri || pending.client_id != client {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "Value passed for the redirect uri did not match the uri of the authorization code.");
            }
            if !pkce_ok(&pending.method, &pending.challenge, verifier) {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Value passed for the code verifier did not match the code challenge.",
                );
            }
            let grant = s.fresh_nonce();
            let (access, refresh, _) = s.issue_x_tokens(pending.account, pending.scopes, grant);
            let v = s.x_token_json(&access, refresh.as_deref(), pending.scopes);
            json_ok(&v)
        }
        Some("refresh_token") => {
            let Some(rt) = get(&p, "refresh_token") else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Missing required parameter [refresh_token].",
                );
            };
            let claims = match s.tokens.verify(rt, s.clock.real_now_ms()) {
                Ok(c) if c.kind == TokenKind::XRefresh => c,
                _ => {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_request",
                        "Value passed for the token was invalid.",
                    )
                }
            };
            // Rotation: the old refresh token stops working now.
            s.tokens.revoke_token(&claims);
            let (access, refresh, _) =
                s.issue_x_tokens(claims.account, claims.scopes, claims.grant);
            json_ok(&s.x_token_json(&access, refresh.as_deref(), claims.scopes))
        }
        Some("client_credentials") => {
            let v = json!({"token_type": "bearer", "access_token": s.app_bearer()});
            json_ok(&v)
        }
        _ => oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing or unsupported grant_type.",
        ),
    }
}

/// `POST /2/oauth2/revoke`.
pub(crate) async fn x_revoke(State(s): S, headers: HeaderMap, body: Bytes) -> Response {
    let p = params(&String::from_utf8_lossy(&body));
    if client_id_of(&s, &headers, &p).ok().flatten().as_deref() != Some(s.x_client_id.as_str()) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "unauthorized_client",
            "Missing valid authorization header",
        );
    }
    let Some(token) = get(&p, "token") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing required parameter [token].",
        );
    };
    if let Ok(c) = s.tokens.decode(token) {
        match c.kind {
            // Revoking a refresh token ends the whole grant (its access tokens too).
            TokenKind::XRefresh => s.tokens.revoke_grant(c.grant),
            TokenKind::XUser => s.tokens.revoke_token(&c),
            _ => {}
        }
    }
    json_ok(&json!({"revoked": true}))
}

fn json_ok(v: &Value) -> Response {
    let mut r = (StatusCode::OK, serde_json::to_string(v).unwrap_or_default()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    r
}

impl Shared {
    pub(crate) fn app_bearer(&self) -> String {
        self.tokens.issue(&Claims {
            kind: TokenKind::XApp,
            account: 0,
            scopes: 0,
            grant: crate::hash::h(self.world.seed, &[0xA99]),
            nonce: crate::hash::h(self.world.seed, &[0xA9A]),
            expires_ms: 0,
        })
    }

    /// A Facebook user token for the sandbox officer.
    pub(crate) fn issue_fb_user(&self, virtual_life_ms: i64) -> (String, i64) {
        let exp = self.clock.real_now_ms() + self.clock.real_ms_for_virtual(virtual_life_ms);
        let t = self.tokens.issue(&Claims {
            kind: TokenKind::FbUser,
            account: 0,
            scopes: 0,
            grant: self.fresh_nonce(),
            nonce: self.fresh_nonce(),
            expires_ms: exp,
        });
        (t, exp)
    }

    /// The (non-expiring) Page token of page `p`. Deterministic per seed.
    pub(crate) fn page_token(&self, p: usize) -> String {
        self.tokens.issue(&Claims {
            kind: TokenKind::FbPage,
            account: p as u16,
            scopes: 0,
            grant: crate::hash::h(self.world.seed, &[0xFB9, p as u64]),
            nonce: crate::hash::h(self.world.seed, &[0xFBA, p as u64]),
            expires_ms: 0,
        })
    }
}

// --- Facebook Login ------------------------------------------------------------------------------

/// `GET /{version}/dialog/oauth`
pub(crate) async fn fb_dialog(State(s): S, RawQuery(q): RawQuery) -> Response {
    let p = params(q.as_deref().unwrap_or(""));
    if get(&p, "client_id") != Some(s.fb_app_id.as_str()) {
        return error_page(
            StatusCode::BAD_REQUEST,
            "Error",
            "Invalid App ID: the client_id is not the sandbox app.",
        );
    }
    let Some(redirect_uri) = get(&p, "redirect_uri").filter(|r| loopback_redirect(r)) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "URL Blocked",
            "This redirect failed because the redirect URI is not a loopback address.",
        );
    };
    let state = get(&p, "state").unwrap_or("");
    let auto =
        get(&p, "sandbox_login").is_some() || s.auto_fb.load(std::sync::atomic::Ordering::Relaxed);
    if auto {
        let code = fb_code(&s, redirect_uri);
        return redirect(&with_query(
            redirect_uri,
            &[("code", &code), ("state", state)],
        ));
    }
    let hidden: String = p
        .iter()
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                html_escape(k),
                html_escape(v)
            )
        })
        .collect();
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Log in with Facebook — sandbox</title></head>\
<body style=\"font-family:sans-serif;max-width:40em;margin:3em auto\">\
<h1>Continue as Sandbox Officer?</h1><p>Chancery sandbox is requesting access to the {n} Pages you manage.</p>\
<form method=\"post\" action=\"/{v}/dialog/oauth\">{hidden}\
<button type=\"submit\" name=\"decision\" value=\"approve\" id=\"approve\">Continue</button> \
<button type=\"submit\" name=\"decision\" value=\"deny\" id=\"deny\">Cancel</button></form></body></html>",
        n = s.world.fb.len(),
        v = html_escape(&s.graph_version),
    );
    Html(html).into_response()
}

fn fb_code(s: &Shared, redirect_uri: &str) -> String {
    s.new_code(PendingCode {
        account: u16::MAX,
        scopes: 0,
        redirect_uri: redirect_uri.to_string(),
        client_id: s.fb_app_id.clone(),
        challenge: String::new(),
        method: "fb".into(),
        expires_ms: s.clock.real_now_ms() + s.clock.real_ms_for_virtual(10 * 60_000),
    })
}

/// `POST /{version}/dialog/oauth`: the dialog's answer.
pub(crate) async fn fb_dialog_decision(State(s): S, body: Bytes) -> Response {
    let p = params(&String::from_utf8_lossy(&body));
    let Some(redirect_uri) = get(&p, "redirect_uri").filter(|r| loopback_redirect(r)) else {
        return error_page(StatusCode::BAD_REQUEST, "URL Blocked", "Bad redirect_uri.");
    };
    let state = get(&p, "state").unwrap_or("");
    if get(&p, "decision") != Some("approve") {
        return redirect(&with_query(
            redirect_uri,
            &[
                ("error", "access_denied"),
                ("error_code", "200"),
                ("error_description", "Permissions error"),
                ("error_reason", "user_denied"),
                ("state", state),
            ],
        ));
    }
    let code = fb_code(&s, redirect_uri);
    redirect(&with_query(
        redirect_uri,
        &[("code", &code), ("state", state)],
    ))
}

/// `GET /{version}/oauth/access_token`: code exchange or `fb_exchange_token`.
pub(crate) async fn fb_access_token(State(s): S, RawQuery(q): RawQuery) -> Response {
    let p = params(q.as_deref().unwrap_or(""));
    let err = |code: u32, sub: Option<u32>, msg: &str| {
        s.graph_error_response(code, sub, msg, "OAuthException", None)
    };
    if get(&p, "client_id") != Some(s.fb_app_id.as_str()) {
        return err(
            101,
            None,
            "Error validating application. Invalid application ID.",
        );
    }
    if get(&p, "client_secret") != Some(s.fb_app_secret.as_str()) {
        let mut r = err(1, None, "Error validating client secret.");
        *r.status_mut() = StatusCode::BAD_REQUEST;
        return r;
    }
    if get(&p, "grant_type") == Some("fb_exchange_token") {
        let Some(t) = get(&p, "fb_exchange_token") else {
            return err(100, None, "Missing parameter fb_exchange_token");
        };
        return match s.tokens.verify(t, s.clock.real_now_ms()) {
            Ok(c) if c.kind == TokenKind::FbUser => {
                let (tok, _) = s.issue_fb_user(FB_LONG_VIRTUAL_MS);
                json_ok(&json!({"access_token": tok, "token_type": "bearer", "expires_in": s.clock.real_ms_for_virtual(FB_LONG_VIRTUAL_MS) / 1000}))
            }
            Ok(_) => err(190, None, "Invalid OAuth access token - Cannot parse access token"),
            Err(crate::tokens::TokenError::Expired) => err(190, Some(463), "Error validating access token: Session has expired."),
            Err(crate::tokens::TokenError::Revoked) => err(190, Some(460), "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons."),
            Err(_) => err(190, None, "Invalid OAuth access token - Cannot parse access token"),
        };
    }
    let Some(code) = get(&p, "code") else {
        return err(100, None, "Missing authorization code");
    };
    let Some(pending) = s.take_code(code).filter(|c| c.method == "fb") else {
        return err(100, Some(36009), "This authorization code has been used.");
    };
    if get(&p, "redirect_uri") != Some(pending.redirect_uri.as_str()) {
        return err(100, Some(36008), "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request");
    }
    let (tok, _) = s.issue_fb_user(FB_SHORT_VIRTUAL_MS);
    json_ok(
        &json!({"access_token": tok, "token_type": "bearer", "expires_in": s.clock.real_ms_for_virtual(FB_SHORT_VIRTUAL_MS) / 1000}),
    )
}

/// For logs: the network of a token kind.
pub(crate) fn token_network(k: TokenKind) -> Network {
    match k {
        TokenKind::XUser | TokenKind::XRefresh | TokenKind::XApp => Network::X,
        TokenKind::FbUser | TokenKind::FbPage => Network::Facebook,
    }
}

pub(crate) fn token_kind_name(k: TokenKind) -> &'static str {
    match k {
        TokenKind::XUser => "x_user",
        TokenKind::XRefresh => "x_refresh",
        TokenKind::XApp => "x_app",
        TokenKind::FbUser => "fb_user",
        TokenKind::FbPage => "fb_page",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_redirects() {
        assert!(loopback_redirect("http://127.0.0.1:8765/callback"));
        assert!(loopback_redirect("http://[::1]:9/cb"));
        assert!(!loopback_redirect("https://127.0.0.1:8765/callback"));
        assert!(!loopback_redirect("http://10.0.0.1/cb"));
        assert!(!loopback_redirect("http://example.com/cb"));
    }
}
