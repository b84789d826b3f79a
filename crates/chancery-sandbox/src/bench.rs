//! A loopback load driver for the sandbox alone: keep-alive HTTP/1.1 connections fetching mention
//! pages as fast as the sandbox serves them. Used by `chancery bench sandbox`.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::Request;
use hyper_util::rt::TokioIo;
use serde::Serialize;
use tokio::net::TcpStream;

use crate::{Credentials, Network, Sandbox, SandboxConfig, SandboxError};

/// Which fields each page asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BenchFields {
    /// X's defaults: `id`, `text`, `edit_history_tweet_ids`.
    Default,
    /// What the app's X client asks for on every post read: author_id, created_at,
    /// conversation_id, in_reply_to_user_id, lang, referenced_tweets, entities, with
    /// `expansions=author_id,referenced_tweets.id,in_reply_to_user_id` and six user fields.
    Sync,
}

#[derive(Debug, Clone)]
pub struct BenchOptions {
    pub concurrency: usize,
    pub duration: Duration,
    pub max_results: u32,
    pub fields: BenchFields,
    /// Follow `next_token` this many pages deep before starting again from the newest.
    pub depth: u32,
    pub x_accounts: usize,
    pub seed: u64,
}

impl Default for BenchOptions {
    fn default() -> Self {
        BenchOptions {
            concurrency: 32,
            duration: Duration::from_secs(10),
            max_results: 100,
            fields: BenchFields::Sync,
            depth: 5,
            x_accounts: 120,
            seed: 1,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    pub pages_per_sec: f64,
    pub items_per_sec: f64,
    pub mb_per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_results: u32,
    pub fields: BenchFields,
    pub concurrency: usize,
    pub duration_s: f64,
    pub pages: u64,
    pub items: u64,
    pub errors: u64,
    pub rss_mb: f64,
    /// CPU time this process (sandbox and client together) used during the run.
    pub cpu_s: f64,
    /// Pages per CPU-second × the cores of the machine: what the run would reach with the
    /// cores to itself. On a machine shared with other work, compare this, not `pages_per_sec`.
    pub projected_pages_per_sec: f64,
    /// The machine's load average when the run ended (other work competes for the cores).
    pub load_avg_1m: f64,
}

/// User + system CPU seconds of this process so far (Linux; clock ticks of 1/100 s).
pub fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the parenthesised command name; utime and stime are 14th and 15th.
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            let ut = f.get(11)?.parse::<f64>().ok()?;
            let st = f.get(12)?.parse::<f64>().ok()?;
            Some((ut + st) / 100.0)
        })
        .unwrap_or(0.0)
}

fn load_avg() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0.0)
}

/// Resident set size of this process (Linux), in MiB.
pub fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn find_after<'a>(body: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    body.windows(key.len())
        .rposition(|w| w == key)
        .map(|i| &body[i + key.len()..])
}

fn result_count(body: &[u8]) -> u64 {
    find_after(body, b"\"result_count\":")
        .map(|rest| {
            rest.iter()
                .take_while(|b| b.is_ascii_digit())
                .fold(0u64, |a, b| a * 10 + u64::from(b - b'0'))
        })
        .unwrap_or(0)
}

fn next_token(body: &[u8]) -> Option<String> {
    let rest = find_after(body, b"\"next_token\":\"")?;
    let end = rest.iter().position(|&b| b == b'"')?;
    std::str::from_utf8(&rest[..end]).ok().map(str::to_string)
}

struct WorkerResult {
    pages: u64,
    items: u64,
    bytes: u64,
    errors: u64,
    lat_us: Vec<u32>,
}

