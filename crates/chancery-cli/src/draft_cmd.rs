//! `chancery draft ...`: write, edit, inspect, validate and submit drafts.

use std::path::PathBuf;

use anyhow::{bail, Context};
use chancery_core::compose::drafts::MAX_DRAFT_TEXT_CHARS;
use chancery_model::drafts::{
    DiffOp, Draft, DraftContent, DraftId, DraftState, ReplyTo, Schedule, Severity, TargetRef,
    ValidationReport, Variants,
};
use chancery_model::items::ItemId;
use chrono::NaiveDateTime;
use clap::{Args, Subcommand};

use crate::lookup::{parse_instant, table, Session};

#[derive(Subcommand)]
pub enum DraftCommand {
    /// Write a new draft (saved as version 1).
    New(ContentArgs),
    /// Save a new version of a draft; options not given keep their current values.
    Edit {
        draft: String,
        #[command(flatten)]
        content: ContentArgs,
        /// Remove every attached image first.
        #[arg(long)]
        clear_images: bool,
    },
    /// Show a draft: content, targets with their send times, approval lanes, problems.
    Show { draft: String },
    /// List drafts, most recently changed first.
    List {
        /// Only drafts in this state (editing, in_review, changes_requested, rejected, withdrawn, approved, expired).
        #[arg(long)]
        state: Vec<String>,
        /// Only drafts written by the person acting (--as).
        #[arg(long)]
        mine: bool,
    },
    /// List the versions of a draft, or show what changed between two (`--diff 1..3`).
    Versions {
        draft: String,
        #[arg(long, value_name = "FROM..TO")]
        diff: Option<String>,
    },
    /// Check a saved draft (or the content given) for problems, per target.
    Validate {
        /// A saved draft; without it, the content options are checked without saving.
        draft: Option<String>,
        #[command(flatten)]
        content: ContentArgs,
    },
    /// Send a draft for approval.
    Submit { draft: String },
    /// Take a submitted (or approved, not yet sent) draft back.
    Withdraw { draft: String },
    /// Send a draft again after a rejection, change request, withdrawal or expiry.
    Resubmit { draft: String },
}

#[derive(Args, Default, Clone)]
pub struct ContentArgs {
    /// The text (use --text-file for long texts).
    #[arg(long)]
    text: Option<String>,
    /// Read the text from a file (`-` for standard input).
    #[arg(long, conflicts_with = "text")]
    text_file: Option<PathBuf>,
    /// A different text for X.
    #[arg(long)]
    x_text: Option<String>,
    /// A different text for Facebook.
    #[arg(long)]
    facebook_text: Option<String>,
    /// Where to post: `account:@handle` (or `account:x:handle`), `group:<name>`, or `@handle`.
    /// Repeat for several; replaces the targets when editing.
    #[arg(long = "to")]
    to: Vec<String>,
    /// Attach an image (a local file; repeat for several, in order).
    #[arg(long = "image")]
    images: Vec<PathBuf>,
    /// Alt text for the images, in the same order.
    #[arg(long = "alt")]
    alts: Vec<String>,
    /// Post at this instant (RFC 3339, e.g. 2026-03-29T09:00:00Z).
    #[arg(long, conflicts_with_all = ["local", "now"])]
    at: Option<String>,
    /// Post at this wall-clock time in each account's own time zone, e.g. 2026-03-29T09:00.
    #[arg(long, conflicts_with_all = ["at", "now"])]
    local: Option<String>,
    /// Post as soon as approved.
    #[arg(long, conflicts_with_all = ["at", "local"])]
    now: bool,
    /// Reply to this inbox item (its id).
    #[arg(long)]
    reply_to: Option<String>,
}

fn parse_local(s: &str) -> anyhow::Result<NaiveDateTime> {
    for f in [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s.trim(), f) {
            return Ok(t);
        }
    }
    bail!("{s:?} is not a local time like 2026-03-29T09:00")
}

