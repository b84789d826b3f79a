//! Approvals: policies, lanes, the state machine, and [`App::act_on_draft`], the one function
//! every entry point (UI, CLI, IPC) goes through to submit, approve, reject, request changes,
//! withdraw or resubmit.
//!
//! The rules are pure ([`policy`], [`machine`]); this module loads the facts, asks the
//! machine, and persists its answer (head, decision, outbox entries, audit) in one
//! transaction, then tells the people concerned ([`crate::CoreEvent`]).

pub mod machine;
pub mod policy;

use std::collections::HashSet;

use chancery_model::accounts::{GroupId, Role};
use chancery_model::approvals::{
    ApprovalPolicy, ApprovalScope, ApprovalStatus, Decision, WorkflowAction,
};
use chancery_model::drafts::{DecisionId, Draft, DraftId, OutboxId, Severity};
use chancery_model::outbox::{OutboxEntry, OutboxState};
use chancery_store::DraftChange;
use chrono::{DateTime, Utc};

use crate::audit::{store_error, Actor};
use crate::{App, CoreError, CoreEvent};
use machine::{decide, expire, MachineInput, Notice, Transition};
use policy::{evaluate_lanes, waiting_on, PolicyContext};

fn excerpt(d: &Draft) -> String {
    let line = d.content.text.lines().next().unwrap_or("");
    let mut s: String = line.chars().take(80).collect();
    if line.chars().count() > 80 {
        s.push('…');
    }
    s
}

impl App {
    /// The registry facts policy evaluation needs (groups, policies, grants, active people).
    pub async fn policy_context(&self) -> Result<PolicyContext, CoreError> {
        let s = self.store();
        let groups = s.list_groups().await.map_err(store_error)?;
        let policies = s.list_approval_policies().await.map_err(store_error)?;
        let grants = s.list_role_grants().await.map_err(store_error)?;
        let active: HashSet<_> = s
            .list_people()
            .await
            .map_err(store_error)?
            .into_iter()
            .filter(|p| p.active)
            .map(|p| p.id)
            .collect();
        Ok(PolicyContext::new(&groups, policies, grants, active))
    }

    /// Set a group's approval policy (applies to its descendants without their own). Needs the
    /// admin role on the group.
    pub async fn set_approval_policy(
        &self,
        actor: &Actor,
        policy: ApprovalPolicy,
        now: DateTime<Utc>,
    ) -> Result<(), CoreError> {
        let ctx = self.policy_context().await?;
        let Some(person) = actor.id else {
            return Err(CoreError::Forbidden("policies are set by people".into()));
        };
        if !ctx.holds(person, Role::Admin, policy.group_id) {
            return Err(CoreError::Forbidden(format!(
                "{} needs the admin role on {} to set its approval policy",
                actor.name,
                ctx.group_name(policy.group_id)
            )));
        }
        if policy.scope != ApprovalScope::None && policy.steps.is_empty() {
            return Err(CoreError::Validation(
                "a policy that requires approval needs at least one step".into(),
            ));
        }
        if policy.steps.len() > 5 {
            return Err(CoreError::Validation("at most 5 approval steps".into()));
        }
        let rec = actor.record(
            now,
            "policy.set",
            "policy",
            policy.group_id,
            None,
            serde_json::json!({ "group": ctx.group_name(policy.group_id), "scope": policy.scope, "steps": policy.steps }),
        );
        self.store()
            .set_approval_policy(&policy, now, &rec)
            .await
            .map_err(store_error)
    }

    /// Remove a group's own policy. Needs the admin role on the group.
    pub async fn remove_approval_policy(
        &self,
        actor: &Actor,
        group: GroupId,
        now: DateTime<Utc>,
    ) -> Result<bool, CoreError> {
        let ctx = self.policy_context().await?;
        if !actor.id.is_some_and(|p| ctx.holds(p, Role::Admin, group)) {
            return Err(CoreError::Forbidden(format!(
                "{} needs the admin role on {}",
                actor.name,
                ctx.group_name(group)
            )));
        }
        let rec = actor.record(
            now,
            "policy.removed",
            "policy",
            group,
            None,
            serde_json::json!({ "group": ctx.group_name(group) }),
        );
        self.store()
            .remove_approval_policy(group, &rec)
            .await
            .map_err(store_error)
    }

