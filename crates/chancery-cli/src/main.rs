//! `chancery`: the command-line tool over the same core as the desktop app, for scripting and
//! headless use. Run `chancery --help`.

mod accounts_cmd;
mod approval_cmd;
mod audit_cmd;
mod bench_sandbox;
mod bench_store;
mod bench_sync;
mod draft_cmd;
mod lookup;
mod pause_cmd;
mod publish_cmd;
mod sync_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chancery_core::{App, AppConfig};
use clap::{Parser, Subcommand};

mod sandbox_cmd;

#[derive(Parser)]
#[command(name = "chancery", version, about = "A ministry's social media from the command line", long_about = None)]
struct Cli {
    /// Folder holding the workspace's data (SQLite cache). Defaults to the desktop app's folder.
    #[arg(long, global = true, env = "CHANCERY_DATA_DIR")]
    data_dir: Option<PathBuf>,

    /// Print results as JSON instead of tables.
    #[arg(long, global = true)]
    json: bool,

    /// The person acting (name, email or id), for drafts, approvals, pauses.
    #[arg(long = "as", global = true, env = "CHANCERY_AS", value_name = "PERSON")]
    as_person: Option<String>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check this machine: version, data folder, and the OS credential store (a probe entry is
    /// written, read back and deleted).
    Doctor,
    /// Import, export, list, connect the X accounts and Facebook Pages; check token health.
    #[command(subcommand)]
    Accounts(accounts_cmd::AccountsCommand),
    /// Run the local X API v2 + Graph API sandbox until Ctrl-C (demo, rehearsal, tests).
    Sandbox(sandbox_cmd::SandboxArgs),
    /// Sync the accounts' inboxes into the local cache (the same engine as the desktop app).
    Sync(sync_cmd::SyncArgs),
    /// Write, edit, inspect and submit drafts.
    #[command(subcommand)]
    Draft(draft_cmd::DraftCommand),
    /// Approve a draft (the exact content you reviewed).
    Approve(approval_cmd::ApproveArgs),
    /// Reject a draft, with a reason.
    Reject(approval_cmd::RejectArgs),
    /// Send a draft back to its author with a comment.
    RequestChanges(approval_cmd::RequestChangesArgs),
    /// Approval policies of the groups.
    #[command(subcommand)]
    Policy(approval_cmd::PolicyCommand),
    /// Crisis pause: hold every scheduled and queued post in a scope.
    Pause(pause_cmd::PauseArgs),
    /// End a crisis pause and list what it held.
    Resume(pause_cmd::ResumeArgs),
    /// Send approved posts that are due (`--once`, `--for 10m`, or until Ctrl-C); list and
    /// release held posts.
    Publish(publish_cmd::PublishArgs),
    /// Check or export the audit trail.
    #[command(subcommand)]
    Audit(audit_cmd::AuditCommand),
    /// Benchmarks (JSON output).
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Subcommand)]
enum BenchCommand {
    /// The sandbox alone: mention pages per second over loopback (it must not be the bottleneck).
    Sandbox(bench_sandbox::BenchSandboxArgs),
    /// The sync engine: incremental cycle vs its bound, RSS with a full cache, idle CPU.
    Sync(bench_sync::BenchSyncArgs),
    /// The local cache's ingest path vs the sqlite3 CLI importing the same rows.
    Ingest(bench_store::IngestArgs),
    /// Inbox queries on a 1M-item cache: first pages, search, unread counts (p50/p99/max).
    Inbox(bench_store::InboxArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let _log = chancery_core::logging::init_with_default(None, "warn");
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    };
    // A keyring call that timed out may still hold a blocking thread; do not wait on it.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    code
}

fn data_dir(cli: &Cli) -> anyhow::Result<PathBuf> {
    match &cli.data_dir {
        Some(d) => Ok(d.clone()),
        None => chancery_core::default_data_dir()
            .context("no per-user data folder on this platform: pass --data-dir"),
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Command::Draft(_)
        | Command::Approve(_)
        | Command::Reject(_)
        | Command::RequestChanges(_)
        | Command::Policy(_)
        | Command::Pause(_)
        | Command::Resume(_)
        | Command::Publish(_)
        | Command::Audit(_) => {
            let session =
                lookup::Session::open(data_dir(&cli)?, cli.json, cli.as_person.clone()).await?;
            let ok = match &cli.command {
                Command::Draft(c) => draft_cmd::run(&session, c).await.map(|()| true),
                Command::Approve(a) => approval_cmd::approve(&session, a).await.map(|()| true),
                Command::Reject(a) => approval_cmd::reject(&session, a).await.map(|()| true),
                Command::RequestChanges(a) => approval_cmd::request_changes(&session, a)
                    .await
                    .map(|()| true),
                Command::Policy(c) => approval_cmd::policy(&session, c).await.map(|()| true),
                Command::Pause(a) => pause_cmd::pause(&session, a).await.map(|()| true),
                Command::Resume(a) => pause_cmd::resume(&session, a).await.map(|()| true),
                Command::Audit(c) => audit_cmd::run(&session, c).await,
                Command::Publish(a) => publish_cmd::run(&session, a).await,
                _ => Ok(true),
            };
            session.app.store().close().await;
            Ok(if ok? {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(3)
            })
        }
        Command::Sync(args) => {
            sync_cmd::run(&data_dir(&cli)?, args, cli.json).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench(BenchCommand::Sync(args)) => {
            bench_sync::run(args.clone()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench(BenchCommand::Sandbox(args)) => {
            let report = bench_sandbox::run(args.clone()).await?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench(BenchCommand::Ingest(args)) => {
            let report = bench_store::ingest(args.clone()).await?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench(BenchCommand::Inbox(args)) => {
            let report = bench_store::inbox(args.clone()).await?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Sandbox(args) => {
            sandbox_cmd::run(args.clone()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Accounts(cmd) => {
            let app = App::open(AppConfig {
                data_dir: data_dir(&cli)?,
                workspace_id: "default".into(),
            })
            .await?;
            let code = accounts_cmd::run(&app, cmd, cli.json).await;
            app.store().close().await;
            code
        }
        Command::Doctor => {
            let app = App::open(AppConfig {
                data_dir: data_dir(&cli)?,
                workspace_id: "default".into(),
            })
            .await?;
            let check = app.system_check().await;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&check)?);
            } else {
                println!("Chancery {}", check.version);
                println!("data folder   {}", check.data_dir);
                println!("keyring       {}", check.keyring_service);
                println!(
                    "keychain      {}: {}",
                    if check.keychain.ok {
                        "ok"
                    } else {
                        "UNAVAILABLE"
                    },
                    check.keychain.message
                );
            }
            Ok(if check.keychain.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            })
        }
    }
}
