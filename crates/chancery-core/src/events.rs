//! Events the core emits for the UI (and for tests to assert on).
//!
//! The core sends them on a `tokio::sync::broadcast` channel; the desktop shell forwards them as
//! typed Tauri events, batching the high-volume ones.

use chancery_model::accounts::{AccountId, Network, PersonId};
use chancery_model::drafts::{DraftId, OutboxId, PauseId};
use chancery_model::inbox::TriageChange;
use chancery_model::items::ItemId;
use chancery_model::outbox::{HoldReason, OutboxState, PauseScope};
use chancery_model::ErrorCode;
use chrono::{DateTime, Utc};
use serde::Serialize;
use specta::Type;

/// One thing that happened in the core that a window may want to show.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(
    tag = "type",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
)]
pub enum CoreEvent {
    /// The core finished starting and its data is ready to read.
    Ready { data_dir: String },
    /// This subscriber fell behind and missed `missed` events: reload what is on screen.
    Lagged { missed: u32 },
    /// A draft waits for these people's approval (on submission, or when an earlier step
    /// completed).
    ApprovalRequested {
        draft_id: DraftId,
        author_id: PersonId,
        to: Vec<PersonId>,
        excerpt: String,
    },
    /// A draft was approved (every lane complete) or rejected; tell its author.
    DraftDecided {
        draft_id: DraftId,
        author_id: PersonId,
        by: PersonId,
        approved: bool,
        reason: Option<String>,
    },
    /// A reviewer asked the author for changes.
    ChangesRequested {
        draft_id: DraftId,
        author_id: PersonId,
        by: PersonId,
        comment: String,
    },
    /// The author took a submitted draft back; the people it waited on need not look.
    DraftWithdrawn {
        draft_id: DraftId,
        author_id: PersonId,
        notify: Vec<PersonId>,
    },
    /// An edit voided a submission or approval: the draft must be submitted again.
    ApprovalsVoided {
        draft_id: DraftId,
        author_id: PersonId,
        edited_by: PersonId,
        notify: Vec<PersonId>,
    },
    /// A draft was not approved by its scheduled time and did not go out; tell its author.
    DraftExpired {
        draft_id: DraftId,
        author_id: PersonId,
    },
    /// A crisis pause started.
    PauseStarted {
        pause_id: PauseId,
        scope: PauseScope,
        reason: String,
        by: PersonId,
        held: u32,
    },
    /// Posts that were due (or queued) are held by a pause; tell their authors.
    HeldByPause {
        pause_id: PauseId,
        outbox_ids: Vec<OutboxId>,
        draft_ids: Vec<DraftId>,
        author_ids: Vec<PersonId>,
    },
    /// A pause ended (`by` is `None` when it ran out by itself).
    PauseEnded {
        pause_id: PauseId,
        by: Option<PersonId>,
        requeued: u32,
        still_held: u32,
    },
    /// An outbox entry changed state (queued, sending, sent, failed...).
    OutboxChanged {
        outbox_id: OutboxId,
        draft_id: DraftId,
        state: OutboxState,
    },
    /// A post went out on its network; tell its author.
    PostPublished {
        outbox_id: OutboxId,
        draft_id: DraftId,
        author_id: PersonId,
        account_id: AccountId,
        network: Network,
        handle: String,
        external_post_id: String,
    },
    /// A post did not go out: the network refused it, or could not be reached. `error` is the
    /// network's reason in plain words (also on the outbox entry); `retrying` when Chancery
    /// tries again by itself (not before `retry_at`). Tell its author.
    PublishFailed {
        outbox_id: OutboxId,
        draft_id: DraftId,
        author_id: PersonId,
        account_id: AccountId,
        network: Network,
        handle: String,
        code: ErrorCode,
        error: String,
        retrying: bool,
        retry_at: Option<DateTime<Utc>>,
    },
    /// The publisher held a post instead of sending it: it is too late to go out without a
    /// person deciding (an approver can release it), or its account must be reconnected (it
    /// goes out once it is). Tell its author.
    PostHeld {
        outbox_id: OutboxId,
        draft_id: DraftId,
        author_id: PersonId,
        account_id: AccountId,
        network: Network,
        handle: String,
        reason: HoldReason,
        /// In plain words.
        message: String,
    },
    /// An account was connected (or reconnected) and its token stored.
    AccountConnected {
        account_id: AccountId,
        network: Network,
        handle: String,
    },
    /// An account's sign-in stopped working (refresh refused, token revoked): a person must
    /// reconnect it. Other accounts carry on.
    AccountNeedsReauth {
        account_id: AccountId,
        network: Network,
        handle: String,
        /// In plain words.
        reason: String,
    },
    /// A bulk import of accounts finished.
    AccountsImported { created: u32, updated: u32 },
    /// Sync stored new items (one event per page read, not per item).
    ItemsArrived {
        account_id: AccountId,
        item_ids: Vec<ItemId>,
    },
    /// Someone changed the triage state of items (status, assignee, tags).
    ItemsTriaged {
        item_ids: Vec<ItemId>,
        change: TriageChange,
        by: PersonId,
    },
    /// Someone added a note to an item.
    NoteAdded { item_id: ItemId, by: PersonId },
    /// The sync engine's status changed (progress, errors, budgets): the dashboard reloads it.
    SyncChanged {
        /// In plain words, when it is an error or a throttle worth showing.
        message: Option<String>,
    },
}

