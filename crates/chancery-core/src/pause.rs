//! The crisis pause: one action stops every scheduled and queued post for all accounts, a
//! group (with its descendants) or one account, with a required reason and an optional end.
//!
//! - Starting a pause holds every queued entry it covers (one transaction); entries that come
//!   due later are held when claimed; and the publisher's pre-send check
//!   ([`App::prepare_send`], [`App::pause_covering`]) stops anything already claimed.
//! - Resuming reports everything the pause held: entries whose time is still ahead go back in
//!   the queue; entries whose time passed during the pause stay held until a person releases
//!   (sends now) or cancels each, so nothing goes out late without someone deciding.
//! - Anyone with a role on the scope may pause (stopping is always safe); resuming, releasing
//!   and cancelling need the approver or admin role there. A pause over everything needs the
//!   role on every top-level group.
//! - Pauses and resumes are audited.

use chancery_model::accounts::{GroupId, Role};
use chancery_model::drafts::PauseId;
use chancery_model::outbox::{HeldOutcome, Pause, PauseScope, ResumeReport};
use chrono::{DateTime, Utc};

use crate::audit::{store_error, Actor};
use crate::workflow::policy::PolicyContext;
use crate::{App, CoreError, CoreEvent};

/// Longest pause reason (characters).
pub const MAX_REASON_CHARS: usize = 2_000;

fn describe_scope(scope: &PauseScope) -> serde_json::Value {
    match scope {
        PauseScope::All => serde_json::json!({"kind": "all"}),
        PauseScope::Group(g) => serde_json::json!({"kind": "group", "id": g.to_string()}),
        PauseScope::Account(a) => serde_json::json!({"kind": "account", "id": a.to_string()}),
    }
}

impl App {
    /// The groups whose roles decide who may pause or resume `scope`.
    async fn scope_groups(&self, scope: &PauseScope) -> Result<Vec<GroupId>, CoreError> {
        Ok(match scope {
            PauseScope::All => self
                .store()
                .list_groups()
                .await
                .map_err(store_error)?
                .into_iter()
                .filter(|g| g.parent_id.is_none())
                .map(|g| g.id)
                .collect(),
            PauseScope::Group(g) => vec![*g],
            PauseScope::Account(a) => vec![
                self.store()
                    .get_account(*a)
                    .await
                    .map_err(store_error)?
                    .ok_or_else(|| CoreError::NotFound(format!("account {a} not found")))?
                    .group_id,
            ],
        })
    }

    /// Refuse unless `actor` may pause (`senior` false: any role) or resume/release/cancel
    /// (`senior` true: approver or admin) `scope`.
    pub(crate) async fn require_pause_authority(
        &self,
        actor: &Actor,
        scope: &PauseScope,
        senior: bool,
    ) -> Result<(), CoreError> {
        let Some(person) = actor.id else {
            return Ok(());
        };
        let groups = self.scope_groups(scope).await?;
        let ctx = PolicyContext::new(
            &self.store().list_groups().await.map_err(store_error)?,
            Vec::new(),
            self.store().list_role_grants().await.map_err(store_error)?,
            Default::default(),
        );
        let roles: &[Role] = if senior {
            &[Role::Approver, Role::Admin]
        } else {
            &Role::ALL
        };
        let ok = !groups.is_empty()
            && groups
                .iter()
                .all(|g| roles.iter().any(|r| ctx.holds(person, *r, *g)));
        if ok {
            Ok(())
        } else {
            Err(CoreError::Forbidden(format!(
                "{} needs {} role on {} to do this",
                actor.name,
                if senior { "the approver or admin" } else { "a" },
                match scope {
                    PauseScope::All => "every top-level group".to_string(),
                    _ => "the paused accounts' group".to_string(),
                }
            )))
        }
    }

