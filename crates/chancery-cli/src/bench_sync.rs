//! `chancery bench sync`: the sync engine against the sandbox over loopback, as JSON.
//!
//! 1. Starts a sandbox (120 X accounts + 120 Pages, fixed latency, rate limits off so that the
//!    measure is the engine's own overhead; budgets are tested in tests/sync_*.rs) and builds a
//!    cache of `--items` items over those accounts (kept in `--dir` for the next run).
//! 2. Runs `chancery sync --once --no-backfill` as a child process twice: the first cycle reads
//!    the newest page of every stream, the second is a full incremental cycle. The second must
//!    finish within 2× the bound `requests × latency / concurrency`.
//! 3. Samples the child's RSS (VmRSS, every 50 ms) during both: under 100 MB with the cache full.
//! 4. Runs `chancery sync --for` and, once its first cycle is over, measures its CPU time over
//!    an idle period: under 1% of a core.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use chancery_model::accounts::Network;
use chancery_model::items::{Entities, ItemAuthor, ItemKind, NewItem, SyncStream};
use chancery_sandbox::{Latency, Sandbox, SandboxConfig};
use chancery_store::Store;
use chrono::{Duration as ChronoDuration, Utc};

use crate::sync_cmd::{db_path, register_rehearsal};

#[derive(Debug, Clone, clap::Args)]
pub struct BenchSyncArgs {
    /// Items in the cache before syncing.
    #[arg(long, default_value_t = 1_000_000)]
    pub items: usize,
    /// Latency the sandbox adds to every request (ms).
    #[arg(long, default_value_t = 50)]
    pub latency_ms: u64,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// Seconds of idle time to measure CPU over.
    #[arg(long, default_value_t = 20)]
    pub idle_secs: u64,
    /// Working folder (the cache is built once and reused); a temporary one by default.
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

/// Reads a `/proc/<pid>/status` field in kB.
fn proc_status_kb(pid: u32, field: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

/// utime + stime of a process, in seconds.
fn proc_cpu_secs(pid: u32) -> Option<f64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = f.get(11)?.parse().ok()?;
    let stime: f64 = f.get(12)?.parse().ok()?;
    Some((utime + stime) / clock_ticks())
}

fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

async fn fill_cache(store: &Store, target: usize) -> anyhow::Result<usize> {
    let accounts: Vec<_> = store
        .list_accounts()
        .await?
        .into_iter()
        .map(|l| l.account)
        .collect();
    if accounts.is_empty() {
        bail!("no accounts to fill");
    }
    let per = target.div_ceil(accounts.len());
    let now = Utc::now();
    let words = [
        "embassy",
        "visa",
        "consulate",
        "passport",
        "minister",
        "statement",
        "travel",
        "help",
        "عاجل",
        "渡航",
        "ayuda",
        "спасибо",
    ];
    let mut total = 0usize;
    for (ai, a) in accounts.iter().enumerate() {
        let (kind, stream) = match a.network {
            Network::X => (ItemKind::XMention, SyncStream::XMentions),
            Network::Facebook => (ItemKind::FbComment, SyncStream::FbComments),
        };
        let mut n = 0;
        while n < per && total < target {
            let page: Vec<NewItem> = (n..(n + 1000).min(per))
                .map(|i| {
                    let w = |k: usize| words[(i * 7 + k * 3 + ai) % words.len()];
                    let text = format!(
                        "@{} {} {} {} #{} bench item {i}",
                        a.handle,
                        w(0),
                        w(1),
                        w(2),
                        w(3)
                    );
                    NewItem {
                        kind,
                        external_id: format!("{}{:09}", 900_000 + ai, i),
                        author: ItemAuthor {
                            external_id: format!("{}", 5_000_000 + (i % 50_000)),
                            handle: Some(format!("user{}", i % 50_000)),
                            display_name: None,
                        },
                        text: text.clone(),
                        language: Some("en".into()),
                        created_at: now
                            - ChronoDuration::seconds((per - i) as i64 * 60 + 86_400 * 40),
                        edited_at: None,
                        conversation_id: None,
                        in_reply_to: None,
                        permalink: None,
                        entities: Entities::default(),
                        raw: format!(
                            "{{\"id\":\"{i}\",\"text\":{}}}",
                            serde_json::Value::String(text)
                        ),
                        deleted: false,
                    }
                })
                .collect();
            n += page.len();
            total += page.len();
            store.ingest_page(a.id, stream, &page, None, now).await?;
        }
    }
    Ok(total)
}

async fn count_items(db: &Path) -> u64 {
    // The store has no count query; the unread counters cover every item not deleted.
    match Store::open(db).await {
        Ok(s) => {
            let n = s
                .unread_counts()
                .await
                .map(|c| {
                    c.accounts
                        .iter()
                        .map(|a| u64::from(a.unread) + u64::from(a.open))
                        .sum()
                })
                .unwrap_or(0);
            s.close().await;
            n
        }
        Err(_) => 0,
    }
}

struct ChildRun {
    summary: serde_json::Value,
    peak_rss_kb: u64,
    peak_anon_kb: u64,
    wall: Duration,
}

async fn run_child(
    data: &Path,
    manifest: &Path,
    extra: &[&str],
    concurrency: usize,
) -> anyhow::Result<ChildRun> {
    let exe = std::env::current_exe()?;
    let t0 = Instant::now();
    let mut child = tokio::process::Command::new(exe)
        .arg("--data-dir")
        .arg(data)
        .arg("--json")
        .arg("sync")
        .arg("--rehearsal")
        .arg(manifest)
        .arg("--concurrency")
        .arg(concurrency.to_string())
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()?;
    let pid = child.id().unwrap_or(0);
    let mut stdout = child.stdout.take().context("child stdout")?;
    let reader = tokio::spawn(async move {
        let mut buf = Vec::new();
        let _ = tokio::io::AsyncReadExt::read_to_end(&mut stdout, &mut buf).await;
        buf
    });
    let mut peak = 0u64;
    let mut peak_anon = 0u64;
    loop {
        if let Some(kb) = proc_status_kb(pid, "VmRSS:") {
            peak = peak.max(kb);
        }
        // Anonymous memory (heap, SQLite's page cache) apart from file pages mapped from the
        // database (mmap), which the kernel can drop at any time.
        if let Some(kb) = proc_status_kb(pid, "RssAnon:") {
            peak_anon = peak_anon.max(kb);
        }
        match tokio::time::timeout(Duration::from_millis(50), child.wait()).await {
            Ok(status) => {
                let status = status?;
                if !status.success() {
                    bail!("chancery sync {extra:?} failed: {status}");
                }
                break;
            }
            Err(_) => continue,
        }
    }
    let out = reader.await.unwrap_or_default();
    let summary: serde_json::Value =
        serde_json::from_slice(&out).context("reading the child's JSON summary")?;
    Ok(ChildRun {
        summary,
        peak_rss_kb: peak,
        peak_anon_kb: peak_anon,
        wall: t0.elapsed(),
    })
}

fn requests_of(s: &serde_json::Value) -> u64 {
    s["x"]["requests"].as_u64().unwrap_or(0) + s["facebook"]["requests"].as_u64().unwrap_or(0)
}

pub async fn run(args: BenchSyncArgs) -> anyhow::Result<serde_json::Value> {
    let tmp = tempfile::TempDir::new()?;
    let dir = args.dir.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir)?;
    let data = dir.join("data");
    std::fs::create_dir_all(&data)?;
    let sb = Sandbox::start(
        SandboxConfig::default()
            .seed(1)
            .rate_limits(false)
            .request_log_capacity(0)
            .default_latency(Some(Latency::Fixed {
                ms: args.latency_ms,
            })),
        "127.0.0.1:0".parse()?,
    )
    .await?;
    let manifest = sb.manifest();
    let manifest_path = dir.join("manifest.json");
    std::fs::write(&manifest_path, serde_json::to_vec_pretty(&manifest)?)?;

