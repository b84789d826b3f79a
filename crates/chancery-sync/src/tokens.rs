//! What the engine needs from whoever holds the tokens (the core, over the OS keyring), and a
//! simple in-memory implementation for rehearsal workspaces and tests.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chancery_model::accounts::{AccountId, Network};
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};

use crate::stream::SyncAccount;

/// Why no token can be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// A person must connect the account again (refresh refused, token revoked, none stored).
    #[error("{0}")]
    NeedsReauth(String),
    /// Temporarily unavailable (keyring locked, token endpoint unreachable): try later.
    #[error("{0}")]
    Unavailable(String),
}

/// The token side of the engine. The core implements it over the keyring and the OAuth
/// refresh; tests and rehearsals use [`StaticTokens`].
///
/// Rules the engine follows: it asks [`TokenSource::token`] before each request; on an X 401 it
/// calls [`TokenSource::unauthorized`] once (which refreshes) and retries once with the new
/// token; if that fails, or on a Graph 190, it calls [`TokenSource::mark_needs_reauth`] and
/// stops syncing that account (until [`crate::Engine::reconnected`]).
#[async_trait]
pub trait TokenSource: Send + Sync {
    /// A usable access token, refreshed first if it is about to expire.
    async fn token(&self, account: &SyncAccount) -> Result<SecretString, TokenError>;
    /// The network refused `rejected` as unauthorised: refresh once and return the new token.
    /// If the token was already replaced since, return the current one without refreshing.
    async fn unauthorized(
        &self,
        account: &SyncAccount,
        rejected: &SecretString,
    ) -> Result<SecretString, TokenError>;
    /// The account cannot be used until a person reconnects it (record it for the UI).
    async fn mark_needs_reauth(&self, account: &SyncAccount, reason: &str);
}

/// Where X refreshes tokens (OAuth 2.0 public client).
#[derive(Debug, Clone)]
pub struct XRefresh {
    pub token_url: String,
    pub client_id: String,
}

struct Held {
    access: SecretString,
    refresh: Option<SecretString>,
    expires_at: Option<DateTime<Utc>>,
    needs_reauth: Option<String>,
}

/// Tokens held in memory (a rehearsal workspace's ready credentials, tests), with X refresh
/// through the token endpoint (refresh tokens rotate: the new one replaces the old).
pub struct StaticTokens {
    held: Mutex<HashMap<AccountId, Held>>,
    x_refresh: Option<XRefresh>,
    http: reqwest::Client,
    /// Refreshes attempted (for tests).
    refreshes: std::sync::atomic::AtomicU64,
}

impl StaticTokens {
    pub fn new(x_refresh: Option<XRefresh>) -> Self {
        StaticTokens {
            held: Mutex::new(HashMap::new()),
            x_refresh,
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(20))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap_or_default(),
            refreshes: std::sync::atomic::AtomicU64::new(0),
        }
    }

    pub fn insert(
        &self,
        account: AccountId,
        access: SecretString,
        refresh: Option<SecretString>,
        expires_at: Option<DateTime<Utc>>,
    ) {
        if let Ok(mut g) = self.held.lock() {
            g.insert(
                account,
                Held {
                    access,
                    refresh,
                    expires_at,
                    needs_reauth: None,
                },
            );
        }
    }

    pub fn refreshes(&self) -> u64 {
        self.refreshes.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn needs_reauth(&self, account: AccountId) -> Option<String> {
        self.held
            .lock()
            .ok()
            .and_then(|g| g.get(&account).and_then(|h| h.needs_reauth.clone()))
    }

    async fn refresh(&self, account: &SyncAccount) -> Result<SecretString, TokenError> {
        let refresh = {
            let g = self
                .held
                .lock()
                .map_err(|_| TokenError::Unavailable("token table poisoned".into()))?;
            g.get(&account.id).and_then(|h| h.refresh.clone())
        };
        let (Some(refresh), Some(cfg), Network::X) =
            (refresh, self.x_refresh.as_ref(), account.network)
        else {
            return Err(TokenError::NeedsReauth(format!(
                "@{} has no refresh token: reconnect it",
                account.handle
            )));
        };
        self.refreshes
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.expose_secret()),
            ("client_id", cfg.client_id.as_str()),
        ];
        let resp = self
            .http
            .post(&cfg.token_url)
            .form(&form)
            .send()
            .await
            .map_err(|e| {
                TokenError::Unavailable(format!(
                    "could not reach X to refresh the sign-in: {}",
                    e.without_url()
                ))
            })?;
        let status = resp.status();
        let body: serde_json::Value = resp.json().await.unwrap_or_default();
        if status.is_server_error() {
            return Err(TokenError::Unavailable(format!(
                "X could not refresh the sign-in (HTTP {status})"
            )));
        }
        let access = body.get("access_token").and_then(|v| v.as_str());
        let Some(access) = access.filter(|_| status.is_success()) else {
            return Err(TokenError::NeedsReauth(format!(
                "X refused to refresh the sign-in of @{}: reconnect the account",
                account.handle
            )));
        };
        let access = SecretString::from(access.to_string());
        let new_refresh = body
            .get("refresh_token")
            .and_then(|v| v.as_str())
            .map(|s| SecretString::from(s.to_string()));
        let expires_at = body
            .get("expires_in")
            .and_then(|v| v.as_i64())
            .map(|s| Utc::now() + chrono::Duration::seconds(s));
        if let Ok(mut g) = self.held.lock() {
            if let Some(h) = g.get_mut(&account.id) {
                h.access = access.clone();
                if new_refresh.is_some() {
                    h.refresh = new_refresh;
                }
                h.expires_at = expires_at;
            }
        }
        Ok(access)
    }
}

#[async_trait]
impl TokenSource for StaticTokens {
    async fn token(&self, account: &SyncAccount) -> Result<SecretString, TokenError> {
        let (access, expiring) = {
            let g = self
                .held
                .lock()
                .map_err(|_| TokenError::Unavailable("token table poisoned".into()))?;
            let h = g.get(&account.id).ok_or_else(|| {
                TokenError::NeedsReauth(format!("no token for @{}", account.handle))
            })?;
            if let Some(why) = &h.needs_reauth {
                return Err(TokenError::NeedsReauth(why.clone()));
            }
            let expiring = h
                .expires_at
                .is_some_and(|e| e <= Utc::now() + chrono::Duration::seconds(5));
            (h.access.clone(), expiring)
        };
        if expiring {
            return self.refresh(account).await;
        }
        Ok(access)
    }

    async fn unauthorized(
        &self,
        account: &SyncAccount,
        rejected: &SecretString,
    ) -> Result<SecretString, TokenError> {
        let current = {
            let g = self
                .held
                .lock()
                .map_err(|_| TokenError::Unavailable("token table poisoned".into()))?;
            g.get(&account.id).map(|h| h.access.clone())
        };
        if let Some(c) = current {
            if c.expose_secret() != rejected.expose_secret() {
                return Ok(c);
            }
        }
        self.refresh(account).await
    }

    async fn mark_needs_reauth(&self, account: &SyncAccount, reason: &str) {
        if let Ok(mut g) = self.held.lock() {
            if let Some(h) = g.get_mut(&account.id) {
                h.needs_reauth = Some(reason.to_string());
            }
        }
    }
}
