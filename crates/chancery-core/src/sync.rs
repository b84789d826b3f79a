//! The sync engine inside the app: tokens come from the keyring (with X refresh and rotation,
//! see [`crate::tokens`]), the cache and network settings are the app's. The desktop shell
//! starts it in the background; `chancery sync` uses the same engine.

use std::sync::{Arc, Weak};

use async_trait::async_trait;
use chancery_sync::{
    AccountFilter, Engine, SyncAccount, SyncConfig, SystemClock, TokenError, TokenSource,
};
use chrono::Utc;
use secrecy::SecretString;

use crate::{App, CoreError};

/// [`TokenSource`] over the app's keyring and token functions.
pub struct CoreTokens {
    app: Weak<App>,
}

fn token_error(e: CoreError) -> TokenError {
    match e {
        CoreError::NeedsReauth(m) | CoreError::NotFound(m) => TokenError::NeedsReauth(m),
        other => TokenError::Unavailable(other.to_string()),
    }
}

impl CoreTokens {
    fn app(&self) -> Result<Arc<App>, TokenError> {
        self.app
            .upgrade()
            .ok_or_else(|| TokenError::Unavailable("the app is shutting down".into()))
    }
}

#[async_trait]
impl TokenSource for CoreTokens {
    // The core's futures are run as tasks of their own (owned arguments): the engine needs
    // `Send` futures, which the compiler cannot prove for them through borrowed arguments.
    async fn token(&self, account: &SyncAccount) -> Result<SecretString, TokenError> {
        let (app, id) = (self.app()?, account.id);
        tokio::spawn(async move { app.access_token(id, Utc::now()).await })
            .await
            .map_err(|e| TokenError::Unavailable(e.to_string()))?
            .map_err(token_error)
    }

    async fn unauthorized(
        &self,
        account: &SyncAccount,
        rejected: &SecretString,
    ) -> Result<SecretString, TokenError> {
        let (app, id, rejected) = (self.app()?, account.id, rejected.clone());
        tokio::spawn(async move { app.after_unauthorized(id, &rejected, Utc::now()).await })
            .await
            .map_err(|e| TokenError::Unavailable(e.to_string()))?
            .map_err(token_error)
    }

    async fn mark_needs_reauth(&self, account: &SyncAccount, reason: &str) {
        let Ok(app) = self.app() else { return };
        let (id, reason) = (account.id, reason.to_string());
        let done =
            tokio::spawn(async move { app.mark_needs_reauth(id, &reason, Utc::now()).await }).await;
        if let Ok(Err(e)) = done {
            tracing::warn!(error = %e, account = %id, "could not record that the account needs re-authorisation");
        }
    }
}

impl App {
    /// A sync engine over this app's accounts (narrowed by `filter`), cache and tokens.
    pub async fn sync_engine(
        self: &Arc<Self>,
        config: SyncConfig,
        filter: &AccountFilter,
    ) -> Result<Engine, CoreError> {
        let tokens = Arc::new(CoreTokens {
            app: Arc::downgrade(self),
        });
        Engine::new(
            self.store().clone(),
            self.net_config(),
            tokens,
            config,
            filter,
            Arc::new(SystemClock),
        )
        .await
        .map_err(|e| CoreError::Internal(format!("starting sync: {e}")))
    }
}
