//! The outbox: what a publisher sends, one entry per (approved draft, account).
//!
//! The transitions are pure ([`transition`]); the store writes each with a compare-and-set on
//! state and attempt count, so an entry is never claimed twice. The network part comes from
//! the publisher, which drives an entry like this:
//!
//! 1. [`App::claim_due`] — due `queued` entries become `sending` (attempt counted); entries a
//!    pause covers become `held` instead and are not returned.
//! 2. [`App::prepare_send`] — right before the network call: refuses (and holds the entry) if
//!    a pause now covers the account, refuses (and fails the entry) if the content to send no
//!    longer has the approved hash; otherwise returns the exact text, images and reply target.
//! 3. [`App::record_send_outcome`] — `sent` with the network's post id, or failed (retryable
//!    → back to `queued` not before `retry_at`; final → `failed`), with the error in words.
//!
//! **Crash mid-send.** An entry left in `sending` (the app stopped between 1 and 3) is never
//! claimed again. [`App::unresolved_sends`] lists them; the publisher checks the account's
//! recent posts for the content and calls [`App::reconcile_send`] with what it found: the post
//! id (→ `sent`) or nothing (→ `queued`, sent again). So each post goes out exactly once as
//! long as the reconciliation check can see the account's own recent posts.

use chancery_model::accounts::AccountId;
use chancery_model::drafts::{DraftState, MediaAttachment, OutboxId, PauseId};
use chancery_model::outbox::{HoldReason, OutboxEntry, OutboxState, Pause, SendOutcome};
pub use chancery_store::OutboxFilter;
use chrono::{DateTime, Utc};
use serde::Serialize;
use specta::Type;

use crate::audit::{store_error, Actor};
use crate::compose::content_hash;
use crate::{App, CoreError, CoreEvent};

/// After this many attempts a retryable failure becomes final.
pub const MAX_ATTEMPTS: u32 = 5;

/// What happens to an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboxEvent {
    /// A publisher takes a due entry.
    Claim,
    /// A pause covers the account (a claimed entry is put back: its attempt did not happen).
    Hold(PauseId),
    /// The publisher holds it for a reason other than a pause (too late to go out without a
    /// person deciding; its account must be reconnected), with `detail` in plain words. A
    /// claimed entry is put back: its attempt did not happen.
    HoldFor {
        reason: HoldReason,
        detail: String,
    },
    /// A person sends a held entry on its way again ("send now": lateness is measured from
    /// the release).
    Release,
    /// Its account was reconnected: an entry held for that goes back in the queue. Its times
    /// are kept, so an entry that became too late meanwhile is held again for a person.
    Reconnected,
    /// A person (or an edit) takes it out of the queue.
    Cancel,
    Outcome(SendOutcome),
    /// After a crash: the account's recent posts show it went out with this id.
    ReconciledSent {
        external_post_id: String,
    },
    /// After a crash: it did not go out; queue it again.
    ReconciledNotSent,
    /// The content no longer has the approved hash: it must never go out.
    ContentMismatch {
        detail: String,
    },
}

/// A transition that is not allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot {event} an outbox entry that is {state}")]
pub struct OutboxRefusal {
    pub event: &'static str,
    pub state: &'static str,
}

fn refuse(event: &'static str, e: &OutboxEntry) -> OutboxRefusal {
    OutboxRefusal {
        event,
        state: e.state.as_str(),
    }
}

