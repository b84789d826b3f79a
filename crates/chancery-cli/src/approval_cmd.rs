//! `chancery approve|reject|request-changes <draft>` and `chancery policy ...`.

use anyhow::{bail, Context};
use chancery_model::accounts::Role;
use chancery_model::approvals::{ApprovalPolicy, ApprovalScope, ApprovalStep, StepMode};
use clap::{Args, Subcommand};

use crate::draft_cmd::resolve_draft;
use crate::lookup::{table, Session};

#[derive(Args)]
pub struct ApproveArgs {
    /// The draft (id or unique id prefix).
    pub draft: String,
    /// The content hash you reviewed (`chancery draft show`); defaults to the current one,
    /// which is printed so you can check it.
    #[arg(long)]
    pub hash: Option<String>,
}

#[derive(Args)]
pub struct RejectArgs {
    pub draft: String,
    /// Why (required; the author sees it).
    #[arg(long)]
    pub reason: String,
}

#[derive(Args)]
pub struct RequestChangesArgs {
    pub draft: String,
    /// What to change (required; the author sees it).
    #[arg(long)]
    pub comment: String,
}

#[derive(Subcommand)]
pub enum PolicyCommand {
    /// Show every group's own approval policy.
    List,
    /// Set a group's policy, e.g. `--group Europe --scope posts --step reviewer:any --step approver:all`.
    Set {
        #[arg(long)]
        group: String,
        /// none, posts, replies or all.
        #[arg(long)]
        scope: String,
        /// ROLE:MODE (mode any or all), in order.
        #[arg(long = "step")]
        steps: Vec<String>,
    },
    /// Remove a group's own policy (its nearest ancestor's applies).
    Remove {
        #[arg(long)]
        group: String,
    },
}

pub async fn approve(s: &Session, a: &ApproveArgs) -> anyhow::Result<()> {
    let actor = s.actor().await?;
    let id = resolve_draft(s, &a.draft).await?;
    let hash = match &a.hash {
        Some(h) => h.clone(),
        None => {
            let d = s.app.draft(id).await?;
            if !s.json {
                println!("approving content {}", d.content_hash);
            }
            d.content_hash
        }
    };
    let d = s.app.approve(&actor, id, &hash, s.now()).await?;
    if s.json {
        return s.print_json(&d);
    }
    println!("draft {} is now {}", d.id, d.state.as_str());
    Ok(())
}

pub async fn reject(s: &Session, a: &RejectArgs) -> anyhow::Result<()> {
    let actor = s.actor().await?;
    let id = resolve_draft(s, &a.draft).await?;
    let d = s.app.reject(&actor, id, &a.reason, s.now()).await?;
    if s.json {
        return s.print_json(&d);
    }
    println!("draft {} is now {}", d.id, d.state.as_str());
    Ok(())
}

pub async fn request_changes(s: &Session, a: &RequestChangesArgs) -> anyhow::Result<()> {
    let actor = s.actor().await?;
    let id = resolve_draft(s, &a.draft).await?;
    let d = s
        .app
        .request_changes(&actor, id, &a.comment, s.now())
        .await?;
    if s.json {
        return s.print_json(&d);
    }
    println!("draft {} is now {}", d.id, d.state.as_str());
    Ok(())
}

pub async fn policy(s: &Session, cmd: &PolicyCommand) -> anyhow::Result<()> {
    match cmd {
        PolicyCommand::List => {
            let policies = s.app.list_approval_policies().await?;
            if s.json {
                return s.print_json(&policies);
            }
            let groups = s.app.store().list_groups().await?;
            let rows: Vec<Vec<String>> = policies
                .iter()
                .map(|p| {
                    vec![
                        groups
                            .iter()
                            .find(|g| g.id == p.group_id)
                            .map(|g| g.name.clone())
                            .unwrap_or_else(|| p.group_id.to_string()),
                        p.scope.as_str().to_string(),
                        p.steps
                            .iter()
                            .map(|st| {
                                format!(
                                    "{}:{}",
                                    st.role.as_str(),
                                    if st.mode == StepMode::All {
                                        "all"
                                    } else {
                                        "any"
                                    }
                                )
                            })
                            .collect::<Vec<_>>()
                            .join(" -> "),
                    ]
                })
                .collect();
            table(&["GROUP", "NEEDS APPROVAL FOR", "STEPS"], &rows);
        }
        PolicyCommand::Set {
            group,
            scope,
            steps,
        } => {
            let actor = s.actor().await?;
            let g = s.group(group).await?;
            let scope = ApprovalScope::parse(scope)
                .with_context(|| format!("scope is none, posts, replies or all, not {scope:?}"))?;
            let mut parsed = Vec::new();
            for st in steps {
                let (role, mode) = st.split_once(':').unwrap_or((st.as_str(), "any"));
                let role = Role::parse(role).with_context(|| format!("unknown role {role:?}"))?;
                let mode = match mode {
                    "any" => StepMode::Any,
                    "all" => StepMode::All,
                    other => bail!("a step's mode is any or all, not {other:?}"),
                };
                parsed.push(ApprovalStep { role, mode });
            }
            s.app
                .set_approval_policy(
                    &actor,
                    ApprovalPolicy {
                        group_id: g.id,
                        scope,
                        steps: parsed,
                    },
                    s.now(),
                )
                .await?;
            if !s.json {
                println!("policy of {} set", g.name);
            }
        }
        PolicyCommand::Remove { group } => {
            let actor = s.actor().await?;
            let g = s.group(group).await?;
            let had = s.app.remove_approval_policy(&actor, g.id, s.now()).await?;
            if !s.json {
                println!(
                    "{}",
                    if had {
                        "removed"
                    } else {
                        "the group had no policy of its own"
                    }
                );
            }
        }
    }
    Ok(())
}
