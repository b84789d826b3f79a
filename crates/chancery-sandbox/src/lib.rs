//! chancery-sandbox: a local stand-in for the X API v2 and the Facebook Graph API.
//!
//! One loopback listener serves X under `/2/...` (and the OAuth authorize page at
//! `/i/oauth2/authorize`), Graph under `/{version}/...` (and unversioned), and an admin API under
//! `/__sandbox/...`. Traffic for hundreds of accounts is generated lazily from a seed; rate
//! limits, errors and faults follow the real services. It models the outside world from the
//! public documentation and depends on no other chancery crate.
//!
//! ```no_run
//! # async fn demo() -> Result<(), chancery_sandbox::SandboxError> {
//! use chancery_sandbox::{Sandbox, SandboxConfig};
//! let sb = Sandbox::start(SandboxConfig::default().seed(7), "127.0.0.1:0".parse().unwrap()).await?;
//! let manifest = sb.manifest();
//! println!("X API at {}", manifest.x.api_base);
//! sb.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Time rule: everything a client waits for (rate-limit resets, `expires_in`) is real time;
//! content timestamps (`created_at`, snowflake ids) run on the virtual clock
//! `virtual = start + elapsed_real × time_scale`.

// Handlers return a ready HTTP response as their error value; those are cold paths, so the
// size of `Response` in `Result` does not matter.
#![allow(clippy::result_large_err)]

mod admin;
pub mod bench;
mod clock;
mod config;
mod endpoint;
mod faults;
mod graph_api;
mod graph_fields;
mod graph_gen;
mod graph_store;
mod hash;
mod json;
mod lexicon;
mod manifest;
mod oauth;
mod places;
mod ratelimit;
mod reqlog;
mod server;
mod state;
mod tokens;
mod world;
mod x_api;
mod x_cache;
mod x_fields;
mod x_render;
mod x_store;
mod xgen;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::{Crisis, SandboxConfig, XNaming};
pub use faults::{FaultKind, FaultRule, InstalledFault, Latency};
pub use manifest::{
    AccountKind, Credentials, FacebookApp, Manifest, ManifestAccount, Network, SandboxInfo, XApp,
};
pub use reqlog::{RecordedRequest, RequestQuery, Stats};

use crate::state::Shared;
use crate::tokens::{scope_bits, scope_names, Claims, TokenKind};

/// Why a sandbox could not start or a call was refused.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("the sandbox only listens on loopback addresses, not {0}")]
    NotLoopback(SocketAddr),
    #[error("could not listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid sandbox configuration: {0}")]
    InvalidConfig(String),
    #[error("invalid fault rule: {0}")]
    InvalidFault(String),
}