/// The entry after `event` at `now`.
pub fn transition(
    e: &OutboxEntry,
    event: &OutboxEvent,
    now: DateTime<Utc>,
) -> Result<OutboxEntry, OutboxRefusal> {
    use OutboxState::*;
    let mut n = e.clone();
    n.updated_at = now;
    match event {
        OutboxEvent::Claim => {
            if e.state != Queued {
                return Err(refuse("claim", e));
            }
            if e.send_at > now {
                return Err(OutboxRefusal {
                    event: "claim",
                    state: "not due yet",
                });
            }
            n.state = Sending;
            n.attempts += 1;
            n.attempt_started_at = Some(now);
        }
        OutboxEvent::Hold(p) => {
            match e.state {
                Queued => {}
                // The pre-send check stopped it before the network call: the attempt did not
                // happen.
                Sending => {
                    n.attempts = e.attempts.saturating_sub(1);
                    n.attempt_started_at = None;
                }
                _ => return Err(refuse("hold", e)),
            }
            n.state = Held;
            n.held_by = Some(*p);
            n.hold_reason = Some(HoldReason::Pause);
        }
        OutboxEvent::HoldFor { reason, detail } => {
            if *reason == HoldReason::Pause {
                return Err(OutboxRefusal {
                    event: "hold without naming the pause",
                    state: e.state.as_str(),
                });
            }
            match e.state {
                Queued => {}
                Sending => {
                    n.attempts = e.attempts.saturating_sub(1);
                    n.attempt_started_at = None;
                }
                _ => return Err(refuse("hold", e)),
            }
            n.state = Held;
            n.held_by = None;
            n.hold_reason = Some(*reason);
            n.last_error = Some(detail.clone());
        }
        OutboxEvent::Release => {
            if e.state != Held {
                return Err(refuse("release", e));
            }
            n.state = Queued;
            n.held_by = None;
            n.hold_reason = None;
            n.send_at = e.send_at.max(now);
            n.scheduled_at = e.scheduled_at.max(now);
        }
        OutboxEvent::Reconnected => {
            if e.state != Held || e.hold_reason != Some(HoldReason::NeedsReauth) {
                return Err(refuse("requeue after a reconnection", e));
            }
            n.state = Queued;
            n.hold_reason = None;
        }
        OutboxEvent::Cancel => {
            if !matches!(e.state, Queued | Held) {
                return Err(refuse("cancel", e));
            }
            n.state = Cancelled;
            n.held_by = None;
            n.hold_reason = None;
        }
        OutboxEvent::Outcome(SendOutcome::Sent { external_post_id })
        | OutboxEvent::ReconciledSent { external_post_id } => {
            if e.state != Sending {
                return Err(refuse("record a send for", e));
            }
            if external_post_id.trim().is_empty() {
                return Err(OutboxRefusal {
                    event: "record a send without a post id for",
                    state: e.state.as_str(),
                });
            }
            n.state = Sent;
            n.external_post_id = Some(external_post_id.clone());
            n.sent_at = Some(now);
            n.last_error = None;
        }
        OutboxEvent::Outcome(SendOutcome::Failed {
            error,
            retryable,
            retry_at,
        }) => {
            if e.state != Sending {
                return Err(refuse("record a failure for", e));
            }
            if *retryable && e.attempts < MAX_ATTEMPTS {
                n.state = Queued;
                n.send_at = retry_at.unwrap_or(now).max(e.send_at);
                n.last_error = Some(error.clone());
            } else {
                n.state = Failed;
                n.last_error = Some(if *retryable {
                    format!("gave up after {} attempts: {error}", e.attempts)
                } else {
                    error.clone()
                });
            }
        }
        OutboxEvent::ReconciledNotSent => {
            if e.state != Sending {
                return Err(refuse("reconcile", e));
            }
            n.state = Queued;
            n.send_at = now.max(e.send_at);
            n.last_error = Some(
                "Chancery stopped during a send; the account's recent posts were checked and it had not gone out, \
                 so it will be sent again"
                    .into(),
            );
        }
        OutboxEvent::ContentMismatch { detail } => {
            if !matches!(e.state, Queued | Held | Sending) {
                return Err(refuse("fail", e));
            }
            n.state = Failed;
            n.held_by = None;
            n.hold_reason = None;
            n.last_error = Some(detail.clone());
        }
    }
    Ok(n)
}