    /// Pause every scheduled and queued post in `scope`. Returns the pause; queued entries it
    /// covers are held at once.
    pub async fn start_pause(
        &self,
        actor: &Actor,
        scope: PauseScope,
        reason: &str,
        until: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Pause, CoreError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(CoreError::Validation(
                "a pause needs a reason (it is shown to everyone and kept in the audit trail)"
                    .into(),
            ));
        }
        if reason.chars().count() > MAX_REASON_CHARS {
            return Err(CoreError::Validation(format!(
                "the reason is longer than {MAX_REASON_CHARS} characters"
            )));
        }
        if until.is_some_and(|u| u <= now) {
            return Err(CoreError::Validation(
                "the pause's end time must be in the future".into(),
            ));
        }
        let Some(by) = actor.id else {
            return Err(CoreError::Forbidden(
                "a pause is started by a person".into(),
            ));
        };
        self.require_pause_authority(actor, &scope, false).await?;
        let pause = Pause {
            id: PauseId::new_v7(now),
            scope,
            reason: reason.to_string(),
            started_by: by,
            started_at: now,
            until,
            ended_at: None,
            ended_by: None,
        };
        let rec = actor.record(
            now,
            "pause.started",
            "pause",
            pause.id,
            None,
            serde_json::json!({
                "scope": describe_scope(&scope),
                "reason": pause.reason,
                "until": until.map(|u| u.to_rfc3339()),
            }),
        );
        let held = self
            .store()
            .start_pause(&pause, &rec)
            .await
            .map_err(store_error)?;
        tracing::warn!(pause = %pause.id, reason = %pause.reason, held = held.len(), "crisis pause started");
        self.emit(CoreEvent::PauseStarted {
            pause_id: pause.id,
            scope,
            reason: pause.reason.clone(),
            by,
            held: u32::try_from(held.len()).unwrap_or(u32::MAX),
        });
        self.announce_held(&held).await;
        Ok(pause)
    }

    /// End a pause and report what it held.
    pub async fn resume(
        &self,
        actor: &Actor,
        id: PauseId,
        now: DateTime<Utc>,
    ) -> Result<ResumeReport, CoreError> {
        let pause = self
            .store()
            .get_pause(id)
            .await
            .map_err(store_error)?
            .ok_or_else(|| CoreError::NotFound(format!("pause {id} not found")))?;
        self.require_pause_authority(actor, &pause.scope, true)
            .await?;
        self.end_pause(actor, pause, now).await
    }

    async fn end_pause(
        &self,
        actor: &Actor,
        pause: Pause,
        now: DateTime<Utc>,
    ) -> Result<ResumeReport, CoreError> {
        let rec = actor.record(
            now,
            "pause.ended",
            "pause",
            pause.id,
            None,
            serde_json::json!({
                "scope": describe_scope(&pause.scope),
                "reason": pause.reason,
                "startedAt": pause.started_at.to_rfc3339(),
                "endedBy": if actor.id.is_some() { "person" } else { "its end time" },
            }),
        );
        let report = self
            .store()
            .end_pause(pause.id, actor.id, now, &rec)
            .await
            .map_err(store_error)?;
        let requeued = report
            .held
            .iter()
            .filter(|h| h.outcome == HeldOutcome::Requeued)
            .count();
        let still = report.held.len() - requeued;
        self.emit(CoreEvent::PauseEnded {
            pause_id: pause.id,
            by: actor.id,
            requeued: u32::try_from(requeued).unwrap_or(u32::MAX),
            still_held: u32::try_from(still).unwrap_or(u32::MAX),
        });
        Ok(report)
    }

    /// End every pause whose end time has passed (the system acts). Call from the same loop
    /// as the publisher.
    pub async fn end_lapsed_pauses(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<ResumeReport>, CoreError> {
        let mut out = Vec::new();
        for p in self.store().lapsed_pauses(now).await.map_err(store_error)? {
            match self.end_pause(&Actor::system(), p, now).await {
                Ok(r) => out.push(r),
                Err(CoreError::Conflict(_)) => {} // ended meanwhile
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Pauses on at `now`.
    pub async fn active_pauses(&self, now: DateTime<Utc>) -> Result<Vec<Pause>, CoreError> {
        self.store().active_pauses(now).await.map_err(store_error)
    }

    /// Every pause, newest first.
    pub async fn list_pauses(&self) -> Result<Vec<Pause>, CoreError> {
        self.store().list_pauses().await.map_err(store_error)
    }
}