    pub async fn list_approval_policies(&self) -> Result<Vec<ApprovalPolicy>, CoreError> {
        self.store()
            .list_approval_policies()
            .await
            .map_err(store_error)
    }

    /// Where a draft's approval stands: its lanes, their steps, who approved, who is waited on.
    pub async fn approval_status(&self, id: DraftId) -> Result<ApprovalStatus, CoreError> {
        let draft = self.draft(id).await?;
        let decisions = self.store().list_decisions(id).await.map_err(store_error)?;
        let contributors = self.contributors(&draft).await?;
        let ctx = self.policy_context().await?;
        let lanes = evaluate_lanes(
            &ctx,
            draft.kind,
            &draft.targets,
            &contributors,
            &decisions,
            draft.round,
            &draft.content_hash,
        );
        Ok(ApprovalStatus {
            draft_id: id,
            state: draft.state,
            round: draft.round,
            content_hash: draft.content_hash.clone(),
            approved: lanes.iter().all(|l| l.complete),
            waiting_on: waiting_on(&lanes),
            lanes,
        })
    }

    /// Every decision on a draft, in order.
    pub async fn draft_decisions(&self, id: DraftId) -> Result<Vec<Decision>, CoreError> {
        self.store().list_decisions(id).await.map_err(store_error)
    }

    /// **The** way to act on a draft: every rule (who may, in which state, on which content,
    /// never one's own draft) is checked here, by the pure state machine, whatever the entry
    /// point. Returns the draft as it is after the action.
    pub async fn act_on_draft(
        &self,
        actor: &Actor,
        id: DraftId,
        action: WorkflowAction,
        now: DateTime<Utc>,
    ) -> Result<Draft, CoreError> {
        let Some(person) = actor.id else {
            return Err(CoreError::Forbidden("only people act on drafts".into()));
        };
        let draft = self.draft(id).await?;
        let decisions = self.store().list_decisions(id).await.map_err(store_error)?;
        let contributors = self.contributors(&draft).await?;
        let ctx = self.policy_context().await?;
        let blocking: Vec<String> =
            if matches!(action, WorkflowAction::Submit | WorkflowAction::Resubmit)
                && person == draft.author_id
            {
                self.check_draft(id, now)
                    .await?
                    .problems
                    .into_iter()
                    .filter(|p| p.severity == Severity::Error)
                    .map(|p| p.message)
                    .collect()
            } else {
                Vec::new()
            };
        let input = MachineInput {
            draft: &draft,
            contributors: &contributors,
            ctx: &ctx,
            decisions: &decisions,
            blocking: &blocking,
            now,
        };
        let t = decide(&input, &action, person).map_err(CoreError::from)?;
        let action_name = match &action {
            WorkflowAction::Submit => "draft.submitted",
            WorkflowAction::Resubmit => "draft.resubmitted",
            WorkflowAction::Withdraw => "draft.withdrawn",
            WorkflowAction::Approve { .. } => "draft.approval_recorded",
            WorkflowAction::Reject { .. } => "draft.rejected",
            WorkflowAction::RequestChanges { .. } => "draft.changes_requested",
        };
        self.commit_transition(actor, &draft, t, action_name, now)
            .await
    }