fn event_name(ev: &OutboxEvent, after: &OutboxEntry) -> &'static str {
    match ev {
        OutboxEvent::Claim => "outbox.sending",
        OutboxEvent::Hold(_) => "outbox.held",
        OutboxEvent::HoldFor {
            reason: HoldReason::Late,
            ..
        } => "outbox.held_late",
        OutboxEvent::HoldFor { .. } => "outbox.held_needs_reauth",
        OutboxEvent::Release => "outbox.released",
        OutboxEvent::Reconnected => "outbox.requeued_after_reconnect",
        OutboxEvent::Cancel => "outbox.cancelled",
        OutboxEvent::Outcome(SendOutcome::Sent { .. }) => "outbox.sent",
        OutboxEvent::Outcome(SendOutcome::Failed { .. }) if after.state == OutboxState::Queued => {
            "outbox.retry_scheduled"
        }
        OutboxEvent::Outcome(SendOutcome::Failed { .. }) => "outbox.failed",
        OutboxEvent::ReconciledSent { .. } => "outbox.reconciled_sent",
        OutboxEvent::ReconciledNotSent => "outbox.reconciled_not_sent",
        OutboxEvent::ContentMismatch { .. } => "outbox.content_mismatch",
    }
}

/// Exactly what to send for one claimed entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SendPayload {
    pub entry: OutboxEntry,
    /// The text for this network (its variant, or the main text).
    pub text: String,
    /// Images to upload, in order (check each file's SHA-256 against `sha256` when reading it).
    pub media: Vec<MediaAttachment>,
    /// The network's id of the post or comment being answered, for replies.
    pub reply_to_external_id: Option<String>,
    /// The approved content hash (equal to `entry.contentHash`).
    pub content_hash: String,
}

/// What the publisher says about a due entry offered by [`App::claim_due_with`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimDecision {
    /// Claim it for sending now.
    Claim,
    /// Leave it queued for now (its account is busy or rate-limited).
    Skip,
    /// Hold it (not for a pause), with the reason in plain words.
    Hold { reason: HoldReason, detail: String },
}

/// Why `e` is too late to go out by itself at `now`, if it is: more than `max_lateness` after
/// its scheduled time (or its release by a person).
pub fn lateness_problem(
    e: &OutboxEntry,
    now: DateTime<Utc>,
    max_lateness: chrono::Duration,
) -> Option<String> {
    let late_by = now - e.scheduled_at;
    if late_by <= max_lateness {
        return None;
    }
    Some(format!(
        "not sent: it was due at {} UTC and Chancery only got to it at {} UTC, {} minutes late \
         (the app may have been closed, or a pause just ended). Posts more than {} minutes late \
         are held so that nothing goes out late without a person deciding: an approver can \
         release it to send it now, or cancel it",
        e.scheduled_at.format("%Y-%m-%d %H:%M"),
        now.format("%Y-%m-%d %H:%M"),
        late_by.num_minutes(),
        max_lateness.num_minutes()
    ))
}

