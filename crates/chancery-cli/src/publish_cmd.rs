//! `chancery publish`: the publisher of the desktop app, from the command line, acting for
//! the workspace.
//!
//! - `chancery publish --once`: settle sends a crash left unfinished, send everything due now,
//!   then stop.
//! - `chancery publish --for 10m`: keep publishing for that long; without either, until Ctrl-C.
//! - `chancery publish held`: posts held (pause, too late, account to reconnect) and why.
//! - `chancery publish release <OUTBOX-ID> --as <approver>`: send a held post now.
//! - `chancery publish max-lateness [45m] [--as <admin>]`: show or change how late a post may
//!   go out by itself.
//!
//! Only one publisher runs per workspace: this command refuses to start while the desktop app
//! (or another `chancery publish`) publishes for the same data folder.

use std::time::Duration;

use anyhow::{bail, Context};
use chancery_core::publish::{EntryOutcome, PublishReport, Publisher, PublisherConfig};
use chancery_model::drafts::OutboxId;
use chancery_model::outbox::{HoldReason, OutboxState};
use clap::{Args, Subcommand};

use crate::lookup::{table, Session};
use crate::sync_cmd::parse_duration;

/// Send approved posts that are due (the same publisher as the desktop app).
#[derive(Debug, Clone, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct PublishArgs {
    #[command(subcommand)]
    pub action: Option<PublishAction>,
    /// Settle unfinished sends, send everything due now, then stop.
    #[arg(long, conflicts_with = "for_")]
    pub once: bool,
    /// Keep publishing for this long, e.g. `90s`, `10m`, `2h` (default: until Ctrl-C).
    #[arg(long = "for", value_parser = parse_duration)]
    pub for_: Option<Duration>,
    /// Posts in flight at once (each to a different account).
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// How often to look for due posts.
    #[arg(long, value_parser = parse_duration, default_value = "2s")]
    pub poll: Duration,
    /// After a send whose outcome is unknown (a crash, a lost answer), wait this long before
    /// looking for the post on the network.
    #[arg(long, value_parser = parse_duration, default_value = "5s")]
    pub reconcile_settle: Duration,
}

#[derive(Debug, Clone, Subcommand)]
pub enum PublishAction {
    /// Posts held and why (a pause, too late to go out by itself, an account to reconnect).
    Held,
    /// Send a held post now (needs the approver or admin role on its account's group).
    Release {
        /// The outbox entry (see `chancery publish held`).
        outbox_id: String,
    },
    /// Show, or change (admin on every top-level group), how late a post may go out by itself.
    MaxLateness {
        /// e.g. `30m`, `2h`.
        #[arg(value_parser = parse_duration)]
        value: Option<Duration>,
    },
}

fn outcome_words(o: EntryOutcome) -> &'static str {
    match o {
        EntryOutcome::Sent => "sent",
        EntryOutcome::ReconciledSent => "had gone out (found on the network)",
        EntryOutcome::RequeuedAfterCheck => "had not gone out: queued again",
        EntryOutcome::RetryScheduled => "failed: will retry",
        EntryOutcome::Failed => "FAILED",
        EntryOutcome::HeldByPause => "held: crisis pause",
        EntryOutcome::HeldLate => "held: too late",
        EntryOutcome::HeldNeedsReauth => "held: reconnect the account",
        EntryOutcome::RequeuedAfterReconnect => "account reconnected: queued again",
        EntryOutcome::Unresolved => "unresolved: not resent until checked",
    }
}