    async fn commit_transition(
        &self,
        actor: &Actor,
        draft: &Draft,
        t: Transition,
        action_name: &str,
        now: DateTime<Utc>,
    ) -> Result<Draft, CoreError> {
        let mut after = draft.clone();
        after.state = t.state;
        after.round = t.round;
        after.approved_hash = t.approved_hash.clone();
        after.state_note = t.state_note.clone();
        after.rev = draft.rev + 1;
        after.updated_at = now;
        let decision = Decision {
            id: DecisionId::new_v7(now),
            draft_id: draft.id,
            round: t.round,
            person_id: actor.id,
            kind: t.decision,
            content_hash: draft.content_hash.clone(),
            note: t.note.clone(),
            counted_for: t.counted_for.clone(),
            at: now,
        };
        let lanes_summary: Vec<serde_json::Value> = t
            .lanes
            .iter()
            .map(|l| serde_json::json!({ "lane": l.group_name, "complete": l.complete, "currentStep": l.current_step, "workspaceDefault": l.workspace_default }))
            .collect();
        let mut audit = vec![actor.record(
            now,
            action_name,
            "draft",
            draft.id,
            Some(&draft.content_hash),
            serde_json::json!({
                "round": t.round,
                "version": draft.version,
                "note": t.note,
                "countedFor": t.counted_for.iter().map(|c| serde_json::json!({"lane": c.lane.to_string(), "step": c.step + 1})).collect::<Vec<_>>(),
                "from": draft.state.as_str(),
                "to": t.state.as_str(),
                "lanes": lanes_summary,
            }),
        )];
        let mut enqueue: Vec<OutboxEntry> = Vec::new();
        if t.enqueue {
            let pauses = self.store().active_pauses(now).await.map_err(store_error)?;
            let lineages = if pauses.is_empty() {
                Default::default()
            } else {
                self.store().account_lineages().await.map_err(store_error)?
            };
            for target in &draft.targets {
                let lineage = lineages
                    .get(&target.account_id)
                    .map(Vec::as_slice)
                    .unwrap_or(&[]);
                let holder = pauses
                    .iter()
                    .find(|p| p.scope.covers(target.account_id, lineage));
                let e = OutboxEntry {
                    id: OutboxId::new_v7(now),
                    draft_id: draft.id,
                    draft_version: draft.version,
                    account_id: target.account_id,
                    network: target.network,
                    content_hash: draft.content_hash.clone(),
                    send_at: target.send_at.unwrap_or(now),
                    state: if holder.is_some() {
                        OutboxState::Held
                    } else {
                        OutboxState::Queued
                    },
                    attempts: 0,
                    last_error: None,
                    attempt_started_at: None,
                    external_post_id: None,
                    sent_at: None,
                    held_by: holder.map(|p| p.id),
                    hold_reason: holder.map(|_| chancery_model::outbox::HoldReason::Pause),
                    scheduled_at: target.send_at.unwrap_or(now),
                    created_at: now,
                    updated_at: now,
                };
                enqueue.push(e);
            }
            audit.push(actor.record(
                now,
                "draft.approved",
                "draft",
                draft.id,
                Some(&draft.content_hash),
                serde_json::json!({ "round": t.round, "version": draft.version, "outboxIds": enqueue.iter().map(|e| e.id.to_string()).collect::<Vec<_>>() }),
            ));
            for e in &enqueue {
                audit.push(actor.record(
                    now,
                    if e.state == OutboxState::Held {
                        "outbox.queued_held"
                    } else {
                        "outbox.queued"
                    },
                    "outbox",
                    e.id,
                    Some(&e.content_hash),
                    serde_json::json!({
                        "draftId": draft.id.to_string(),
                        "draftVersion": e.draft_version,
                        "accountId": e.account_id.to_string(),
                        "network": e.network.as_str(),
                        "sendAt": e.send_at.to_rfc3339(),
                        "heldBy": e.held_by.map(|p| p.to_string()),
                    }),
                ));
            }
        }
        self.store()
            .commit_draft_change(DraftChange {
                draft: &after,
                expected_rev: Some(draft.rev),
                new_version: None,
                decision: Some(&decision),
                enqueue: &enqueue,
                cancel_pending_outbox: t.cancel_outbox,
                audit: &audit,
            })
            .await
            .map_err(store_error)?;
        for n in &t.notices {
            let by = actor.id;
            match n {
                Notice::ApprovalRequested { to } if !to.is_empty() => {
                    self.emit(CoreEvent::ApprovalRequested {
                        draft_id: draft.id,
                        author_id: draft.author_id,
                        to: to.clone(),
                        excerpt: excerpt(draft),
                    })
                }
                Notice::ApprovalRequested { .. } => {}
                Notice::Approved => {
                    if let Some(by) = by {
                        self.emit(CoreEvent::DraftDecided {
                            draft_id: draft.id,
                            author_id: draft.author_id,
                            by,
                            approved: true,
                            reason: None,
                        });
                    }
                }
                Notice::Rejected { reason } => {
                    if let Some(by) = by {
                        self.emit(CoreEvent::DraftDecided {
                            draft_id: draft.id,
                            author_id: draft.author_id,
                            by,
                            approved: false,
                            reason: Some(reason.clone()),
                        });
                    }
                }
                Notice::ChangesRequested { comment } => {
                    if let Some(by) = by {
                        self.emit(CoreEvent::ChangesRequested {
                            draft_id: draft.id,
                            author_id: draft.author_id,
                            by,
                            comment: comment.clone(),
                        });
                    }
                }
                Notice::Withdrawn => self.emit(CoreEvent::DraftWithdrawn {
                    draft_id: draft.id,
                    author_id: draft.author_id,
                    notify: waiting_on(&t.lanes),
                }),
                Notice::Expired => self.emit(CoreEvent::DraftExpired {
                    draft_id: draft.id,
                    author_id: draft.author_id,
                }),
            }
        }
        for e in &enqueue {
            self.emit(CoreEvent::OutboxChanged {
                outbox_id: e.id,
                draft_id: e.draft_id,
                state: e.state,
            });
        }
        if enqueue.iter().any(|e| e.state == OutboxState::Held) {
            let held: Vec<OutboxEntry> = enqueue
                .into_iter()
                .filter(|e| e.state == OutboxState::Held)
                .collect();
            self.announce_held(&held).await;
        }
        Ok(after)
    }