    // The cache: the sandbox's accounts and `items` items (built once per folder).
    let db = db_path(&data);
    let t_fill = Instant::now();
    let have = count_items(&db).await;
    let mut filled = 0;
    if (have as usize) < args.items {
        let store = Store::open(&db).await?;
        register_rehearsal(&store, &manifest).await?;
        filled = fill_cache(&store, args.items - have as usize).await?;
        store.optimize().await?;
        store.close().await;
    }
    let fill_s = t_fill.elapsed().as_secs_f64();
    let cached = count_items(&db).await;
    let db_mb = std::fs::metadata(&db)
        .map(|m| m.len() as f64 / 1e6)
        .unwrap_or(0.0);

    // The sandbox enforces no limits here, so the client's own caps (100 calls per Page per
    // hour, 12,000 per app) are lifted too: otherwise the cycle measures the caps' pacing, not
    // the engine. Pacing within the caps is what tests/tests/sync.rs checks.
    let cycle = [
        "--no-backfill",
        "--x-app-cap",
        "100000",
        "--fb-page-cap",
        "100000",
        "--fb-app-cap",
        "10000000",
    ];
    let first = run_child(&data, &manifest_path, &cycle, args.concurrency).await?;
    let incr = run_child(&data, &manifest_path, &cycle, args.concurrency).await?;
    let requests = requests_of(&incr.summary);
    let elapsed_ms = incr.summary["elapsed_ms"].as_u64().unwrap_or(0);
    let bound_ms = requests as f64 * args.latency_ms as f64 / args.concurrency as f64;
    let ratio = if bound_ms > 0.0 {
        elapsed_ms as f64 / bound_ms
    } else {
        f64::INFINITY
    };

