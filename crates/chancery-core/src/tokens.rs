//! "Give me a valid token for account A": the keyring, X refresh with rotation, and token
//! health.
//!
//! ## Refresh order (X rotates refresh tokens)
//!
//! X returns a new refresh token on every refresh and the old one stops working, so the new one
//! must reach the keyring before anything else can go wrong. The order is:
//!
//! 1. take the account's refresh lock (one refresh per account at a time: a second concurrent
//!    refresh with the same, now rotated, token would fail and wrongly disconnect the account);
//! 2. write a `refresh-pending` marker (the time) to the keyring;
//! 3. call the token endpoint;
//! 4. store the **new refresh token first** (three tries), then the access token;
//! 5. delete the marker; record expiry and last refresh in SQLite (health only, no token).
//!
//! A crash between 3 and 4 loses the rotated token: nothing can close that window (the answer
//! exists only in memory), so it is kept as short as possible (no other await in between). The
//! marker makes it visible: when the stored refresh token is later refused and the marker is
//! still there, the account is marked as needing re-authorisation with a message that says the
//! renewal was interrupted. If the keyring refuses the new token, it is kept in memory for this
//! session (the account keeps working) and the failure is recorded as the account's last error.
//! A crash between 4 and 5 is harmless: SQLite still has the old expiry, so the next call
//! refreshes again with the stored (new) refresh token.
//!
//! A refused refresh (`invalid_grant`, 401) marks only that account `needs_reauth` and emits
//! [`CoreEvent::AccountNeedsReauth`]; a transient failure (network, 5xx, rate limit) records the
//! error and leaves the account connected.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chancery_model::accounts::{Account, AccountId, Network, TokenHealth, TokenStatus};
use chancery_net::oauth::XTokens;
use chrono::{DateTime, Duration, Utc};
use secrecy::{ExposeSecret, SecretString};

use crate::secrets::{CredentialKey, CredentialKind};
use crate::{App, CoreError, CoreEvent};

/// Refresh X access tokens that expire within this margin.
pub const REFRESH_MARGIN: Duration = Duration::minutes(5);

/// In-memory token state of the running app (never persisted).
#[derive(Default)]
pub struct TokenState {
    locks: Mutex<HashMap<AccountId, Arc<tokio::sync::Mutex<()>>>>,
    /// The current access token per account, so the keyring is not read on every request.
    cache: Mutex<HashMap<AccountId, SecretString>>,
    /// Rotated refresh tokens the keyring refused to store (used instead of the stored one).
    unsaved_refresh: Mutex<HashMap<AccountId, SecretString>>,
}

impl std::fmt::Debug for TokenState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenState(..)")
    }
}

impl TokenState {
    fn lock_for(&self, account: AccountId) -> Arc<tokio::sync::Mutex<()>> {
        let mut g = self.locks.lock().unwrap_or_else(|p| p.into_inner());
        g.entry(account).or_default().clone()
    }

    fn cached(&self, account: AccountId) -> Option<SecretString> {
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&account)
            .cloned()
    }

    fn remember(&self, account: AccountId, token: &SecretString) {
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(account, token.clone());
    }

    pub(crate) fn forget(&self, account: AccountId) {
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&account);
        self.unsaved_refresh
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&account);
    }
}

/// Should the access token be refreshed now? Only X tokens expire; an unknown expiry is used
/// as is (a 401 then triggers [`App::after_unauthorized`]).
pub fn needs_refresh(health: &TokenHealth, now: DateTime<Utc>, margin: Duration) -> bool {
    health.access_expires_at.is_some_and(|t| t <= now + margin)
}

pub(crate) fn key(account: AccountId, kind: CredentialKind) -> CredentialKey {
    CredentialKey::new(account.to_string(), kind)
}

impl App {
    async fn account_or_not_found(&self, account: AccountId) -> Result<Account, CoreError> {
        self.store()
            .get_account(account)
            .await
            .map_err(CoreError::from)?
            .ok_or_else(|| CoreError::NotFound(format!("account {account}")))
    }

    /// A usable access token for `account`: an X token (refreshed first if it expires within
    /// [`REFRESH_MARGIN`] of `now`) or a Facebook Page token. This is what the sync engine and
    /// the outbox call before each request.
    pub async fn access_token(
        &self,
        account: AccountId,
        now: DateTime<Utc>,
    ) -> Result<SecretString, CoreError> {
        let a = self.account_or_not_found(account).await?;
        match a.token.status {
            TokenStatus::Connected => {}
            TokenStatus::NeedsReauth => {
                return Err(CoreError::NeedsReauth(format!(
                    "@{} must be reconnected: {}",
                    a.handle,
                    a.token
                        .last_error
                        .as_deref()
                        .unwrap_or("its sign-in no longer works")
                )))
            }
            TokenStatus::Disconnected => {
                return Err(CoreError::NeedsReauth(format!(
                    "@{} is not connected yet",
                    a.handle
                )))
            }
        }
        match a.network {
            Network::Facebook => self.stored_token(&a, CredentialKind::PageToken, now).await,
            Network::X => {
                if needs_refresh(&a.token, now, REFRESH_MARGIN) {
                    self.refresh_locked(&a, None, now).await
                } else {
                    self.stored_token(&a, CredentialKind::AccessToken, now)
                        .await
                }
            }
        }
    }