/// A running sandbox. Dropping it without [`Sandbox::shutdown`] stops the server too.
pub struct Sandbox {
    shared: Arc<Shared>,
    addr: SocketAddr,
    base_url: url::Url,
    shutdown_tx: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

/// The scopes the ready-made X credentials carry.
const MANIFEST_X_SCOPES: &str = "tweet.read tweet.write tweet.moderate.write users.read offline.access media.write dm.read dm.write";

impl Sandbox {
    /// Starts a sandbox on `addr` (must be loopback; port 0 picks a free port).
    pub async fn start(config: SandboxConfig, addr: SocketAddr) -> Result<Sandbox, SandboxError> {
        if !addr.ip().is_loopback() {
            return Err(SandboxError::NotLoopback(addr));
        }
        config.validate().map_err(SandboxError::InvalidConfig)?;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| SandboxError::Bind { addr, source })?;
        let local = listener
            .local_addr()
            .map_err(|source| SandboxError::Bind { addr, source })?;
        let base = match local {
            SocketAddr::V4(a) => format!("http://{}:{}", a.ip(), a.port()),
            SocketAddr::V6(a) => format!("http://[{}]:{}", a.ip(), a.port()),
        };
        let base_url = url::Url::parse(&format!("{base}/"))
            .map_err(|e| SandboxError::InvalidConfig(format!("base URL: {e}")))?;
        let clock = clock::Clock::new(
            config.start_at.map(|t| t.timestamp_millis()),
            config.time_scale,
        );
        let world = world::World::build(&world::WorldParams {
            seed: config.seed,
            x_accounts: config.x_accounts,
            fb_pages: config.fb_pages,
            virtual_start_ms: clock.virtual_start_ms(),
            history_days: config.history_days,
            volume: config.volume,
            crisis: config.crisis.clone(),
        });
        let faults = faults::FaultEngine::new(config.seed, config.default_latency.clone());
        for f in &config.faults {
            faults.add(f.clone()).map_err(SandboxError::InvalidFault)?;
        }
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let seed = config.seed;
        let shared = Arc::new(Shared {
            clock,
            tokens: tokens::TokenAuthority::new(seed),
            limits: ratelimit::RateLimiter::new(config.rate_limits),
            faults,
            log: reqlog::RequestLog::new(config.request_log_capacity),
            naming: config.x_naming,
            graph_version: config.graph_version.clone(),
            history_days: config.history_days,
            base,
            x_client_id: format!(
                "c2FuZGJveC{}",
                world::base36(hash::h(seed, &[0xC11]) % 1_000_000_000_000)
            ),
            x_client_secret: hex::encode(hash::h(seed, &[0xC12]).to_le_bytes()),
            fb_app_id: format!(
                "{}",
                1_000_000_000_000_000 + hash::h(seed, &[0xFA1]) % 100_000_000_000_000
            ),
            fb_app_secret: hex::encode(hash::h(seed, &[0xFA2]).to_be_bytes()),
            fb_user_id: 122_000_000_000_000_000 + hash::h(seed, &[0xFA3]) % 1_000_000_000_000,
            x_store: x_store::XStore::default(),
            post_cache: x_cache::FragCache::new(config.render_cache_bytes),
            user_cache: x_cache::UserFrags::new(world.x.len(), world.users.len()),
            page_cache: x_cache::PageCache::new(config.render_cache_bytes),
            #[cfg(test)]
            caches_off: AtomicBool::new(false),
            fb_store: graph_store::FbStore::default(),
            codes: Mutex::new(HashMap::new()),
            auto_x: Mutex::new(config.auto_approve_x.clone()),
            auto_fb: AtomicBool::new(config.auto_approve_facebook),
            graph_page_limit: config.graph_page_hourly_limit,
            graph_user_limit: config.graph_user_hourly_limit,
            counter: AtomicU64::new(0),
            shutdown: shutdown_rx,
            manifest: OnceLock::new(),
            world,
        });
        let m = build_manifest(&shared);
        let _ = shared.manifest.set(m);
        let app = server::router(shared.clone())
            .into_make_service_with_connect_info::<server::ConnInfo>();
        let sd = shared.clone();
        let task = tokio::spawn(async move {
            let serve = axum::serve(server::CtlListener(listener), app)
                .with_graceful_shutdown(async move { sd.until_shutdown().await });
            if let Err(e) = serve.await {
                tracing::warn!(error = %e, "sandbox server stopped with an error");
            }
        });
        Ok(Sandbox {
            shared,
            addr: local,
            base_url,
            shutdown_tx,
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT/`
    pub fn base_url(&self) -> url::Url {
        self.base_url.clone()
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Endpoints, accounts and ready credentials.
    pub fn manifest(&self) -> Manifest {
        self.shared
            .manifest
            .get()
            .cloned()
            .unwrap_or_else(|| build_manifest(&self.shared))
    }

    /// Every recorded request (all writes; the most recent GETs).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.log.query(&RequestQuery::default())
    }

    pub fn requests_matching(&self, q: &RequestQuery) -> Vec<RecordedRequest> {
        self.shared.log.query(q)
    }

    /// Counters per endpoint and status.
    pub fn stats(&self) -> Stats {
        self.shared.log.stats()
    }

    /// Replaces the fault table.
    pub fn set_faults(&self, rules: Vec<FaultRule>) -> Result<Vec<u64>, SandboxError> {
        self.shared
            .faults
            .set(rules)
            .map_err(SandboxError::InvalidFault)
    }

    /// Adds one fault rule; returns its id.
    pub fn add_fault(&self, rule: FaultRule) -> Result<u64, SandboxError> {
        self.shared
            .faults
            .add(rule)
            .map_err(SandboxError::InvalidFault)
    }

    pub fn faults(&self) -> Vec<InstalledFault> {
        self.shared.faults.list()
    }

    pub fn clear_faults(&self) {
        self.shared.faults.clear();
    }

    /// Latency added to every request (`None` = none).
    pub fn set_default_latency(&self, latency: Option<Latency>) {
        self.shared.faults.set_default_latency(latency);
    }

    /// Approve OAuth dialogs at once: as this X username, and/or for Facebook Login.
    pub fn set_auto_approve(&self, x_username: Option<String>, facebook: bool) {
        if let Ok(mut g) = self.shared.auto_x.lock() {
            *g = x_username;
        }
        self.shared
            .auto_fb
            .store(facebook, std::sync::atomic::Ordering::Relaxed);
    }

    /// The sandbox's virtual clock now.
    pub fn virtual_now(&self) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(self.shared.clock.virtual_now_ms())
            .single()
            .unwrap_or_default()
    }

    /// Stops the server: hung requests are released, connections closed.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown_tx.send(true);
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.shutdown_tx.send(true);
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

fn iso(ms: i64) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

fn build_manifest(s: &Shared) -> Manifest {
    let seed = s.world.seed;
    let base = &s.base;
    let scopes = scope_bits(MANIFEST_X_SCOPES).unwrap_or(0);
    let mut accounts = Vec::with_capacity(s.world.x.len() + s.world.fb.len());
    for p in &s.world.x {
        let grant = hash::h(seed, &[0x6A, p.idx as u64]);
        let (access, _, exp) = s.issue_x_tokens(p.idx as u16, scopes, grant);
        // The ready refresh token is the same on every start with this seed.
        let refresh = s.tokens.issue(&Claims {
            kind: TokenKind::XRefresh,
            account: p.idx as u16,
            scopes,
            grant,
            nonce: hash::h(seed, &[0x6B, p.idx as u64]),
            expires_ms: 0,
        });
        accounts.push(ManifestAccount {
            network: Network::X,
            id: p.id.to_string(),
            username: p.username.clone(),
            display_name: p.name.clone(),
            avatar_url: format!("{base}/__sandbox/avatars/x/{}.svg", p.id),
            time_zone: p.tz.to_string(),
            language: p.lang.to_string(),
            kind: p.kind,
            group: p.group.clone(),
            credentials: Credentials::XUser {
                access_token: access,
                refresh_token: refresh,
                expires_at: iso(exp),
                scopes: scope_names(scopes),
            },
        });
    }
    for p in &s.world.fb {
        accounts.push(ManifestAccount {
            network: Network::Facebook,
            id: p.id.to_string(),
            username: p.username.clone(),
            display_name: p.name.clone(),
            avatar_url: format!("{base}/__sandbox/avatars/fb/{}.svg", p.id),
            time_zone: p.tz.to_string(),
            language: p.lang.to_string(),
            kind: p.kind,
            group: p.group.clone(),
            credentials: Credentials::FacebookPage {
                page_access_token: s.page_token(p.idx),
                tasks: [
                    "ANALYZE",
                    "ADVERTISE",
                    "MESSAGING",
                    "MODERATE",
                    "CREATE_CONTENT",
                    "MANAGE",
                ]
                .iter()
                .map(|t| t.to_string())
                .collect(),
            },
        });
    }
    let (user_token, user_exp) = s.issue_fb_user(oauth::FB_LONG_VIRTUAL_MS);
    Manifest {
        sandbox: SandboxInfo {
            base_url: format!("{base}/"),
            admin_url: format!("{base}/__sandbox/"),
            seed,
            time_scale: s.clock.scale(),
            x_naming: match s.naming {
                XNaming::Classic => "classic".into(),
                XNaming::Current => "current".into(),
            },
            virtual_start: iso(s.clock.virtual_start_ms()),
            history_days: s.history_days,
        },
        x: XApp {
            api_base: base.clone(),
            authorize_url: format!("{base}/i/oauth2/authorize"),
            token_url: format!("{base}/2/oauth2/token"),
            revoke_url: format!("{base}/2/oauth2/revoke"),
            client_id: s.x_client_id.clone(),
            client_secret: s.x_client_secret.clone(),
            app_bearer_token: s.app_bearer(),
            redirect_uri_rule:
                "http://127.0.0.1:PORT/PATH or http://[::1]:PORT/PATH (loopback only)".into(),
            scopes: tokens::X_SCOPES.iter().map(|s| s.to_string()).collect(),
        },
        facebook: FacebookApp {
            graph_api_base: format!("{base}/{}", s.graph_version),
            graph_version: s.graph_version.clone(),
            login_dialog_url: format!("{base}/{}/dialog/oauth", s.graph_version),
            access_token_url: format!("{base}/{}/oauth/access_token", s.graph_version),
            app_id: s.fb_app_id.clone(),
            app_secret: s.fb_app_secret.clone(),
            user_id: s.fb_user_id.to_string(),
            user_name: "Sandbox Officer".into(),
            user_access_token: user_token,
            user_token_expires_at: iso(user_exp),
        },
        accounts,
    }
}
