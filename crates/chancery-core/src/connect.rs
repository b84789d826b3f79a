//! Connecting accounts for real: X OAuth 2.0 with PKCE through the loopback redirect, and
//! Facebook Login followed by `/me/accounts` for the Page tokens. Tokens go to the keyring
//! only; the account rows get their external ids, handle, name, avatar and token health.
//!
//! The host opens the authorize URL: the desktop app in the system browser, the CLI prints it
//! (and opens it with `--open`), tests follow it with an HTTP client.

use std::time::Duration;

use chancery_model::accounts::{
    Account, AccountId, AccountInput, AccountKind, GroupId, GroupKind, Network, TokenHealth,
    TokenStatus,
};
use chancery_net::oauth::{LoopbackOptions, TokenHint};
use chancery_net::Auth;
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use url::Url;

use crate::accounts::avatars::AvatarCache;
use crate::accounts::bootstrap::FACEBOOK_APP_OWNER;
use crate::error::from_net;
use crate::secrets::{CredentialKey, CredentialKind};
use crate::tokens::key;
use crate::{App, CoreError, CoreEvent};

/// Name of the group new accounts go to when no group is given.
pub const UNSORTED_GROUP: &str = "Unsorted";

/// How a connect flow runs.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// How long to wait for the person to finish in the browser.
    pub timeout: Duration,
    pub loopback: LoopbackOptions,
    /// Where accounts not in the registry yet are created (default: a top-level "Unsorted").
    pub group: Option<GroupId>,
    /// Facebook: also create Pages that are not in the registry yet (else only registered
    /// Pages are connected).
    pub create_missing: bool,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            timeout: Duration::from_secs(300),
            loopback: LoopbackOptions::default(),
            group: None,
            create_missing: true,
        }
    }
}

impl App {
    async fn group_for_new(
        &self,
        opts: &ConnectOptions,
        now: DateTime<Utc>,
    ) -> Result<GroupId, CoreError> {
        match opts.group {
            Some(g) => Ok(g),
            None => Ok(self
                .ensure_group_path(&[(UNSORTED_GROUP.into(), GroupKind::Other)], now)
                .await?
                .0),
        }
    }

    async fn find_account(
        &self,
        network: Network,
        external_id: &str,
        handle: &str,
    ) -> Result<Option<Account>, CoreError> {
        let all = self.store().list_accounts().await?;
        let by_id = all.iter().find(|l| {
            l.account.network == network && l.account.external_id.as_deref() == Some(external_id)
        });
        let by_handle = || {
            all.iter().find(|l| {
                l.account.network == network && l.account.handle.eq_ignore_ascii_case(handle)
            })
        };
        Ok(by_id.or_else(by_handle).map(|l| l.account.clone()))
    }

    async fn cache_avatar(&self, url: Option<&str>) -> Option<String> {
        let url = url?;
        let cache = AvatarCache::new(self.data_dir()).ok()?;
        match cache.fetch(url).await {
            Ok(p) => Some(p.display().to_string()),
            Err(e) => {
                tracing::warn!(error = %e, "avatar not cached");
                None
            }
        }
    }

    /// Connects an X account: PKCE sign-in in the browser (`open` gets the authorize URL),
    /// token exchange, `users/me`, then the tokens into the keyring and the account row updated
    /// (or created in `opts.group`).
    pub async fn connect_x(
        &self,
        open: impl FnOnce(&Url),
        opts: &ConnectOptions,
    ) -> Result<Account, CoreError> {
        let oauth = self.workspace.x_oauth.clone().ok_or_else(|| {
            CoreError::Validation("this workspace has no X app configured (client id)".into())
        })?;
        let pending = oauth.start(&opts.loopback).await.map_err(from_net)?;
        open(pending.authorize_url());
        let tokens = pending
            .finish(opts.timeout)
            .await
            .map_err(|f| from_net(f.error))?;
        let now = Utc::now();
        let me = self
            .workspace
            .x
            .users_me(&Auth::new(&tokens.access_token, "connecting"))
            .await
            .map_err(|f| from_net(f.error))?
            .data;
        let existing = self.find_account(Network::X, &me.id, &me.username).await?;
        let avatar = match existing.as_ref().and_then(|a| a.avatar_path.clone()) {
            Some(p) => Some(p),
            None => self.cache_avatar(me.profile_image_url.as_deref()).await,
        };
        let input = match &existing {
            Some(a) => AccountInput {
                network: Network::X,
                external_id: Some(me.id.clone()),
                handle: me.username.clone(),
                display_name: if me.name.is_empty() {
                    a.display_name.clone()
                } else {
                    me.name.clone()
                },
                avatar_path: avatar,
                time_zone: a.time_zone.clone(),
                language: a.language.clone(),
                group_id: a.group_id,
                kind: a.kind,
            },
            None => AccountInput {
                network: Network::X,
                external_id: Some(me.id.clone()),
                handle: me.username.clone(),
                display_name: if me.name.is_empty() {
                    me.username.clone()
                } else {
                    me.name.clone()
                },
                avatar_path: avatar,
                time_zone: "UTC".into(),
                language: "und".into(),
                group_id: self.group_for_new(opts, now).await?,
                kind: AccountKind::Other,
            },
        };
        let (account, _) = self.store().upsert_account(&input, now).await?;
        self.token_state.forget(account.id);
        let _ = self
            .keyring()
            .remove(&key(account.id, CredentialKind::RefreshPending))
            .await;
        self.save_x_tokens(account.id, &tokens, now).await?;
        let account = self
            .store()
            .get_account(account.id)
            .await?
            .ok_or_else(|| CoreError::Internal("the connected account vanished".into()))?;
        tracing::info!(account = %account.id, "X account connected");
        self.emit(CoreEvent::AccountConnected {
            account_id: account.id,
            network: Network::X,
            handle: account.handle.clone(),
        });
        Ok(account)
    }

