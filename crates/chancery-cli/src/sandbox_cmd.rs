//! `chancery sandbox`: run the X + Graph sandbox standalone until Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use chancery_sandbox::{FaultRule, Latency, Network, Sandbox, SandboxConfig, XNaming};

/// Run the local X API v2 + Graph API sandbox.
#[derive(Debug, Clone, clap::Args)]
pub struct SandboxArgs {
    /// Loopback address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8765")]
    pub listen: SocketAddr,
    /// Number of X accounts.
    #[arg(long, default_value_t = 120)]
    pub x_accounts: usize,
    /// Number of Facebook Pages.
    #[arg(long, default_value_t = 120)]
    pub fb_pages: usize,
    /// Seed for accounts, traffic and token keys (same seed = same world, tokens stay valid).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Write the manifest (URLs, accounts, ready credentials) to this JSON file.
    #[arg(long)]
    pub manifest: Option<PathBuf>,
    /// Virtual seconds per real second (rate-limit windows and token lifetimes shrink too).
    #[arg(long, default_value_t = 1.0)]
    pub time_scale: f64,
    /// X field names: classic (OpenAPI 2.166) or current (2.167).
    #[arg(long, default_value = "classic", value_parser = parse_naming)]
    pub x_naming: XNaming,
    /// Graph API version served under /{version}/.
    #[arg(long, default_value = "v24.0")]
    pub graph_version: String,
    /// Days of history behind the virtual start.
    #[arg(long, default_value_t = 30)]
    pub history_days: u32,
    /// Fault rule, repeatable: `endpoint=x.mentions,kind=status:503,p=0.2,count=5[,account=NAME]`.
    #[arg(long = "fault", value_parser = parse_fault)]
    pub faults: Vec<FaultRule>,
    /// Latency added to every request: `200`, `uniform:50:500`, `lognormal:120:0.6` (ms).
    #[arg(long, value_parser = parse_latency)]
    pub latency_ms: Option<Latency>,
    /// Multiplier on generated inbound traffic.
    #[arg(long, default_value_t = 1.0)]
    pub volume: f64,
    /// Turn rate limiting off (headers are still sent).
    #[arg(long)]
    pub no_rate_limits: bool,
    /// No crisis burst around an embassy.
    #[arg(long)]
    pub no_crisis: bool,
    /// Approve X authorize pages at once as this username.
    #[arg(long)]
    pub auto_approve_x: Option<String>,
    /// Approve the Facebook Login dialog at once.
    #[arg(long)]
    pub auto_approve_facebook: bool,
    /// GET requests kept in the request log (writes are always kept).
    #[arg(long, default_value_t = 10_000)]
    pub request_log_capacity: usize,
}

fn parse_naming(s: &str) -> Result<XNaming, String> {
    s.parse()
}

fn parse_fault(s: &str) -> Result<FaultRule, String> {
    s.parse()
}

fn parse_latency(s: &str) -> Result<Latency, String> {
    Latency::parse(s)
}

impl SandboxArgs {
    pub fn config(&self) -> SandboxConfig {
        let mut cfg = SandboxConfig::default()
            .x_accounts(self.x_accounts)
            .fb_pages(self.fb_pages)
            .seed(self.seed)
            .time_scale(self.time_scale)
            .x_naming(self.x_naming)
            .graph_version(self.graph_version.clone())
            .history_days(self.history_days)
            .default_latency(self.latency_ms.clone())
            .volume(self.volume)
            .rate_limits(!self.no_rate_limits)
            .auto_approve_x(self.auto_approve_x.clone())
            .auto_approve_facebook(self.auto_approve_facebook)
            .request_log_capacity(self.request_log_capacity);
        if self.no_crisis {
            cfg = cfg.crisis(None);
        }
        for f in &self.faults {
            cfg = cfg.fault(f.clone());
        }
        cfg
    }
}

pub async fn run(args: SandboxArgs) -> anyhow::Result<()> {
    let sb = Sandbox::start(args.config(), args.listen)
        .await
        .context("starting the sandbox")?;
    let m = sb.manifest();
    let xs = m
        .accounts
        .iter()
        .filter(|a| a.network == Network::X)
        .count();
    let pages = m.accounts.len() - xs;
    println!("Chancery sandbox listening on {}", m.sandbox.base_url);
    println!(
        "  X API v2     {}/2/...   (authorize: {})",
        m.x.api_base, m.x.authorize_url
    );
    println!("  Graph API    {}/...", m.facebook.graph_api_base);
    println!("  Admin        {}", m.sandbox.admin_url);
    println!(
        "  {xs} X accounts, {pages} Facebook Pages, seed {}, time scale {}, {} X names",
        m.sandbox.seed, m.sandbox.time_scale, m.sandbox.x_naming
    );
    if let Some(path) = &args.manifest {
        let json = serde_json::to_vec_pretty(&m)?;
        std::fs::write(path, json)
            .with_context(|| format!("writing the manifest to {}", path.display()))?;
        println!("  Manifest     {}", path.display());
    }
    println!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    println!("Stopping the sandbox…");
    sb.shutdown().await;
    Ok(())
}
