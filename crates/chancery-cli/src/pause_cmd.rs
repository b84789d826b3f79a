//! `chancery pause` and `chancery resume`: the crisis switch.

use anyhow::{bail, Context};
use chancery_model::drafts::PauseId;
use chancery_model::outbox::{HeldOutcome, PauseScope};
use clap::Args;

use crate::lookup::{parse_instant, table, Session};

#[derive(Args)]
pub struct PauseArgs {
    /// all, group:<name>, or account:<handle>.
    #[arg(long)]
    pub scope: String,
    /// Why (required; everyone sees it, and it is kept in the audit trail).
    #[arg(long)]
    pub reason: String,
    /// End the pause by itself at this instant (RFC 3339).
    #[arg(long)]
    pub until: Option<String>,
}

#[derive(Args)]
pub struct ResumeArgs {
    /// The pause to end (id); without it, the only active one.
    pub pause: Option<String>,
}

async fn scope(s: &Session, spec: &str) -> anyhow::Result<PauseScope> {
    let spec = spec.trim();
    if spec == "all" {
        return Ok(PauseScope::All);
    }
    if let Some(g) = spec.strip_prefix("group:") {
        return Ok(PauseScope::Group(s.group(g).await?.id));
    }
    if let Some(a) = spec.strip_prefix("account:") {
        return Ok(PauseScope::Account(s.account(a).await?.id));
    }
    bail!("--scope is all, group:<name> or account:<handle>, not {spec:?}")
}

pub async fn pause(s: &Session, a: &PauseArgs) -> anyhow::Result<()> {
    let actor = s.actor().await?;
    let scope = scope(s, &a.scope).await?;
    let until = a.until.as_deref().map(parse_instant).transpose()?;
    let now = s.now();
    let p = s
        .app
        .start_pause(&actor, scope, &a.reason, until, now)
        .await?;
    let held = s
        .app
        .list_outbox(&chancery_core::outbox::OutboxFilter {
            held_by: Some(p.id),
            ..Default::default()
        })
        .await?;
    if s.json {
        return s.print_json(&serde_json::json!({ "pause": p, "held": held }));
    }
    println!("PAUSED ({}): {}", a.scope, p.reason);
    println!("pause id       {}", p.id);
    if let Some(u) = p.until {
        println!("ends by itself {}", u.to_rfc3339());
    }
    println!("posts held now {}", held.len());
    Ok(())
}

pub async fn resume(s: &Session, a: &ResumeArgs) -> anyhow::Result<()> {
    let actor = s.actor().await?;
    let now = s.now();
    let id = match &a.pause {
        Some(p) => p
            .trim()
            .parse::<PauseId>()
            .with_context(|| format!("{p:?} is not a pause id"))?,
        None => {
            let active = s.app.active_pauses(now).await?;
            match active.as_slice() {
                [] => bail!("no pause is on"),
                [one] => one.id,
                many => {
                    let rows: Vec<Vec<String>> = many
                        .iter()
                        .map(|p| {
                            vec![
                                p.id.to_string(),
                                p.started_at.to_rfc3339(),
                                p.reason.clone(),
                            ]
                        })
                        .collect();
                    table(&["PAUSE", "STARTED", "REASON"], &rows);
                    bail!("{} pauses are on: say which one to end", many.len());
                }
            }
        }
    };
    let report = s.app.resume(&actor, id, now).await?;
    if s.json {
        return s.print_json(&report);
    }
    println!(
        "resumed: {} (paused since {})",
        report.pause.reason,
        report.pause.started_at.to_rfc3339()
    );
    if report.held.is_empty() {
        println!("the pause held no posts");
        return Ok(());
    }
    let accounts = s.app.store().list_accounts().await?;
    let rows: Vec<Vec<String>> = report
        .held
        .iter()
        .map(|h| {
            let handle = accounts
                .iter()
                .find(|l| l.account.id == h.entry.account_id)
                .map(|l| format!("{}:@{}", l.account.network.as_str(), l.account.handle))
                .unwrap_or_else(|| h.entry.account_id.to_string());
            vec![
                h.entry.id.to_string(),
                handle,
                h.entry.draft_id.to_string(),
                h.entry.send_at.to_rfc3339(),
                match h.outcome {
                    HeldOutcome::Requeued => "back in the queue".into(),
                    HeldOutcome::StillHeldPastTime => {
                        "time passed: still held (release or cancel it)".into()
                    }
                    HeldOutcome::StillPaused => "another pause still holds it".into(),
                },
            ]
        })
        .collect();
    table(
        &["OUTBOX ENTRY", "ACCOUNT", "DRAFT", "WAS DUE", "NOW"],
        &rows,
    );
    Ok(())
}