fn print_report(s: &Session, report: &PublishReport) -> anyhow::Result<()> {
    if s.json {
        return s.print_json(report);
    }
    let rows: Vec<Vec<String>> = report
        .entries
        .iter()
        .map(|e| {
            vec![
                outcome_words(e.outcome).to_string(),
                format!("{}:@{}", e.network.as_str(), e.handle),
                e.outbox_id.to_string(),
                e.external_post_id
                    .clone()
                    .or_else(|| e.message.clone())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    if rows.is_empty() {
        println!("nothing was due");
    } else {
        table(
            &["OUTCOME", "ACCOUNT", "OUTBOX ENTRY", "POST / REASON"],
            &rows,
        );
    }
    for (handle, until) in &report.waiting {
        println!(
            "@{handle}: waiting for a rate limit until {} UTC",
            until.format("%H:%M:%S")
        );
    }
    let sent = report.count(EntryOutcome::Sent) + report.count(EntryOutcome::ReconciledSent);
    println!(
        "{sent} sent, {} to retry, {} failed, {} held, {} unresolved",
        report.count(EntryOutcome::RetryScheduled),
        report.count(EntryOutcome::Failed),
        report.count(EntryOutcome::HeldByPause)
            + report.count(EntryOutcome::HeldLate)
            + report.count(EntryOutcome::HeldNeedsReauth),
        report.count(EntryOutcome::Unresolved),
    );
    Ok(())
}

async fn held(s: &Session) -> anyhow::Result<()> {
    let entries = s
        .app
        .list_outbox(&chancery_core::outbox::OutboxFilter {
            states: vec![OutboxState::Held],
            ..Default::default()
        })
        .await?;
    if s.json {
        return s.print_json(&entries);
    }
    if entries.is_empty() {
        println!("no post is held");
        return Ok(());
    }
    let accounts = s.app.store().list_accounts().await?;
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            let handle = accounts
                .iter()
                .find(|l| l.account.id == e.account_id)
                .map(|l| format!("{}:@{}", l.account.network.as_str(), l.account.handle))
                .unwrap_or_else(|| e.account_id.to_string());
            vec![
                e.id.to_string(),
                handle,
                e.scheduled_at.to_rfc3339(),
                match e.hold_reason {
                    Some(HoldReason::Pause) | None => "crisis pause".into(),
                    Some(HoldReason::Late) => "too late".into(),
                    Some(HoldReason::NeedsReauth) => "reconnect the account".into(),
                },
                e.last_error.clone().unwrap_or_default(),
            ]
        })
        .collect();
    table(
        &["OUTBOX ENTRY", "ACCOUNT", "WAS DUE", "HELD", "DETAIL"],
        &rows,
    );
    Ok(())
}

async fn release(s: &Session, id: &str) -> anyhow::Result<()> {
    let actor = s.actor().await?;
    let id: OutboxId = id
        .trim()
        .parse()
        .with_context(|| format!("{id:?} is not an outbox entry id"))?;
    let e = s.app.release_held(&actor, id, s.now()).await?;
    if s.json {
        return s.print_json(&e);
    }
    println!(
        "released: {} goes out as soon as a publisher runs (due {})",
        e.id,
        e.send_at.to_rfc3339()
    );
    Ok(())
}

async fn max_lateness(s: &Session, value: Option<Duration>) -> anyhow::Result<()> {
    let current = match value {
        None => s.app.max_lateness().await?,
        Some(v) => {
            let actor = s.actor().await?;
            let v = chrono::Duration::from_std(v).context("that duration is too long")?;
            s.app.set_max_lateness(&actor, v, s.now()).await?
        }
    };
    if s.json {
        return s.print_json(&serde_json::json!({ "maxLatenessSeconds": current.num_seconds() }));
    }
    println!(
        "posts more than {} minutes late are held for a person to release or cancel",
        current.num_minutes()
    );
    Ok(())
}

/// Runs `chancery publish ...`. `Ok(false)` when posts failed or stayed unresolved.
pub async fn run(s: &Session, a: &PublishArgs) -> anyhow::Result<bool> {
    match &a.action {
        Some(PublishAction::Held) => return held(s).await.map(|()| true),
        Some(PublishAction::Release { outbox_id }) => {
            return release(s, outbox_id).await.map(|()| true)
        }
        Some(PublishAction::MaxLateness { value }) => {
            return max_lateness(s, *value).await.map(|()| true)
        }
        None => {}
    }
    if a.concurrency == 0 {
        bail!("--concurrency must be at least 1");
    }
    let config = PublisherConfig {
        concurrency: a.concurrency,
        poll_interval: a.poll,
        reconcile_settle: a.reconcile_settle,
        ..PublisherConfig::default()
    };
    let publisher = Publisher::new(s.app.clone(), config)?;
    let report = if a.once {
        publisher.run_once().await?
    } else if let Some(d) = a.for_ {
        publisher.run_for(d).await?
    } else {
        let (tx, rx) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("stopping after the posts in flight...");
                let _ = tx.send(true);
            }
        });
        publisher.run_until_stopped(rx).await?
    };
    print_report(s, &report)?;
    Ok(report.count(EntryOutcome::Failed) == 0 && report.count(EntryOutcome::Unresolved) == 0)
}
