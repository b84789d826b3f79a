//! `chancery`: the command-line tool over the same core as the desktop app, for scripting and
//! headless use. Run `chancery --help`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chancery_core::{App, AppConfig};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "chancery", version, about = "A ministry's social media from the command line", long_about = None)]
struct Cli {
    /// Folder holding the workspace's data (SQLite cache). Defaults to the desktop app's folder.
    #[arg(long, global = true, env = "CHANCERY_DATA_DIR")]
    data_dir: Option<PathBuf>,

    /// Print results as JSON instead of tables.
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check this machine: version, data folder, and the OS credential store (a probe entry is
    /// written, read back and deleted).
    Doctor,
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
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
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