    // Idle CPU: a continuous run; once the sandbox sees no requests for 2 s, measure.
    let exe = std::env::current_exe()?;
    let total_secs = args.idle_secs + 120;
    let mut child = tokio::process::Command::new(exe)
        .arg("--data-dir")
        .arg(&data)
        .arg("--json")
        .arg("sync")
        .arg("--rehearsal")
        .arg(&manifest_path)
        .arg("--for")
        .arg(format!("{total_secs}s"))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()?;
    let pid = child.id().unwrap_or(0);
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut last = sb.stats().total;
    let mut quiet_since = Instant::now();
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let now = sb.stats().total;
        if now != last {
            last = now;
            quiet_since = Instant::now();
        } else if quiet_since.elapsed() >= Duration::from_secs(2) && now > 0 {
            break;
        }
    }
    let cpu0 = proc_cpu_secs(pid).unwrap_or(0.0);
    let req0 = sb.stats().total;
    let t0 = Instant::now();
    let mut idle_peak_kb = 0;
    while t0.elapsed() < Duration::from_secs(args.idle_secs) {
        tokio::time::sleep(Duration::from_millis(250)).await;
        idle_peak_kb = idle_peak_kb.max(proc_status_kb(pid, "VmRSS:").unwrap_or(0));
    }
    let cpu1 = proc_cpu_secs(pid).unwrap_or(0.0);
    let window = t0.elapsed().as_secs_f64();
    let req1 = sb.stats().total;
    let _ = child.start_kill();
    let _ = child.wait().await;
    let cpu_pct = (cpu1 - cpu0) / window * 100.0;

    let peak_mb = first.peak_rss_kb.max(incr.peak_rss_kb) as f64 / 1024.0;
    let out = serde_json::json!({
        "bench": "sync",
        "accounts": { "x": 120, "facebook": 120 },
        "latency_ms": args.latency_ms,
        "concurrency": args.concurrency,
        "cache": { "items": cached, "added_now": filled, "fill_s": fill_s, "db_mb": db_mb },
        "first_cycle": { "elapsed_ms": first.summary["elapsed_ms"], "requests": requests_of(&first.summary), "wall_ms": first.wall.as_millis() as u64, "peak_rss_mb": first.peak_rss_kb as f64 / 1024.0, "peak_anon_mb": first.peak_anon_kb as f64 / 1024.0 },
        "incremental_cycle": {
            "elapsed_ms": elapsed_ms,
            "requests": requests,
            "bound_ms": bound_ms,
            "ratio_to_bound": ratio,
            "target_ratio": 2.0,
            "pass": ratio <= 2.0,
            "wall_ms": incr.wall.as_millis() as u64,
            "peak_rss_mb": incr.peak_rss_kb as f64 / 1024.0,
            "peak_anon_mb": incr.peak_anon_kb as f64 / 1024.0,
            "summary": incr.summary,
        },
        "memory": { "peak_rss_mb": peak_mb, "target_mb": 100, "pass": peak_mb < 100.0, "idle_rss_mb": idle_peak_kb as f64 / 1024.0 },
        "idle_cpu": { "window_s": window, "cpu_s": cpu1 - cpu0, "percent_of_core": cpu_pct, "requests_in_window": req1 - req0, "target_percent": 1.0, "pass": cpu_pct < 1.0 },
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    sb.shutdown().await;
    Ok(out)
}