pub(crate) async fn resolve_draft(s: &Session, key: &str) -> anyhow::Result<DraftId> {
    if let Ok(id) = key.trim().parse::<DraftId>() {
        return Ok(id);
    }
    // A unique prefix of an id, as shown in tables.
    let all = s.app.list_drafts(&Default::default()).await?;
    let m: Vec<_> = all
        .iter()
        .filter(|d| d.id.to_string().starts_with(key.trim()))
        .collect();
    match m.len() {
        1 => Ok(m[0].id),
        0 => bail!("no draft {key:?}"),
        n => bail!("{n} drafts start with {key:?}; give more of the id"),
    }
}

impl ContentArgs {
    /// Apply these options over `base` (a new draft's defaults or the current content).
    async fn apply(&self, s: &Session, mut c: DraftContent) -> anyhow::Result<DraftContent> {
        if let Some(t) = &self.text {
            c.text = t.clone();
        }
        if let Some(p) = &self.text_file {
            c.text = if p.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin())
                    .context("reading the text from standard input")?
            } else {
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?
            };
            if c.text.chars().count() > MAX_DRAFT_TEXT_CHARS {
                bail!("{} is longer than a draft can be", p.display());
            }
        }
        if let Some(x) = &self.x_text {
            c.variants.x = (!x.is_empty()).then(|| x.clone());
        }
        if let Some(f) = &self.facebook_text {
            c.variants.facebook = (!f.is_empty()).then(|| f.clone());
        }
        if !self.to.is_empty() {
            c.targets.clear();
            for t in &self.to {
                let t = t.trim();
                let target = if let Some(g) = t.strip_prefix("group:") {
                    TargetRef::Group(s.group(g).await?.id)
                } else {
                    let a = t.strip_prefix("account:").unwrap_or(t);
                    TargetRef::Account(s.account(a).await?.id)
                };
                if !c.targets.contains(&target) {
                    c.targets.push(target);
                }
            }
        }
        for (i, p) in self.images.iter().enumerate() {
            c.media
                .push(s.app.attach_media(p, self.alts.get(i).cloned()).await?);
        }
        if let Some(at) = &self.at {
            c.schedule = Schedule::At {
                instant: parse_instant(at)?,
            };
        } else if let Some(l) = &self.local {
            c.schedule = Schedule::LocalTime {
                local: parse_local(l)?,
            };
        } else if self.now {
            c.schedule = Schedule::Now;
        }
        if let Some(r) = &self.reply_to {
            let item_id: ItemId = r
                .trim()
                .parse()
                .with_context(|| format!("{r:?} is not an inbox item id"))?;
            let item = s
                .app
                .store()
                .get_item(item_id)
                .await?
                .with_context(|| format!("no inbox item {r}"))?;
            c.reply_to = Some(ReplyTo {
                item_id,
                account_id: item.account_id,
                network: item.network,
                external_id: item.external_id,
            });
        }
        Ok(c)
    }
}

fn print_report(report: &ValidationReport) {
    if let Some(x) = &report.x {
        println!(
            "X length       {}/{}",
            x.weighted_length, x.max_weighted_length
        );
    }
    if let Some(f) = &report.facebook {
        println!("Facebook       {}/{}", f.length, f.max_length);
    }
    if report.problems.is_empty() {
        println!("no problems");
    }
    for p in &report.problems {
        let sev = match p.severity {
            Severity::Error => "ERROR  ",
            Severity::Warning => "warning",
        };
        println!("{sev}  {}", p.message);
    }
}

