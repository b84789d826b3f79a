//! `chancery bench sandbox`: how fast the sandbox alone serves mention pages over loopback.

use std::time::Duration;

use chancery_sandbox::bench::{self, BenchFields, BenchOptions};

/// Benchmark the sandbox (rate limits off) with keep-alive loopback clients.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchSandboxArgs {
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// Seconds per measured run.
    #[arg(long, default_value_t = 10)]
    pub duration_secs: u64,
    /// Page sizes to measure (comma-separated).
    #[arg(long, value_delimiter = ',', default_values_t = vec![10u32, 100])]
    pub max_results: Vec<u32>,
    /// `sync` (the fields the sync engine asks for) or `default` (id, text only).
    #[arg(long, default_value = "sync", value_parser = parse_fields)]
    pub fields: BenchFields,
    /// Pages followed through next_token before starting again from the newest.
    #[arg(long, default_value_t = 5)]
    pub depth: u32,
    #[arg(long, default_value_t = 120)]
    pub x_accounts: usize,
}

fn parse_fields(s: &str) -> Result<BenchFields, String> {
    match s {
        "sync" => Ok(BenchFields::Sync),
        "default" => Ok(BenchFields::Default),
        other => Err(format!("unknown field set `{other}` (sync|default)")),
    }
}

pub async fn run(args: BenchSandboxArgs) -> anyhow::Result<serde_json::Value> {
    let mut runs = Vec::new();
    for &mr in &args.max_results {
        let opts = BenchOptions {
            concurrency: args.concurrency,
            duration: Duration::from_secs(args.duration_secs.max(1)),
            max_results: mr,
            fields: args.fields,
            depth: args.depth,
            x_accounts: args.x_accounts,
            seed: 1,
        };
        let report = bench::run(&opts).await?;
        runs.push(serde_json::to_value(report)?);
    }
    let out = serde_json::json!({
        "bench": "sandbox",
        "target_pages_per_sec": 20_000,
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "runs": runs,
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(out)
}