/// Turns the core's event stream into batches: the first event opens a short window, and
/// everything that arrives within it (up to `max_len`) leaves as one batch. A burst of new items
/// from a sync page then reaches the UI as one update instead of hundreds.
pub struct EventBatcher {
    rx: tokio::sync::broadcast::Receiver<CoreEvent>,
    window: std::time::Duration,
    max_len: usize,
}

impl EventBatcher {
    pub fn new(
        rx: tokio::sync::broadcast::Receiver<CoreEvent>,
        window: std::time::Duration,
        max_len: usize,
    ) -> Self {
        Self {
            rx,
            window,
            max_len: max_len.max(1),
        }
    }

    /// The next batch, or `None` once the core has shut down and everything was delivered.
    /// A subscriber that fell behind gets a [`CoreEvent::Lagged`] in place of what it missed,
    /// so the UI knows to reload rather than show a partial picture.
    pub async fn next_batch(&mut self) -> Option<Vec<CoreEvent>> {
        use tokio::sync::broadcast::error::RecvError;
        let first = match self.rx.recv().await {
            Ok(e) => e,
            Err(RecvError::Lagged(missed)) => CoreEvent::Lagged {
                missed: missed.min(u32::MAX as u64) as u32,
            },
            Err(RecvError::Closed) => return None,
        };
        let mut batch = vec![first];
        let deadline = tokio::time::Instant::now() + self.window;
        while batch.len() < self.max_len {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Ok(e)) => batch.push(e),
                Ok(Err(RecvError::Lagged(missed))) => batch.push(CoreEvent::Lagged {
                    missed: missed.min(u32::MAX as u64) as u32,
                }),
                Ok(Err(RecvError::Closed)) | Err(_) => break,
            }
        }
        Some(batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn ready(n: usize) -> CoreEvent {
        CoreEvent::Ready {
            data_dir: format!("d{n}"),
        }
    }

    #[tokio::test]
    async fn a_burst_leaves_as_one_batch_and_respects_max_len() {
        let (tx, rx) = tokio::sync::broadcast::channel(64);
        let mut b = EventBatcher::new(rx, Duration::from_millis(200), 5);
        for i in 0..7 {
            tx.send(ready(i)).unwrap();
        }
        let first = b.next_batch().await.unwrap();
        assert_eq!(first.len(), 5);
        let second = b.next_batch().await.unwrap();
        assert_eq!(second.len(), 2);
        drop(tx);
        assert!(b.next_batch().await.is_none());
    }

    #[tokio::test]
    async fn a_slow_subscriber_is_told_it_lagged() {
        let (tx, rx) = tokio::sync::broadcast::channel(4);
        let mut b = EventBatcher::new(rx, Duration::from_millis(10), 100);
        for i in 0..10 {
            tx.send(ready(i)).unwrap();
        }
        let batch = b.next_batch().await.unwrap();
        assert!(
            matches!(batch[0], CoreEvent::Lagged { missed: 6 }),
            "{batch:?}"
        );
        assert_eq!(batch.len(), 5);
    }
}