    /// Refreshes an X token now, whatever its expiry.
    pub async fn refresh_x_token(
        &self,
        account: AccountId,
        now: DateTime<Utc>,
    ) -> Result<SecretString, CoreError> {
        let a = self.account_or_not_found(account).await?;
        if a.network != Network::X {
            return Err(CoreError::Validation("only X tokens are refreshed".into()));
        }
        self.refresh_locked(&a, Some(None), now).await
    }

    /// The network refused `rejected` as unauthorised. X: refresh once (unless the token was
    /// already replaced since, then return the current one). Facebook: nothing to refresh, the
    /// account needs re-authorisation.
    pub async fn after_unauthorized(
        &self,
        account: AccountId,
        rejected: &SecretString,
        now: DateTime<Utc>,
    ) -> Result<SecretString, CoreError> {
        let a = self.account_or_not_found(account).await?;
        match a.network {
            Network::X => self.refresh_locked(&a, Some(Some(rejected)), now).await,
            Network::Facebook => {
                let reason = "Facebook no longer accepts this Page's sign-in; reconnect it with Facebook Login.";
                self.mark_needs_reauth(account, reason, now).await?;
                Err(CoreError::NeedsReauth(reason.into()))
            }
        }
    }

    /// Records that `account` cannot be used until a person reconnects it, and tells the UI.
    pub async fn mark_needs_reauth(
        &self,
        account: AccountId,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), CoreError> {
        let a = self.account_or_not_found(account).await?;
        let health = TokenHealth {
            status: TokenStatus::NeedsReauth,
            access_expires_at: a.token.access_expires_at,
            last_refresh_at: a.token.last_refresh_at,
            last_error: Some(reason.to_string()),
        };
        self.store().set_token_health(account, &health, now).await?;
        self.token_state.forget(account);
        tracing::warn!(account = %account, network = a.network.as_str(), "account needs re-authorisation");
        self.emit(CoreEvent::AccountNeedsReauth {
            account_id: account,
            network: a.network,
            handle: a.handle.clone(),
            reason: reason.to_string(),
        });
        Ok(())
    }

    async fn stored_token(
        &self,
        a: &Account,
        kind: CredentialKind,
        now: DateTime<Utc>,
    ) -> Result<SecretString, CoreError> {
        if let Some(t) = self.token_state.cached(a.id) {
            return Ok(t);
        }
        match self.keyring().load(&key(a.id, kind)).await? {
            Some(t) => {
                self.token_state.remember(a.id, &t);
                Ok(t)
            }
            None => {
                let reason = "its token is missing from the system keychain";
                self.mark_needs_reauth(
                    a.id,
                    &format!("Chancery has no sign-in for this account: {reason}. Reconnect it."),
                    now,
                )
                .await?;
                Err(CoreError::NeedsReauth(format!(
                    "@{} must be reconnected: {reason}",
                    a.handle
                )))
            }
        }
    }

    /// `force`: `None` = refresh only if still needed once the lock is held; `Some(None)` =
    /// always; `Some(Some(t))` = unless the current token is no longer `t`.
    async fn refresh_locked(
        &self,
        a: &Account,
        force: Option<Option<&SecretString>>,
        now: DateTime<Utc>,
    ) -> Result<SecretString, CoreError> {
        let lock = self.token_state.lock_for(a.id);
        let _held = lock.lock().await;
        // Someone may have refreshed while this call waited for the lock.
        let current = self.account_or_not_found(a.id).await?;
        if current.token.status == TokenStatus::NeedsReauth {
            return Err(CoreError::NeedsReauth(format!(
                "@{} must be reconnected: {}",
                current.handle,
                current
                    .token
                    .last_error
                    .as_deref()
                    .unwrap_or("its sign-in no longer works")
            )));
        }
        match force {
            None if !needs_refresh(&current.token, now, REFRESH_MARGIN) => {
                return self
                    .stored_token(&current, CredentialKind::AccessToken, now)
                    .await;
            }
            Some(Some(rejected)) => {
                let stored = match self.token_state.cached(a.id) {
                    Some(t) => Some(t),
                    None => {
                        self.keyring()
                            .load(&key(a.id, CredentialKind::AccessToken))
                            .await?
                    }
                };
                if let Some(s) = stored.filter(|s| s.expose_secret() != rejected.expose_secret()) {
                    return Ok(s);
                }
            }
            _ => {}
        }
        self.refresh_now(&current, now).await
    }

