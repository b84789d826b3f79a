//! `chancery accounts ...`: import, export, list, connect and check the health of the accounts.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use chancery_core::accounts::transfer::FileFormat;
use chancery_core::connect::ConnectOptions;
use chancery_core::App;
use chrono::Utc;

/// Which network to connect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ConnectNetwork {
    X,
    Facebook,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum AccountsCommand {
    /// Import accounts and their groups from a CSV or JSON file. Every row is checked first;
    /// nothing is imported if any row has a problem (all problems are listed with row numbers).
    Import {
        file: PathBuf,
        /// csv or json (default: from the file name).
        #[arg(long)]
        format: Option<FileFormat>,
    },
    /// Export every account with its groups (to stdout, or --output FILE).
    Export {
        #[arg(long, default_value = "csv")]
        format: FileFormat,
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// List the accounts (optionally only those in a group, e.g. --group "Middle East").
    List {
        #[arg(long)]
        group: Option<String>,
    },
    /// Connect an account: X (OAuth 2.0 with PKCE) or Facebook Pages (Facebook Login). Prints
    /// the sign-in address; --open opens it in the browser.
    Connect {
        network: ConnectNetwork,
        #[arg(long)]
        open: bool,
        /// Seconds to wait for the sign-in to finish.
        #[arg(long, default_value_t = 300)]
        timeout: u64,
    },
    /// Token health of every account: connected, expiry, last refresh, needs re-authorisation.
    Health,
}

fn fmt_time(t: Option<chrono::DateTime<Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "-".into())
}

pub async fn run(app: &App, cmd: &AccountsCommand, json: bool) -> anyhow::Result<ExitCode> {
    match cmd {
        AccountsCommand::Import { file, format } => {
            let format = match format {
                Some(f) => *f,
                None => FileFormat::from_path(file)
                    .context("cannot tell the format from the file name: pass --format csv|json")?,
            };
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("reading {}", file.display()))?;
            let report = app.import_accounts(&text, format, Utc::now()).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else if report.applied {
                println!(
                    "imported {} rows: {} created, {} updated, {} groups created, {} avatars cached",
                    report.rows, report.created, report.updated, report.groups_created, report.avatars_cached
                );
                for p in &report.avatar_problems {
                    println!("  avatar not cached: {p}");
                }
            } else {
                eprintln!("nothing imported: {} problem(s)", report.problems.len());
                for p in &report.problems {
                    eprintln!("  {p}");
                }
            }
            Ok(if report.applied {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            })
        }
        AccountsCommand::Export { format, output } => {
            let text = app.export_accounts(*format).await?;
            match output {
                Some(path) => std::fs::write(path, text)
                    .with_context(|| format!("writing {}", path.display()))?,
                None => print!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        AccountsCommand::List { group } => {
            let accounts = app.list_accounts(group.as_deref()).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&accounts)?);
            } else {
                for l in &accounts {
                    let a = &l.account;
                    println!(
                        "{:<9} @{:<24} {:<14} {:<40} {}",
                        a.network.as_str(),
                        a.handle,
                        a.token.status.as_str(),
                        l.group_path.join(" > "),
                        a.display_name
                    );
                }
                println!("{} account(s)", accounts.len());
            }
            Ok(ExitCode::SUCCESS)
        }
        AccountsCommand::Connect {
            network,
            open,
            timeout,
        } => {
            let opener = |url: &url::Url| {
                eprintln!("Sign in here to connect the account:\n\n  {url}\n");
                if *open {
                    if let Err(e) = ::open::that_detached(url.as_str()) {
                        eprintln!(
                            "(could not open the browser: {e}; open the address above yourself)"
                        );
                    }
                }
                eprintln!("Waiting for the sign-in to finish (up to {timeout} s)...");
            };
            let opts = ConnectOptions {
                timeout: Duration::from_secs(*timeout),
                ..ConnectOptions::default()
            };
            let connected = match network {
                ConnectNetwork::X => vec![app.connect_x(opener, &opts).await?],
                ConnectNetwork::Facebook => app.connect_facebook(opener, &opts).await?,
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&connected)?);
            } else {
                for a in &connected {
                    println!(
                        "connected {} @{} ({})",
                        a.network.as_str(),
                        a.handle,
                        a.display_name
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        AccountsCommand::Health => {
            let health = app.account_health().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&health)?);
            } else {
                for h in &health {
                    println!(
                        "{:<9} @{:<24} {:<13} expires {:<16} refreshed {:<16} keychain {:<3} {}",
                        h.network.as_str(),
                        h.handle,
                        h.status.as_str(),
                        fmt_time(h.access_expires_at),
                        fmt_time(h.last_refresh_at),
                        if h.has_credentials { "yes" } else { "no" },
                        h.last_error.as_deref().unwrap_or("")
                    );
                }
            }
            let bad = health.iter().filter(|h| h.needs_reauth).count();
            if !json {
                println!("{} account(s), {bad} need re-authorisation", health.len());
            }
            Ok(if bad == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(3)
            })
        }
    }
}
