//! `chancery sync`: the same sync engine as the desktop app, from the command line, with a
//! progress bar and a summary table (and an estimate of the X API cost of the reads).
//!
//! `--rehearsal MANIFEST` syncs a sandbox's accounts (the manifest file that `chancery sandbox
//! --manifest` writes, or the sandbox's URL): the accounts are registered in the workspace and
//! the manifest's ready credentials are used. Real accounts take their tokens from the core's
//! keyring (see the report: not wired yet).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use chancery_model::accounts::{
    AccountInput, AccountKind, GroupKind, Network, TokenHealth, TokenStatus,
};
use chancery_model::items::SyncStream;
use chancery_net::NetConfig;
use chancery_sandbox::{Credentials, Manifest};
use chancery_store::Store;
use chancery_sync::{
    AccountFilter, Engine, RunReport, StaticTokens, SyncConfig, SyncEvent, SystemClock, XRefresh,
};
use chrono::Utc;
use secrecy::SecretString;

/// Sync the inboxes of the workspace's accounts into the local cache.
#[derive(Debug, Clone, clap::Args)]
pub struct SyncArgs {
    /// Read every stream once (with backfill down to the horizon), then stop (the default).
    #[arg(long, conflicts_with = "for_")]
    pub once: bool,
    /// Poll continuously for this long, e.g. `90s`, `10m`, `2h`.
    #[arg(long = "for", value_parser = parse_duration)]
    pub for_: Option<Duration>,
    /// Only these accounts (handles, comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub accounts: Vec<String>,
    /// Sync a sandbox: its manifest file, or its base URL (`http://127.0.0.1:8765/`).
    #[arg(long)]
    pub rehearsal: Option<String>,
    /// With --once: only the newest page of each stream, no backfill.
    #[arg(long)]
    pub no_backfill: bool,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// Backfill horizon in days.
    #[arg(long, default_value_t = 7)]
    pub horizon_days: u32,
    /// Per-request timeout in seconds.
    #[arg(long, default_value_t = 20)]
    pub timeout_secs: u64,
    /// X app mention reads per 15 minutes this client may use (of X's 450).
    #[arg(long)]
    pub x_app_cap: Option<u32>,
    /// Calls per hour this client allows itself per Facebook Page.
    #[arg(long)]
    pub fb_page_cap: Option<u32>,
    /// Calls per hour this client allows itself over all Facebook Pages.
    #[arg(long)]
    pub fb_app_cap: Option<u32>,
}

pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s.split_at(
        s.find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(s.len()),
    );
    let n: f64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration like 90s, 10m or 2h"))?;
    let secs = match unit {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("`{s}`: unknown unit `{unit}` (ms, s, m, h)")),
    };
    if !(secs.is_finite() && secs > 0.0) {
        return Err(format!("`{s}` must be positive"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// The workspace's cache file (the same one the desktop app opens).
pub fn db_path(data_dir: &Path) -> PathBuf {
    data_dir.join("chancery.db")
}

/// Reads a sandbox manifest from a file or from a running sandbox.
pub async fn load_manifest(src: &str) -> anyhow::Result<Manifest> {
    if src.starts_with("http://") || src.starts_with("https://") {
        let url = format!("{}/__sandbox/manifest", src.trim_end_matches('/'));
        let m = reqwest::get(&url)
            .await
            .with_context(|| format!("fetching {url}"))?
            .error_for_status()?
            .json::<Manifest>()
            .await
            .context("reading the sandbox manifest")?;
        return Ok(m);
    }
    let bytes = std::fs::read(src).with_context(|| format!("reading {src}"))?;
    serde_json::from_slice(&bytes).with_context(|| format!("{src} is not a sandbox manifest"))
}

/// Registers the sandbox's accounts in the workspace (group "Rehearsal"), marks them
/// connected, and returns their tokens.
pub async fn register_rehearsal(store: &Store, m: &Manifest) -> anyhow::Result<Arc<StaticTokens>> {
    let now = Utc::now();
    let group = match store
        .list_groups()
        .await?
        .into_iter()
        .find(|g| g.name == "Rehearsal" && g.parent_id.is_none())
    {
        Some(g) => g,
        None => {
            store
                .create_group("Rehearsal", GroupKind::Other, None, now)
                .await?
        }
    };
    let tokens = Arc::new(StaticTokens::new(Some(XRefresh {
        token_url: m.x.token_url.clone(),
        client_id: m.x.client_id.clone(),
    })));
    for a in &m.accounts {
        let input = AccountInput {
            network: match a.network {
                chancery_sandbox::Network::X => Network::X,
                chancery_sandbox::Network::Facebook => Network::Facebook,
            },
            external_id: Some(a.id.clone()),
            handle: a.username.clone(),
            display_name: a.display_name.clone(),
            avatar_path: None,
            time_zone: a.time_zone.clone(),
            language: a.language.clone(),
            group_id: group.id,
            kind: match a.kind {
                chancery_sandbox::AccountKind::Minister
                | chancery_sandbox::AccountKind::Ambassador => AccountKind::Personal,
                _ => AccountKind::Institutional,
            },
        };
        let (account, _) = store.upsert_account(&input, now).await?;
        let health = TokenHealth {
            status: TokenStatus::Connected,
            access_expires_at: None,
            last_refresh_at: None,
            last_error: None,
        };
        store.set_token_health(account.id, &health, now).await?;
        match &a.credentials {
            Credentials::XUser {
                access_token,
                refresh_token,
                expires_at,
                ..
            } => tokens.insert(
                account.id,
                SecretString::from(access_token.clone()),
                Some(SecretString::from(refresh_token.clone())),
                chrono::DateTime::parse_from_rfc3339(expires_at)
                    .ok()
                    .map(|t| t.with_timezone(&Utc)),
            ),
            Credentials::FacebookPage {
                page_access_token, ..
            } => tokens.insert(
                account.id,
                SecretString::from(page_access_token.clone()),
                None,
                None,
            ),
        }
    }
    Ok(tokens)
}

/// Runs `chancery sync`; returns the JSON summary.
pub async fn run(
    data_dir: &Path,
    args: &SyncArgs,
    json: bool,
) -> anyhow::Result<serde_json::Value> {
    let Some(src) = &args.rehearsal else {
        bail!(
            "syncing real accounts needs the desktop app's token store, which the command line cannot use yet; \
             use --rehearsal MANIFEST to sync a sandbox"
        );
    };
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let store = Store::open(db_path(data_dir))
        .await
        .context("opening the local cache")?;
    let manifest = load_manifest(src).await?;
    let tokens = register_rehearsal(&store, &manifest).await?;
    let net = NetConfig::with_bases(&manifest.x.api_base, &manifest.facebook.graph_api_base)?;
    let mut config = SyncConfig {
        max_concurrency: args.concurrency.max(1),
        backfill: !args.no_backfill,
        backfill_horizon: Duration::from_secs(u64::from(args.horizon_days) * 86_400),
        request_timeout: Duration::from_secs(args.timeout_secs.max(1)),
        ..SyncConfig::default()
    }
    .time_scaled(manifest.sandbox.time_scale);
    if let Some(cap) = args.x_app_cap {
        config.x_app_mentions_limit = cap;
        config.x_app_share = 1.0;
    }
    if let Some(cap) = args.fb_page_cap {
        config.fb_page_calls_per_hour = cap;
    }
    if let Some(cap) = args.fb_app_cap {
        config.fb_app_calls_per_hour = cap;
    }
    let filter = AccountFilter {
        ids: Vec::new(),
        handles: args.accounts.clone(),
    };
    let engine = Engine::new(
        store.clone(),
        &net,
        tokens,
        config.clone(),
        &filter,
        Arc::new(SystemClock),
    )
    .await?;
    let accounts = engine.accounts();
    if accounts.is_empty() {
        bail!("no account to sync (check --accounts)");
    }
    let xs = accounts.iter().filter(|a| a.network == Network::X).count();
    for w in config.check(xs, accounts.len() - xs) {
        eprintln!("warning: {w}");
    }
    let streams: u64 = accounts.iter().map(|a| a.streams().len() as u64).sum();
    let bar = if json {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(streams)
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} streams  {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut rx = engine.subscribe();
    let progress_bar = bar.clone();
    let watcher = tokio::spawn(async move {
        let mut done: std::collections::HashSet<(chancery_model::accounts::AccountId, SyncStream)> =
            Default::default();
        let (mut items, mut errors, mut reauth) = (0u64, 0u64, 0u64);
        loop {
            match rx.recv().await {
                Ok(SyncEvent::Progress {
                    account_id,
                    stream,
                    stored,
                    poll_done,
                    ..
                }) => {
                    items += u64::from(stored);
                    if poll_done && done.insert((account_id, stream)) {
                        progress_bar.inc(1);
                    }
                }
                Ok(SyncEvent::Error { gave_up: true, .. }) => errors += 1,
                Ok(SyncEvent::NeedsReauth { .. }) => reauth += 1,
                Ok(SyncEvent::Finished { .. }) => break,
                Ok(_) => {}
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(_) => break,
            }
            progress_bar.set_message(format!(
                "{items} items, {errors} errors, {reauth} need reconnecting"
            ));
        }
    });
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let t0 = Instant::now();
    let timer = {
        let stop_tx = stop_tx.clone();
        let limit = args.for_;
        tokio::spawn(async move {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = async {
                    match limit {
                        Some(d) => tokio::time::sleep(d).await,
                        None => std::future::pending::<()>().await,
                    }
                } => {}
            }
            let _ = stop_tx.send(true);
        })
    };
    let report = match args.for_ {
        Some(_) => engine.run_until(stop_rx).await,
        None => engine.run_cycle(!args.no_backfill, Some(stop_rx)).await,
    };
    timer.abort();
    let _ = watcher.await;
    bar.finish_and_clear();
    let elapsed = t0.elapsed();
    let status = engine.status();
    let summary = summary_json(&report, &status, elapsed, &config);
    if json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print_table(&report, &status, elapsed);
    }
    store.close().await;
    Ok(summary)
}

fn summary_json(
    report: &RunReport,
    status: &chancery_sync::SyncStatus,
    elapsed: Duration,
    config: &SyncConfig,
) -> serde_json::Value {
    let reauth: Vec<&str> = status
        .accounts
        .iter()
        .filter(|a| a.state == chancery_sync::AccountSyncState::NeedsReauth)
        .map(|a| a.handle.as_str())
        .collect();
    serde_json::json!({
        "complete": report.complete,
        "elapsed_ms": elapsed.as_millis() as u64,
        "time_scale": config.time_scale,
        "x": report.totals.x,
        "facebook": report.totals.facebook,
        "cost": report.totals.cost,
        "needs_reauth": reauth,
        "accounts": status.accounts.len(),
    })
}

fn print_table(report: &RunReport, status: &chancery_sync::SyncStatus, elapsed: Duration) {
    let t = &report.totals;
    println!(
        "Sync {} in {:.1} s ({} accounts)",
        if report.complete {
            "complete"
        } else {
            "stopped"
        },
        elapsed.as_secs_f64(),
        status.accounts.len()
    );
    println!(
        "{:<10} {:>9} {:>9} {:>7} {:>11} {:>12} {:>10}",
        "network", "requests", "items", "errors", "429/throttle", "quarantined", "busy s"
    );
    for (name, n) in [("X", &t.x), ("Facebook", &t.facebook)] {
        println!(
            "{:<10} {:>9} {:>9} {:>7} {:>11} {:>12} {:>10.1}",
            name,
            n.requests,
            n.items,
            n.errors,
            n.throttled,
            n.quarantined,
            n.busy_ms as f64 / 1000.0
        );
    }
    let c = &t.cost;
    println!();
    println!("X API cost of the reads (pay-per-use: post read $0.005, user read $0.010; each resource once per 24 h):");
    println!(
        "  incremental: {} post reads + {} user reads = ${:.2} over {:.1} h of content time",
        c.post_reads,
        c.user_reads,
        c.usd_observed,
        c.observed_seconds / 3600.0
    );
    if c.usd_per_day > 0.0 {
        println!(
            "  extrapolated: about ${:.2} a day (reads / observed time × 24 h)",
            c.usd_per_day
        );
    } else {
        println!(
            "  extrapolated: run longer (at least a minute of content time) for a daily figure"
        );
    }
    println!(
        "  backfill (one-off): {} post reads + {} user reads = ${:.2}",
        c.backfill_post_reads, c.backfill_user_reads, c.usd_backfill
    );
    let reauth: Vec<&str> = status
        .accounts
        .iter()
        .filter(|a| a.state == chancery_sync::AccountSyncState::NeedsReauth)
        .map(|a| a.handle.as_str())
        .collect();
    if !reauth.is_empty() {
        println!();
        println!("Needs reconnecting: {}", reauth.join(", "));
    }
}