    pub async fn submit(
        &self,
        actor: &Actor,
        id: DraftId,
        now: DateTime<Utc>,
    ) -> Result<Draft, CoreError> {
        self.act_on_draft(actor, id, WorkflowAction::Submit, now)
            .await
    }

    pub async fn resubmit(
        &self,
        actor: &Actor,
        id: DraftId,
        now: DateTime<Utc>,
    ) -> Result<Draft, CoreError> {
        self.act_on_draft(actor, id, WorkflowAction::Resubmit, now)
            .await
    }

    pub async fn withdraw(
        &self,
        actor: &Actor,
        id: DraftId,
        now: DateTime<Utc>,
    ) -> Result<Draft, CoreError> {
        self.act_on_draft(actor, id, WorkflowAction::Withdraw, now)
            .await
    }

    /// Approve the content with `content_hash` (the version the approver reviewed).
    pub async fn approve(
        &self,
        actor: &Actor,
        id: DraftId,
        content_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Draft, CoreError> {
        self.act_on_draft(
            actor,
            id,
            WorkflowAction::Approve {
                content_hash: content_hash.to_string(),
            },
            now,
        )
        .await
    }

    pub async fn reject(
        &self,
        actor: &Actor,
        id: DraftId,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Draft, CoreError> {
        self.act_on_draft(
            actor,
            id,
            WorkflowAction::Reject {
                reason: reason.to_string(),
            },
            now,
        )
        .await
    }

    pub async fn request_changes(
        &self,
        actor: &Actor,
        id: DraftId,
        comment: &str,
        now: DateTime<Utc>,
    ) -> Result<Draft, CoreError> {
        self.act_on_draft(
            actor,
            id,
            WorkflowAction::RequestChanges {
                comment: comment.to_string(),
            },
            now,
        )
        .await
    }

    /// Expire every draft whose first scheduled instant passed before it was approved (the
    /// system acts; its author is told). Returns the expired drafts.
    pub async fn expire_due(&self, now: DateTime<Utc>) -> Result<Vec<Draft>, CoreError> {
        let mut out = Vec::new();
        let ctx = self.policy_context().await?;
        for id in self
            .store()
            .drafts_past_deadline(now)
            .await
            .map_err(store_error)?
        {
            let draft = self.draft(id).await?;
            let decisions = self.store().list_decisions(id).await.map_err(store_error)?;
            let contributors = self.contributors(&draft).await?;
            let input = MachineInput {
                draft: &draft,
                contributors: &contributors,
                ctx: &ctx,
                decisions: &decisions,
                blocking: &[],
                now,
            };
            if let Some(t) = expire(&input) {
                match self
                    .commit_transition(&Actor::system(), &draft, t, "draft.expired", now)
                    .await
                {
                    Ok(d) => out.push(d),
                    Err(CoreError::Conflict(_)) => {} // acted on meanwhile; the next tick sees it
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(out)
    }

    /// The periodic housekeeping the publisher loop runs before claiming: expire drafts past
    /// their time, end pauses past theirs.
    pub async fn tick(&self, now: DateTime<Utc>) -> Result<(), CoreError> {
        self.expire_due(now).await?;
        self.end_lapsed_pauses(now).await?;
        Ok(())
    }
}