async fn worker(
    addr: SocketAddr,
    targets: Vec<(String, String)>,
    query: String,
    expected_per_page: u32,
    depth: u32,
    until: Instant,
) -> WorkerResult {
    let mut r = WorkerResult {
        pages: 0,
        items: 0,
        bytes: 0,
        errors: 0,
        lat_us: Vec::with_capacity(100_000),
    };
    let host = addr.to_string();
    let mut t = 0usize;
    'outer: while Instant::now() < until {
        let Ok(stream) = TcpStream::connect(addr).await else {
            r.errors += 1;
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let Ok((mut send, conn)) =
            hyper::client::conn::http1::handshake::<_, Empty<Bytes>>(TokioIo::new(stream)).await
        else {
            r.errors += 1;
            continue;
        };
        let conn_task = tokio::spawn(conn);
        while Instant::now() < until {
            let (uid, token) = &targets[t % targets.len()];
            t += 1;
            let mut page_token: Option<String> = None;
            for _ in 0..depth.max(1) {
                let uri = match &page_token {
                    Some(p) => format!("/2/users/{uid}/mentions?{query}&pagination_token={p}"),
                    None => format!("/2/users/{uid}/mentions?{query}"),
                };
                let req = match Request::get(uri)
                    .header("host", &host)
                    .header("authorization", format!("Bearer {token}"))
                    .body(Empty::<Bytes>::new())
                {
                    Ok(r) => r,
                    Err(_) => break 'outer,
                };
                let t0 = Instant::now();
                let resp = match send.send_request(req).await {
                    Ok(resp) => resp,
                    Err(_) => {
                        r.errors += 1;
                        conn_task.abort();
                        continue 'outer;
                    }
                };
                let ok = resp.status().is_success();
                // Read the body frame by frame, keeping only its length and its tail (where
                // `meta` is), as a client that streams the JSON would.
                let mut body_len = 0usize;
                let mut tail: Vec<u8> = Vec::with_capacity(1024);
                let mut incoming = resp.into_body();
                loop {
                    match incoming.frame().await {
                        Some(Ok(frame)) => {
                            if let Some(data) = frame.data_ref() {
                                body_len += data.len();
                                if data.len() >= 512 {
                                    tail.clear();
                                    tail.extend_from_slice(&data[data.len() - 512..]);
                                } else {
                                    tail.extend_from_slice(data);
                                    if tail.len() > 1024 {
                                        tail.drain(..tail.len() - 512);
                                    }
                                }
                            }
                        }
                        Some(Err(_)) => {
                            r.errors += 1;
                            conn_task.abort();
                            continue 'outer;
                        }
                        None => break,
                    }
                }
                let body = tail;
                r.lat_us
                    .push(t0.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
                if !ok {
                    r.errors += 1;
                    break;
                }
                let count = result_count(&body);
                page_token = next_token(&body);
                // A sampled check that this is a real page: one with a next page is full.
                if r.pages.is_multiple_of(64)
                    && page_token.is_some()
                    && count != u64::from(expected_per_page)
                {
                    r.errors += 1;
                    break;
                }
                r.pages += 1;
                r.items += count;
                r.bytes += body_len as u64;
                if page_token.is_none() || Instant::now() >= until {
                    break;
                }
            }
        }
        conn_task.abort();
    }
    r
}

/// Starts a sandbox with rate limits off and measures how many mention pages per second it serves
/// over loopback.
pub async fn run(opts: &BenchOptions) -> Result<BenchReport, SandboxError> {
    let cfg = SandboxConfig::default()
        .seed(opts.seed)
        .x_accounts(opts.x_accounts)
        .fb_pages(1)
        .rate_limits(false);
    let sb = Sandbox::start(cfg, SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let manifest = sb.manifest();
    let targets: Vec<(String, String)> = manifest
        .accounts
        .iter()
        .filter(|a| a.network == Network::X)
        .filter_map(|a| match &a.credentials {
            Credentials::XUser { access_token, .. } => Some((a.id.clone(), access_token.clone())),
            _ => None,
        })
        .collect();
    let mut query = format!("max_results={}", opts.max_results);
    if opts.fields == BenchFields::Sync {
        // The same selectors the app's X client sends on every post read.
        query.push_str("&tweet.fields=id,text,author_id,created_at,conversation_id,in_reply_to_user_id,lang,referenced_tweets,entities,edit_history_tweet_ids&expansions=author_id,referenced_tweets.id,in_reply_to_user_id&user.fields=id,name,username,profile_image_url,verified,protected");
    }
    let addr = sb.local_addr();
    // Warm up.
    let _ = worker(
        addr,
        targets.clone(),
        query.clone(),
        opts.max_results,
        1,
        Instant::now() + Duration::from_millis(300),
    )
    .await;
    let start = Instant::now();
    let cpu0 = cpu_seconds();
    let until = start + opts.duration;
    let mut handles = Vec::new();
    for w in 0..opts.concurrency.max(1) {
        let mut ts = targets.clone();
        let n = ts.len().max(1);
        ts.rotate_left((w * 7) % n);
        handles.push(tokio::spawn(worker(
            addr,
            ts,
            query.clone(),
            opts.max_results,
            opts.depth,
            until,
        )));
    }
    let mut pages = 0;
    let mut items = 0;
    let mut bytes = 0;
    let mut errors = 0;
    let mut lat: Vec<u32> = Vec::new();
    for h in handles {
        if let Ok(r) = h.await {
            pages += r.pages;
            items += r.items;
            bytes += r.bytes;
            errors += r.errors;
            lat.extend(r.lat_us);
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let cpu_s = cpu_seconds() - cpu0;
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1) as f64;
    lat.sort_unstable();
    let pct = |p: f64| -> f64 {
        if lat.is_empty() {
            return 0.0;
        }
        let i = ((lat.len() as f64 - 1.0) * p).round() as usize;
        f64::from(lat[i.min(lat.len() - 1)]) / 1000.0
    };
    let report = BenchReport {
        pages_per_sec: pages as f64 / secs,
        items_per_sec: items as f64 / secs,
        mb_per_sec: bytes as f64 / secs / 1_048_576.0,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        max_results: opts.max_results,
        fields: opts.fields,
        concurrency: opts.concurrency,
        duration_s: secs,
        pages,
        items,
        errors,
        rss_mb: rss_mb(),
        cpu_s,
        projected_pages_per_sec: if cpu_s > 0.0 {
            pages as f64 / cpu_s * cores
        } else {
            0.0
        },
        load_avg_1m: load_avg(),
    };
    sb.shutdown().await;
    Ok(report)
}