    async fn refresh_now(
        &self,
        a: &Account,
        now: DateTime<Utc>,
    ) -> Result<SecretString, CoreError> {
        let oauth = self.workspace.x_oauth.clone().ok_or_else(|| {
            CoreError::Validation("this workspace has no X app configured".into())
        })?;
        let unsaved = self
            .token_state
            .unsaved_refresh
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&a.id)
            .cloned();
        let refresh = match unsaved {
            Some(r) => Some(r),
            None => {
                self.keyring()
                    .load(&key(a.id, CredentialKind::RefreshToken))
                    .await?
            }
        };
        let Some(refresh) = refresh else {
            let reason = "Chancery holds no refresh token for this X account (it was connected without offline access). Reconnect it.";
            self.mark_needs_reauth(a.id, reason, now).await?;
            return Err(CoreError::NeedsReauth(reason.into()));
        };
        let marker = key(a.id, CredentialKind::RefreshPending);
        let interrupted_before = self.keyring().load(&marker).await?.is_some();
        self.keyring()
            .store(&marker, &SecretString::from(now.to_rfc3339()))
            .await?;
        match oauth.refresh(&refresh).await {
            Ok(tokens) => {
                let access = self.save_x_tokens(a.id, &tokens, now).await?;
                let _ = self.keyring().remove(&marker).await;
                tracing::info!(account = %a.id, "X token refreshed");
                Ok(access)
            }
            Err(f) if f.error.needs_reauth() => {
                let _ = self.keyring().remove(&marker).await;
                let reason = if interrupted_before {
                    "Chancery was interrupted while renewing this account's sign-in, and X no longer accepts the old one. Reconnect the account.".to_string()
                } else {
                    f.error.plain_words()
                };
                self.mark_needs_reauth(a.id, &reason, now).await?;
                Err(CoreError::NeedsReauth(reason))
            }
            Err(f) => {
                // The marker stays: if X did rotate before the answer was lost, the next
                // refresh will be refused and the message will say why.
                let words = f.error.plain_words();
                let health = TokenHealth {
                    last_error: Some(words.clone()),
                    ..a.token.clone()
                };
                self.store().set_token_health(a.id, &health, now).await?;
                Err(crate::error::from_net(f.error))
            }
        }
    }

    /// Stores freshly issued X tokens (refresh token first) and records the health. Returns the
    /// access token.
    pub(crate) async fn save_x_tokens(
        &self,
        account: AccountId,
        tokens: &XTokens,
        now: DateTime<Utc>,
    ) -> Result<SecretString, CoreError> {
        let mut keyring_error = None;
        if let Some(r) = &tokens.refresh_token {
            let mut saved = false;
            for attempt in 0..3u64 {
                match self
                    .keyring()
                    .store(&key(account, CredentialKind::RefreshToken), r)
                    .await
                {
                    Ok(()) => {
                        saved = true;
                        break;
                    }
                    Err(e) => {
                        keyring_error = Some(e.to_string());
                        tokio::time::sleep(std::time::Duration::from_millis(100 * (attempt + 1)))
                            .await;
                    }
                }
            }
            let mut unsaved = self
                .token_state
                .unsaved_refresh
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if saved {
                unsaved.remove(&account);
            } else {
                unsaved.insert(account, r.clone());
            }
        }
        if let Err(e) = self
            .keyring()
            .store(
                &key(account, CredentialKind::AccessToken),
                &tokens.access_token,
            )
            .await
        {
            keyring_error.get_or_insert(e.to_string());
        }
        self.token_state.remember(account, &tokens.access_token);
        let expires = tokens
            .expires_in
            .and_then(|d| Duration::from_std(d).ok())
            .map(|d| now + d);
        let health = TokenHealth {
            status: TokenStatus::Connected,
            access_expires_at: expires,
            last_refresh_at: Some(now),
            last_error: keyring_error.map(|e| {
                format!("The renewed sign-in could not be saved in the system keychain ({e}); it works until Chancery closes.")
            }),
        };
        self.store().set_token_health(account, &health, now).await?;
        Ok(tokens.access_token.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// The token functions run inside `Send` futures of any lifetime (the sync engine boxes
    /// them behind `async_trait`).
    #[allow(dead_code)]
    fn futures_are_send<'a>(
        app: &'a App,
        id: AccountId,
        t: &'a SecretString,
        now: DateTime<Utc>,
    ) -> Vec<std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'a>>> {
        vec![
            Box::pin(async move {
                let _ = app.access_token(id, now).await;
            }),
            Box::pin(async move {
                let _ = app.after_unauthorized(id, t, now).await;
            }),
            Box::pin(async move {
                let _ = app.mark_needs_reauth(id, "x", now).await;
            }),
            Box::pin(async move {
                let _ = app.refresh_x_token(id, now).await;
            }),
        ]
    }

    #[test]
    fn refresh_margin() {
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        let mut h = TokenHealth::disconnected();
        assert!(
            !needs_refresh(&h, now, REFRESH_MARGIN),
            "unknown expiry: use as is"
        );
        h.access_expires_at = Some(now + Duration::minutes(30));
        assert!(!needs_refresh(&h, now, REFRESH_MARGIN));
        h.access_expires_at = Some(now + Duration::minutes(4));
        assert!(needs_refresh(&h, now, REFRESH_MARGIN));
        h.access_expires_at = Some(now - Duration::minutes(1));
        assert!(needs_refresh(&h, now, REFRESH_MARGIN));
    }
}
