// Shared by several test binaries; each uses a different subset.
#![allow(dead_code)]

//! A sandbox, a real SQLite cache in a temp dir, and the sync engine over a chosen set of the
//! sandbox's accounts (tokens from the manifest's ready credentials).

use std::sync::Arc;
use std::time::Duration;

use chancery_model::accounts::{
    AccountId, AccountInput, AccountKind, GroupKind, Network, TokenHealth, TokenStatus,
};
use chancery_net::NetConfig;
use chancery_sandbox::{
    Credentials, Manifest, RecordedRequest, RequestQuery, Sandbox, SandboxConfig,
};
use chancery_store::Store;
use chancery_sync::{AccountFilter, Engine, StaticTokens, SyncConfig, SystemClock, XRefresh};
use chrono::Utc;
use secrecy::SecretString;

pub struct Rig {
    pub sandbox: Sandbox,
    pub manifest: Manifest,
    pub store: Store,
    pub tokens: Arc<StaticTokens>,
    /// (our account id, sandbox account id / Page id, network, username)
    pub accounts: Vec<(AccountId, String, Network, String)>,
    pub _dir: tempfile::TempDir,
}

impl Rig {
    /// A sandbox with `config`; registers the X accounts with these manifest indexes and the
    /// Pages with these indexes (None = all).
    pub async fn start(config: SandboxConfig, x: Option<&[usize]>, fb: Option<&[usize]>) -> Rig {
        let sandbox = Sandbox::start(config, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let manifest = sandbox.manifest();
        let dir = tempfile::TempDir::new().unwrap();
        let store = Store::open(dir.path().join("chancery.db")).await.unwrap();
        let tokens = Arc::new(StaticTokens::new(Some(XRefresh {
            token_url: manifest.x.token_url.clone(),
            client_id: manifest.x.client_id.clone(),
        })));
        let now = Utc::now();
        let group = store
            .create_group("Rehearsal", GroupKind::Other, None, now)
            .await
            .unwrap();
        let mut accounts = Vec::new();
        let (mut xi, mut fi) = (0usize, 0usize);
        for a in &manifest.accounts {
            let (network, idx) = match a.network {
                chancery_sandbox::Network::X => {
                    xi += 1;
                    (Network::X, xi - 1)
                }
                chancery_sandbox::Network::Facebook => {
                    fi += 1;
                    (Network::Facebook, fi - 1)
                }
            };
            let wanted = match network {
                Network::X => x.is_none_or(|l| l.contains(&idx)),
                Network::Facebook => fb.is_none_or(|l| l.contains(&idx)),
            };
            if !wanted {
                continue;
            }
            let input = AccountInput {
                network,
                external_id: Some(a.id.clone()),
                handle: a.username.clone(),
                display_name: a.display_name.clone(),
                avatar_path: None,
                time_zone: a.time_zone.clone(),
                language: a.language.clone(),
                group_id: group.id,
                kind: AccountKind::Institutional,
            };
            let (acc, _) = store.upsert_account(&input, now).await.unwrap();
            let health = TokenHealth {
                status: TokenStatus::Connected,
                access_expires_at: None,
                last_refresh_at: None,
                last_error: None,
            };
            store.set_token_health(acc.id, &health, now).await.unwrap();
            match &a.credentials {
                Credentials::XUser {
                    access_token,
                    refresh_token,
                    ..
                } => tokens.insert(
                    acc.id,
                    SecretString::from(access_token.clone()),
                    Some(SecretString::from(refresh_token.clone())),
                    None,
                ),
                Credentials::FacebookPage {
                    page_access_token, ..
                } => tokens.insert(
                    acc.id,
                    SecretString::from(page_access_token.clone()),
                    None,
                    None,
                ),
            }
            accounts.push((acc.id, a.id.clone(), network, a.username.clone()));
        }
        Rig {
            sandbox,
            manifest,
            store,
            tokens,
            accounts,
            _dir: dir,
        }
    }

    pub fn net(&self) -> NetConfig {
        NetConfig::with_bases(
            &self.manifest.x.api_base,
            &self.manifest.facebook.graph_api_base,
        )
        .unwrap()
    }

    pub async fn engine(&self, config: SyncConfig) -> Engine {
        Engine::new(
            self.store.clone(),
            &self.net(),
            self.tokens.clone(),
            config,
            &AccountFilter::default(),
            Arc::new(SystemClock),
        )
        .await
        .unwrap()
    }

    /// Every request the sandbox logged (GETs within the log's capacity).
    pub fn log(&self) -> Vec<RecordedRequest> {
        self.sandbox.requests_matching(&RequestQuery::default())
    }

    pub fn account(&self, network: Network, n: usize) -> &(AccountId, String, Network, String) {
        self.accounts
            .iter()
            .filter(|a| a.2 == network)
            .nth(n)
            .unwrap()
    }
}

/// Real time of a logged request.
pub fn at(r: &RecordedRequest) -> chrono::DateTime<Utc> {
    chrono::DateTime::parse_from_rfc3339(&r.at)
        .unwrap()
        .with_timezone(&Utc)
}

/// A policy for tests against a sandbox running `scale` times faster, with short retries.
pub fn fast_config(scale: f64) -> SyncConfig {
    SyncConfig {
        request_timeout: Duration::from_secs(3),
        retry_min_delay: Duration::from_millis(100),
        retry_max_delay: Duration::from_millis(800),
        backfill: false,
        comments_post_horizon: Duration::from_secs(12 * 3600),
        ..SyncConfig::default()
    }
    .time_scaled(scale)
}