impl App {
    /// Apply `event` to entry `id` and record it (audit, event). Refused transitions and lost
    /// races are `Conflict`s.
    pub(crate) async fn outbox_step(
        &self,
        id: OutboxId,
        event: OutboxEvent,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<OutboxEntry, CoreError> {
        let before = self
            .store()
            .get_outbox_entry(id)
            .await
            .map_err(store_error)?
            .ok_or_else(|| CoreError::NotFound(format!("outbox entry {id} not found")))?;
        let after =
            transition(&before, &event, now).map_err(|r| CoreError::Conflict(r.to_string()))?;
        let details = serde_json::json!({
            "draftId": after.draft_id.to_string(),
            "draftVersion": after.draft_version,
            "accountId": after.account_id.to_string(),
            "network": after.network.as_str(),
            "from": before.state.as_str(),
            "to": after.state.as_str(),
            "attempts": after.attempts,
            "sendAt": after.send_at.to_rfc3339(),
            "error": after.last_error,
            "externalPostId": after.external_post_id,
            "heldBy": after.held_by.map(|p| p.to_string()),
            "holdReason": after.hold_reason.map(HoldReason::as_str),
            "scheduledAt": after.scheduled_at.to_rfc3339(),
        });
        let rec = actor.record(
            now,
            event_name(&event, &after),
            "outbox",
            id,
            Some(&after.content_hash),
            details,
        );
        let (ok, _) = self
            .store()
            .update_outbox_entry(
                &after,
                before.state,
                before.attempts,
                std::slice::from_ref(&rec),
            )
            .await
            .map_err(store_error)?;
        if !ok {
            return Err(CoreError::Conflict(format!(
                "outbox entry {id} changed meanwhile (another publisher or a pause); reload it"
            )));
        }
        self.emit(CoreEvent::OutboxChanged {
            outbox_id: id,
            draft_id: after.draft_id,
            state: after.state,
        });
        Ok(after)
    }

    /// The active pause covering `account` at `now`, if any: **the check the publisher makes
    /// right before each send**, so nothing leaves while a pause covers it.
    pub async fn pause_covering(
        &self,
        account: AccountId,
        now: DateTime<Utc>,
    ) -> Result<Option<Pause>, CoreError> {
        let pauses = self.store().active_pauses(now).await.map_err(store_error)?;
        if pauses.is_empty() {
            return Ok(None);
        }
        let lineages = self.store().account_lineages().await.map_err(store_error)?;
        let lineage = lineages.get(&account).map(Vec::as_slice).unwrap_or(&[]);
        Ok(pauses
            .into_iter()
            .find(|p| p.scope.covers(account, lineage)))
    }

    /// `Err(Paused)` with the pause's reason if a pause covers `account` at `now`.
    pub async fn ensure_not_paused(
        &self,
        account: AccountId,
        now: DateTime<Utc>,
    ) -> Result<(), CoreError> {
        match self.pause_covering(account, now).await? {
            None => Ok(()),
            Some(p) => Err(CoreError::Paused(format!(
                "posting is paused for this account since {}: {}",
                p.started_at.to_rfc3339(),
                p.reason
            ))),
        }
    }

    /// Claim up to `limit` due entries for sending (each becomes `sending`, its attempt
    /// counted). Due entries a pause covers are held instead (and announced), not returned;
    /// so are entries too late to go out without a person deciding (see
    /// [`App::max_lateness`]).
    pub async fn claim_due(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<OutboxEntry>, CoreError> {
        self.claim_due_with(now, limit, |_| ClaimDecision::Claim)
            .await
    }

    /// [`App::claim_due`] with the publisher's say on each due entry that no pause covers and
    /// that is not too late: claim it, leave it queued for now (its account is busy or
    /// rate-limited), or hold it (its account must be reconnected). Entries are offered in
    /// due order, oldest first.
    pub async fn claim_due_with(
        &self,
        now: DateTime<Utc>,
        limit: u32,
        decide: impl FnMut(&OutboxEntry) -> ClaimDecision + Send,
    ) -> Result<Vec<OutboxEntry>, CoreError> {
        Ok(self.claim_due_detailed(now, limit, decide).await?.0)
    }

    /// [`App::claim_due_with`], also returning the entries it held.
    pub(crate) async fn claim_due_detailed(
        &self,
        now: DateTime<Utc>,
        limit: u32,
        mut decide: impl FnMut(&OutboxEntry) -> ClaimDecision + Send,
    ) -> Result<(Vec<OutboxEntry>, Vec<OutboxEntry>), CoreError> {
        let scan = limit.saturating_mul(4).max(500);
        let due = self
            .store()
            .due_outbox(now, scan)
            .await
            .map_err(store_error)?;
        if due.is_empty() {
            return Ok((Vec::new(), Vec::new()));
        }
        let max_lateness = self.max_lateness().await?;
        let pauses = self.store().active_pauses(now).await.map_err(store_error)?;
        let lineages = if pauses.is_empty() {
            Default::default()
        } else {
            self.store().account_lineages().await.map_err(store_error)?
        };
        let system = Actor::system();
        let mut claimed = Vec::new();
        let mut held: Vec<OutboxEntry> = Vec::new();
        let mut held_other: Vec<OutboxEntry> = Vec::new();
        for e in due {
            let lineage = lineages
                .get(&e.account_id)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let event = if let Some(p) = pauses
                .iter()
                .find(|p| p.scope.covers(e.account_id, lineage))
            {
                OutboxEvent::Hold(p.id)
            } else if let Some(detail) = lateness_problem(&e, now, max_lateness) {
                OutboxEvent::HoldFor {
                    reason: HoldReason::Late,
                    detail,
                }
            } else if claimed.len() >= limit as usize {
                continue;
            } else {
                match decide(&e) {
                    ClaimDecision::Claim => OutboxEvent::Claim,
                    ClaimDecision::Skip => continue,
                    ClaimDecision::Hold { reason, detail } => {
                        OutboxEvent::HoldFor { reason, detail }
                    }
                }
            };
            match self.outbox_step(e.id, event, &system, now).await {
                Ok(after) if after.hold_reason == Some(HoldReason::Pause) => held.push(after),
                Ok(after) if after.state == OutboxState::Held => held_other.push(after),
                Ok(after) => claimed.push(after),
                // Someone else moved it first: not ours.
                Err(CoreError::Conflict(_)) => {}
                Err(other) => return Err(other),
            }
        }
        self.announce_held(&held).await;
        self.announce_publisher_holds(&held_other).await;
        held.extend(held_other);
        Ok((claimed, held))
    }

    /// Hold a queued or claimed entry for `reason` (not a pause), with `detail` in plain words
    /// on the entry, and tell its author. The system acts.
    pub async fn hold_outbox_entry(
        &self,
        id: OutboxId,
        reason: HoldReason,
        detail: &str,
        now: DateTime<Utc>,
    ) -> Result<OutboxEntry, CoreError> {
        let after = self
            .outbox_step(
                id,
                OutboxEvent::HoldFor {
                    reason,
                    detail: detail.to_string(),
                },
                &Actor::system(),
                now,
            )
            .await?;
        self.announce_publisher_holds(std::slice::from_ref(&after))
            .await;
        Ok(after)
    }

    /// Put back in the queue every entry held because its account had to be reconnected, for
    /// accounts that are connected again. Returns them.
    pub async fn requeue_reconnected(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<OutboxEntry>, CoreError> {
        let held = self
            .store()
            .list_outbox(&OutboxFilter {
                states: vec![OutboxState::Held],
                ..Default::default()
            })
            .await
            .map_err(store_error)?;
        let mut out = Vec::new();
        for e in held
            .into_iter()
            .filter(|e| e.hold_reason == Some(HoldReason::NeedsReauth))
        {
            let connected = self
                .store()
                .get_account(e.account_id)
                .await
                .map_err(store_error)?
                .is_some_and(|a| {
                    a.token.status == chancery_model::accounts::TokenStatus::Connected
                });
            if !connected {
                continue;
            }
            match self
                .outbox_step(e.id, OutboxEvent::Reconnected, &Actor::system(), now)
                .await
            {
                Ok(after) => out.push(after),
                Err(CoreError::Conflict(_)) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(out)
    }

    pub(crate) async fn announce_held(&self, held: &[OutboxEntry]) {
        let mut by_pause: std::collections::BTreeMap<PauseId, Vec<&OutboxEntry>> =
            Default::default();
        for e in held {
            if let Some(p) = e.held_by {
                by_pause.entry(p).or_default().push(e);
            }
        }
        for (pause_id, entries) in by_pause {
            let mut draft_ids: Vec<_> = entries.iter().map(|e| e.draft_id).collect();
            draft_ids.sort();
            draft_ids.dedup();
            let mut author_ids = Vec::new();
            for d in &draft_ids {
                if let Ok(Some(draft)) = self.store().get_draft(*d).await {
                    author_ids.push(draft.author_id);
                }
            }
            author_ids.sort();
            author_ids.dedup();
            self.emit(CoreEvent::HeldByPause {
                pause_id,
                outbox_ids: entries.iter().map(|e| e.id).collect(),
                draft_ids,
                author_ids,
            });
        }
    }

    /// Right before the network call for a claimed entry: the pause check and the content
    /// check, then exactly what to send.
    pub async fn prepare_send(
        &self,
        id: OutboxId,
        now: DateTime<Utc>,
    ) -> Result<SendPayload, CoreError> {
        let entry = self
            .store()
            .get_outbox_entry(id)
            .await
            .map_err(store_error)?
            .ok_or_else(|| CoreError::NotFound(format!("outbox entry {id} not found")))?;
        if entry.state != OutboxState::Sending {
            return Err(CoreError::Conflict(format!(
                "outbox entry {id} is {}, not claimed for sending",
                entry.state.as_str()
            )));
        }
        let system = Actor::system();
        if let Some(p) = self.pause_covering(entry.account_id, now).await? {
            let held = self
                .outbox_step(id, OutboxEvent::Hold(p.id), &system, now)
                .await?;
            self.announce_held(std::slice::from_ref(&held)).await;
            return Err(CoreError::Paused(format!(
                "held by a crisis pause: {}",
                p.reason
            )));
        }
        let draft = self
            .store()
            .get_draft(entry.draft_id)
            .await
            .map_err(store_error)?
            .ok_or_else(|| CoreError::NotFound(format!("draft {} not found", entry.draft_id)))?;
        let version = self
            .store()
            .draft_version(entry.draft_id, entry.draft_version)
            .await
            .map_err(store_error)?
            .ok_or_else(|| {
                CoreError::NotFound(format!(
                    "version {} of draft {}",
                    entry.draft_version, entry.draft_id
                ))
            })?;
        let recomputed = content_hash(&version.content, &version.targets);
        let problem = if recomputed != entry.content_hash {
            Some("the stored content no longer matches the approved content hash")
        } else if draft.state != DraftState::Approved
            || draft.approved_hash.as_deref() != Some(entry.content_hash.as_str())
        {
            Some("the draft is no longer approved with this content")
        } else {
            None
        };
        if let Some(p) = problem {
            let detail = format!("not sent: {p} (approved {}…)", &entry.content_hash[..12]);
            self.outbox_step(
                id,
                OutboxEvent::ContentMismatch {
                    detail: detail.clone(),
                },
                &system,
                now,
            )
            .await?;
            return Err(CoreError::Conflict(detail));
        }
        let text = version.content.text_for(entry.network).to_string();
        let reply_to_external_id = version
            .content
            .reply_to
            .as_ref()
            .map(|r| r.external_id.clone());
        Ok(SendPayload {
            text,
            media: version.content.media.clone(),
            reply_to_external_id,
            content_hash: recomputed,
            entry,
        })
    }

    /// Record how a send attempt ended.
    pub async fn record_send_outcome(
        &self,
        id: OutboxId,
        outcome: SendOutcome,
        now: DateTime<Utc>,
    ) -> Result<OutboxEntry, CoreError> {
        self.outbox_step(id, OutboxEvent::Outcome(outcome), &Actor::system(), now)
            .await
    }

    /// Entries left `sending` with no outcome (the app stopped mid-send): reconcile each
    /// before any retry.
    pub async fn unresolved_sends(&self) -> Result<Vec<OutboxEntry>, CoreError> {
        self.store()
            .list_outbox(&OutboxFilter {
                states: vec![OutboxState::Sending],
                ..Default::default()
            })
            .await
            .map_err(store_error)
    }

    /// Settle an entry left `sending`: `found` is the post id if the account's recent posts
    /// show it went out, else `None` (it is queued again).
    pub async fn reconcile_send(
        &self,
        id: OutboxId,
        found: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<OutboxEntry, CoreError> {
        let event = match found {
            Some(external_post_id) => OutboxEvent::ReconciledSent { external_post_id },
            None => OutboxEvent::ReconciledNotSent,
        };
        self.outbox_step(id, event, &Actor::system(), now).await
    }

    /// Outbox entries (by send time).
    pub async fn list_outbox(&self, filter: &OutboxFilter) -> Result<Vec<OutboxEntry>, CoreError> {
        self.store().list_outbox(filter).await.map_err(store_error)
    }

    /// Send a held entry on its way (it goes out as soon as it is due; at once if its time
    /// passed). Refused while a pause still covers its account.
    pub async fn release_held(
        &self,
        actor: &Actor,
        id: OutboxId,
        now: DateTime<Utc>,
    ) -> Result<OutboxEntry, CoreError> {
        let entry = self
            .store()
            .get_outbox_entry(id)
            .await
            .map_err(store_error)?
            .ok_or_else(|| CoreError::NotFound(format!("outbox entry {id} not found")))?;
        self.ensure_not_paused(entry.account_id, now).await?;
        self.require_pause_authority(
            actor,
            &chancery_model::outbox::PauseScope::Account(entry.account_id),
            true,
        )
        .await?;
        self.outbox_step(id, OutboxEvent::Release, actor, now).await
    }

    /// Take a queued or held entry out of the queue for good.
    pub async fn cancel_outbox_entry(
        &self,
        actor: &Actor,
        id: OutboxId,
        now: DateTime<Utc>,
    ) -> Result<OutboxEntry, CoreError> {
        let entry = self
            .store()
            .get_outbox_entry(id)
            .await
            .map_err(store_error)?
            .ok_or_else(|| CoreError::NotFound(format!("outbox entry {id} not found")))?;
        self.require_pause_authority(
            actor,
            &chancery_model::outbox::PauseScope::Account(entry.account_id),
            false,
        )
        .await?;
        self.outbox_step(id, OutboxEvent::Cancel, actor, now).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chancery_model::accounts::Network;
    use chancery_model::drafts::DraftId;
    use chrono::{Duration, TimeZone};
    use uuid::Uuid;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap()
    }

    fn entry(state: OutboxState) -> OutboxEntry {
        OutboxEntry {
            id: OutboxId(Uuid::from_u128(1)),
            draft_id: DraftId(Uuid::from_u128(2)),
            draft_version: 1,
            account_id: AccountId(Uuid::from_u128(3)),
            network: Network::X,
            content_hash: "c".repeat(64),
            send_at: t0(),
            state,
            attempts: 0,
            last_error: None,
            attempt_started_at: None,
            external_post_id: None,
            sent_at: None,
            held_by: None,
            hold_reason: None,
            scheduled_at: t0(),
            created_at: t0(),
            updated_at: t0(),
        }
    }

    #[test]
    fn the_happy_path_and_retries() {
        let e = entry(OutboxState::Queued);
        assert!(
            transition(&e, &OutboxEvent::Claim, t0() - Duration::seconds(1)).is_err(),
            "not due"
        );
        let s = transition(&e, &OutboxEvent::Claim, t0()).unwrap();
        assert_eq!(
            (s.state, s.attempts, s.attempt_started_at),
            (OutboxState::Sending, 1, Some(t0()))
        );
        assert!(
            transition(&s, &OutboxEvent::Claim, t0()).is_err(),
            "never claimed twice"
        );
        let retry_at = t0() + Duration::minutes(5);
        let q = transition(
            &s,
            &OutboxEvent::Outcome(SendOutcome::Failed {
                error: "X is down".into(),
                retryable: true,
                retry_at: Some(retry_at),
            }),
            t0(),
        )
        .unwrap();
        assert_eq!(
            (q.state, q.send_at, q.last_error.as_deref()),
            (OutboxState::Queued, retry_at, Some("X is down"))
        );
        let s2 = transition(&q, &OutboxEvent::Claim, retry_at).unwrap();
        assert_eq!(s2.attempts, 2);
        let done = transition(
            &s2,
            &OutboxEvent::Outcome(SendOutcome::Sent {
                external_post_id: "190".into(),
            }),
            retry_at,
        )
        .unwrap();
        assert_eq!(
            (
                done.state,
                done.external_post_id.as_deref(),
                done.last_error.clone()
            ),
            (OutboxState::Sent, Some("190"), None)
        );
        for ev in [
            OutboxEvent::Claim,
            OutboxEvent::Cancel,
            OutboxEvent::Release,
            OutboxEvent::ReconciledNotSent,
        ] {
            assert!(
                transition(&done, &ev, retry_at).is_err(),
                "{ev:?} after sent"
            );
        }
        assert!(transition(
            &s2,
            &OutboxEvent::Outcome(SendOutcome::Sent {
                external_post_id: " ".into()
            }),
            t0()
        )
        .is_err());
    }

    #[test]
    fn failures_become_final_after_max_attempts_or_when_not_retryable() {
        let mut s = entry(OutboxState::Sending);
        s.attempts = MAX_ATTEMPTS;
        let f = transition(
            &s,
            &OutboxEvent::Outcome(SendOutcome::Failed {
                error: "timeout".into(),
                retryable: true,
                retry_at: None,
            }),
            t0(),
        )
        .unwrap();
        assert_eq!(f.state, OutboxState::Failed);
        assert_eq!(
            f.last_error.as_deref(),
            Some("gave up after 5 attempts: timeout")
        );
        s.attempts = 1;
        let f = transition(
            &s,
            &OutboxEvent::Outcome(SendOutcome::Failed {
                error: "duplicate".into(),
                retryable: false,
                retry_at: None,
            }),
            t0(),
        )
        .unwrap();
        assert_eq!(f.state, OutboxState::Failed);
    }

    #[test]
    fn holds_releases_cancels_and_reconciliation() {
        let p = PauseId(Uuid::from_u128(9));
        let h = transition(&entry(OutboxState::Queued), &OutboxEvent::Hold(p), t0()).unwrap();
        assert_eq!((h.state, h.held_by), (OutboxState::Held, Some(p)));
        assert!(
            transition(&h, &OutboxEvent::Claim, t0()).is_err(),
            "a held entry is never claimed"
        );
        let r = transition(&h, &OutboxEvent::Release, t0()).unwrap();
        assert_eq!((r.state, r.held_by), (OutboxState::Queued, None));
        assert_eq!(
            transition(&h, &OutboxEvent::Cancel, t0()).unwrap().state,
            OutboxState::Cancelled
        );
        // Stopped by the pre-send check: the attempt did not happen.
        let mut s = entry(OutboxState::Sending);
        s.attempts = 1;
        let h = transition(&s, &OutboxEvent::Hold(p), t0()).unwrap();
        assert_eq!((h.state, h.attempts), (OutboxState::Held, 0));
        assert!(
            transition(&s, &OutboxEvent::Cancel, t0()).is_err(),
            "a send in flight cannot be cancelled"
        );
        let q = transition(
            &s,
            &OutboxEvent::ReconciledNotSent,
            t0() + Duration::hours(1),
        )
        .unwrap();
        assert_eq!(
            (q.state, q.send_at),
            (OutboxState::Queued, t0() + Duration::hours(1))
        );
        let d = transition(
            &s,
            &OutboxEvent::ReconciledSent {
                external_post_id: "77".into(),
            },
            t0(),
        )
        .unwrap();
        assert_eq!(d.state, OutboxState::Sent);
        let m = transition(
            &s,
            &OutboxEvent::ContentMismatch { detail: "x".into() },
            t0(),
        )
        .unwrap();
        assert_eq!(m.state, OutboxState::Failed);
    }
}