    /// Connects Facebook Pages: Facebook Login in the browser, the code exchanged for a user
    /// token (then a long-lived one), `/me/accounts` for every Page token. Registered Pages are
    /// matched by id or username; others are created when `opts.create_missing`.
    pub async fn connect_facebook(
        &self,
        open: impl FnOnce(&Url),
        opts: &ConnectOptions,
    ) -> Result<Vec<Account>, CoreError> {
        let login = self.workspace.facebook_login.clone().ok_or_else(|| {
            CoreError::Validation("this workspace has no Facebook app configured (app id)".into())
        })?;
        let secret = self
            .keyring()
            .load(&CredentialKey::new(FACEBOOK_APP_OWNER, CredentialKind::AppSecret))
            .await?
            .ok_or_else(|| {
                CoreError::Validation("the Facebook app secret is not in the keychain; the ministry's token broker must provide it".into())
            })?;
        let pending = login.start(&opts.loopback).await.map_err(from_net)?;
        open(pending.authorize_url());
        let code = pending
            .wait_for_code(opts.timeout)
            .await
            .map_err(from_net)?;
        let g = &self.workspace.graph;
        let short = g
            .exchange_code(
                &login.app_id,
                &secret,
                code.redirect_uri.as_str(),
                &code.code,
            )
            .await
            .map_err(|f| from_net(f.error))?
            .data;
        let long = g
            .exchange_for_long_lived(&login.app_id, &secret, &short.access_token)
            .await
            .map_err(|f| from_net(f.error))?
            .data;
        let pages = g
            .me_accounts_all(&Auth::new(&long.access_token, "facebook-login"), 50)
            .await
            .map_err(|f| from_net(f.error))?
            .data;
        let now = Utc::now();
        let mut connected = Vec::new();
        for page in pages {
            let handle = page.username.clone().unwrap_or_else(|| page.id.clone());
            let existing = self
                .find_account(Network::Facebook, &page.id, &handle)
                .await?;
            let input = match &existing {
                Some(a) => AccountInput {
                    network: Network::Facebook,
                    external_id: Some(page.id.clone()),
                    handle: handle.clone(),
                    display_name: if page.name.is_empty() {
                        a.display_name.clone()
                    } else {
                        page.name.clone()
                    },
                    avatar_path: a.avatar_path.clone(),
                    time_zone: a.time_zone.clone(),
                    language: a.language.clone(),
                    group_id: a.group_id,
                    kind: a.kind,
                },
                None if opts.create_missing => AccountInput {
                    network: Network::Facebook,
                    external_id: Some(page.id.clone()),
                    handle: handle.clone(),
                    display_name: if page.name.is_empty() {
                        handle.clone()
                    } else {
                        page.name.clone()
                    },
                    avatar_path: None,
                    time_zone: "UTC".into(),
                    language: "und".into(),
                    group_id: self.group_for_new(opts, now).await?,
                    kind: AccountKind::Institutional,
                },
                None => continue,
            };
            let (account, _) = self.store().upsert_account(&input, now).await?;
            self.token_state.forget(account.id);
            self.keyring()
                .store(
                    &key(account.id, CredentialKind::PageToken),
                    &page.access_token,
                )
                .await?;
            let health = TokenHealth {
                status: TokenStatus::Connected,
                access_expires_at: None,
                last_refresh_at: Some(now),
                last_error: None,
            };
            self.store()
                .set_token_health(account.id, &health, now)
                .await?;
            self.emit(CoreEvent::AccountConnected {
                account_id: account.id,
                network: Network::Facebook,
                handle: account.handle.clone(),
            });
            if let Some(a) = self.store().get_account(account.id).await? {
                connected.push(a);
            }
        }
        tracing::info!(pages = connected.len(), "Facebook Pages connected");
        Ok(connected)
    }

    /// Disconnects an account: revokes X tokens (best effort), deletes its keyring entries and
    /// marks it disconnected. The account and its history stay.
    pub async fn disconnect_account(
        &self,
        account: AccountId,
        now: DateTime<Utc>,
    ) -> Result<(), CoreError> {
        let a = self
            .store()
            .get_account(account)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("account {account}")))?;
        if a.network == Network::X {
            if let Some(oauth) = &self.workspace.x_oauth {
                for (kind, hint) in [
                    (CredentialKind::RefreshToken, TokenHint::RefreshToken),
                    (CredentialKind::AccessToken, TokenHint::AccessToken),
                ] {
                    if let Some(t) = self.keyring().load(&key(account, kind)).await? {
                        if let Err(f) = oauth.revoke(&t, hint).await {
                            tracing::warn!(account = %account, error = %f.error, "revocation failed; deleting the local copy anyway");
                        }
                    }
                }
            }
        }
        for kind in [
            CredentialKind::AccessToken,
            CredentialKind::RefreshToken,
            CredentialKind::PageToken,
            CredentialKind::RefreshPending,
        ] {
            self.keyring().remove(&key(account, kind)).await?;
        }
        self.token_state.forget(account);
        self.store()
            .set_token_health(account, &TokenHealth::disconnected(), now)
            .await?;
        Ok(())
    }

    /// Stores a Facebook app secret (a live workspace gets it from the ministry's token broker).
    pub async fn set_facebook_app_secret(&self, secret: &SecretString) -> Result<(), CoreError> {
        self.keyring()
            .store(
                &CredentialKey::new(FACEBOOK_APP_OWNER, CredentialKind::AppSecret),
                secret,
            )
            .await
    }
}