async fn print_draft(s: &Session, d: &Draft) -> anyhow::Result<()> {
    println!("draft          {}", d.id);
    println!(
        "state          {}{}",
        d.state.as_str(),
        d.state_note
            .as_deref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default()
    );
    println!("author         {}", s.name_of(d.author_id).await);
    println!("version        {} (round {})", d.version, d.round);
    println!("content hash   {}", d.content_hash);
    if let Some(h) = &d.approved_hash {
        println!("approved hash  {h}");
    }
    println!("text           {}", d.content.text);
    if let Some(x) = &d.content.variants.x {
        println!("X text         {x}");
    }
    if let Some(f) = &d.content.variants.facebook {
        println!("Facebook text  {f}");
    }
    for m in &d.content.media {
        println!(
            "image          {} ({}, {} bytes)",
            m.path, m.mime_type, m.size_bytes
        );
    }
    let rows: Vec<Vec<String>> = d
        .targets
        .iter()
        .map(|t| {
            vec![
                t.network.as_str().to_string(),
                format!("@{}", t.handle),
                t.time_zone.clone(),
                t.send_at
                    .map(|a| a.to_rfc3339())
                    .unwrap_or_else(|| "when approved".into()),
                t.schedule_problem
                    .clone()
                    .or_else(|| t.schedule_note.clone())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    println!();
    table(&["NETWORK", "ACCOUNT", "ZONE", "SENDS AT", "NOTE"], &rows);
    Ok(())
}

pub async fn run(s: &Session, cmd: &DraftCommand) -> anyhow::Result<()> {
    let now = s.now();
    match cmd {
        DraftCommand::New(args) => {
            let actor = s.actor().await?;
            let base = DraftContent {
                text: String::new(),
                variants: Variants::default(),
                media: vec![],
                targets: vec![],
                schedule: Schedule::Now,
                reply_to: None,
            };
            let content = args.apply(s, base).await?;
            let d = s.app.create_draft(&actor, content, now).await?;
            if s.json {
                return s.print_json(&d);
            }
            println!("saved draft {} (version 1)", d.id);
            print_report(&s.app.check_draft(d.id, now).await?);
        }
        DraftCommand::Edit {
            draft,
            content,
            clear_images,
        } => {
            let actor = s.actor().await?;
            let id = resolve_draft(s, draft).await?;
            let d = s.app.draft(id).await?;
            let mut base = d.content.clone();
            if *clear_images {
                base.media.clear();
            }
            let c = content.apply(s, base).await?;
            let after = s.app.edit_draft(&actor, id, Some(d.rev), c, now).await?;
            if s.json {
                return s.print_json(&after);
            }
            if after.version == d.version {
                println!("nothing changed (still version {})", d.version);
            } else {
                println!("saved version {} of draft {}", after.version, id);
                if d.state != after.state {
                    println!(
                        "the draft went from {} to {}: submit it again",
                        d.state.as_str(),
                        after.state.as_str()
                    );
                }
            }
        }
        DraftCommand::Show { draft } => {
            let id = resolve_draft(s, draft).await?;
            let d = s.app.draft(id).await?;
            let status = s.app.approval_status(id).await?;
            let report = s.app.check_draft(id, now).await?;
            if s.json {
                return s.print_json(
                    &serde_json::json!({ "draft": d, "approval": status, "validation": report }),
                );
            }
            print_draft(s, &d).await?;
            println!();
            for lane in &status.lanes {
                println!(
                    "lane {} ({}){}",
                    lane.group_name,
                    lane.scope.as_str(),
                    if lane.complete { ": complete" } else { "" }
                );
                for (i, step) in lane.steps.iter().enumerate() {
                    let mut approved = Vec::new();
                    for p in &step.approved_by {
                        approved.push(s.name_of(*p).await);
                    }
                    println!(
                        "  step {}: {} ({:?}) {} — approved by: {}",
                        i + 1,
                        step.role.as_str(),
                        step.mode,
                        if step.complete { "done" } else { "waiting" },
                        if approved.is_empty() {
                            "nobody yet".into()
                        } else {
                            approved.join(", ")
                        }
                    );
                }
            }
            if !status.waiting_on.is_empty() && d.state == DraftState::InReview {
                let mut names = Vec::new();
                for p in &status.waiting_on {
                    names.push(s.name_of(*p).await);
                }
                println!("waiting on     {}", names.join(", "));
            }
            println!();
            print_report(&report);
        }
        DraftCommand::List { state, mine } => {
            let mut filter = chancery_core::compose::drafts::DraftFilter::default();
            for st in state {
                filter
                    .states
                    .push(DraftState::parse(st).with_context(|| format!("unknown state {st:?}"))?);
            }
            if *mine {
                filter.author = s.actor().await?.id;
            }
            let list = s.app.list_drafts(&filter).await?;
            if s.json {
                return s.print_json(&list);
            }
            let mut rows = Vec::new();
            for d in &list {
                rows.push(vec![
                    d.id.to_string(),
                    d.state.as_str().to_string(),
                    s.name_of(d.author_id).await,
                    d.version.to_string(),
                    d.target_count.to_string(),
                    d.updated_at.format("%Y-%m-%d %H:%M").to_string(),
                    d.excerpt.clone(),
                ]);
            }
            table(
                &[
                    "ID",
                    "STATE",
                    "AUTHOR",
                    "VER",
                    "TARGETS",
                    "UPDATED (UTC)",
                    "TEXT",
                ],
                &rows,
            );
        }
        DraftCommand::Versions { draft, diff } => {
            let id = resolve_draft(s, draft).await?;
            if let Some(range) = diff {
                let (a, b) = range
                    .split_once("..")
                    .context("--diff takes FROM..TO, e.g. 1..3")?;
                let diff = s
                    .app
                    .diff_draft_versions(id, a.trim().parse()?, b.trim().parse()?)
                    .await?;
                if s.json {
                    return s.print_json(&diff);
                }
                if diff.changes.is_empty() {
                    println!("versions {} and {} are the same", diff.from, diff.to);
                }
                for c in &diff.changes {
                    if c.spans.is_empty() {
                        println!(
                            "{}:\n  - {}\n  + {}",
                            c.field,
                            c.before.as_deref().unwrap_or(""),
                            c.after.as_deref().unwrap_or("")
                        );
                    } else {
                        let marked: String = c
                            .spans
                            .iter()
                            .map(|sp| match sp.op {
                                DiffOp::Same => sp.text.clone(),
                                DiffOp::Added => format!("{{+{}+}}", sp.text),
                                DiffOp::Removed => format!("[-{}-]", sp.text),
                            })
                            .collect();
                        println!("{}: {marked}", c.field);
                    }
                }
                return Ok(());
            }
            let versions = s.app.draft_versions(id).await?;
            if s.json {
                return s.print_json(&versions);
            }
            let mut rows = Vec::new();
            for v in &versions {
                rows.push(vec![
                    v.version.to_string(),
                    v.saved_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                    s.name_of(v.saved_by).await,
                    v.content_hash[..12].to_string(),
                    v.content
                        .text
                        .lines()
                        .next()
                        .unwrap_or("")
                        .chars()
                        .take(60)
                        .collect(),
                ]);
            }
            table(&["VERSION", "SAVED (UTC)", "BY", "HASH", "TEXT"], &rows);
        }
        DraftCommand::Validate { draft, content } => {
            let report = match draft {
                Some(d) => s.app.check_draft(resolve_draft(s, d).await?, now).await?,
                None => {
                    let base = DraftContent {
                        text: String::new(),
                        variants: Variants::default(),
                        media: vec![],
                        targets: vec![],
                        schedule: Schedule::Now,
                        reply_to: None,
                    };
                    let c = content.apply(s, base).await?;
                    s.app.validate_content(&c, now).await?
                }
            };
            if s.json {
                return s.print_json(&report);
            }
            print_report(&report);
            if !report.ok() {
                bail!("the draft has problems that block submission");
            }
        }
        DraftCommand::Submit { draft }
        | DraftCommand::Withdraw { draft }
        | DraftCommand::Resubmit { draft } => {
            let actor = s.actor().await?;
            let id = resolve_draft(s, draft).await?;
            let d = match cmd {
                DraftCommand::Submit { .. } => s.app.submit(&actor, id, now).await?,
                DraftCommand::Withdraw { .. } => s.app.withdraw(&actor, id, now).await?,
                _ => s.app.resubmit(&actor, id, now).await?,
            };
            if s.json {
                return s.print_json(&d);
            }
            println!("draft {} is now {}", d.id, d.state.as_str());
            if d.state == DraftState::InReview {
                let status = s.app.approval_status(id).await?;
                let mut names = Vec::new();
                for p in &status.waiting_on {
                    names.push(s.name_of(*p).await);
                }
                println!("waiting on {}", names.join(", "));
            }
        }
    }
    Ok(())
}
