//! Telling authors what happened to their posts (typed [`CoreEvent`]s; the desktop shell
//! turns them into notifications).

use chancery_model::accounts::PersonId;
use chancery_model::outbox::{HoldReason, OutboxEntry, OutboxState};
use chancery_model::ErrorCode;

use crate::{App, CoreEvent};

impl App {
    /// The author of `e`'s draft and the account's handle (best effort: events are not worth
    /// failing a send for).
    async fn post_parties(&self, e: &OutboxEntry) -> (Option<PersonId>, String) {
        let author = match self.store().get_draft(e.draft_id).await {
            Ok(Some(d)) => Some(d.author_id),
            _ => None,
        };
        let handle = match self.store().get_account(e.account_id).await {
            Ok(Some(a)) => a.handle,
            _ => e.account_id.to_string(),
        };
        (author, handle)
    }

    /// Entries the publisher held (too late; account to reconnect): tell their authors.
    pub(crate) async fn announce_publisher_holds(&self, held: &[OutboxEntry]) {
        for e in held {
            let Some(reason) = e.hold_reason.filter(|r| *r != HoldReason::Pause) else {
                continue;
            };
            let (Some(author_id), handle) = self.post_parties(e).await else {
                continue;
            };
            tracing::warn!(outbox = %e.id, reason = reason.as_str(), "post held by the publisher");
            self.emit(CoreEvent::PostHeld {
                outbox_id: e.id,
                draft_id: e.draft_id,
                author_id,
                account_id: e.account_id,
                network: e.network,
                handle,
                reason,
                message: e.last_error.clone().unwrap_or_default(),
            });
        }
    }

    /// `e` went out: tell its author.
    pub(crate) async fn announce_published(&self, e: &OutboxEntry) {
        let (Some(author_id), handle) = self.post_parties(e).await else {
            return;
        };
        self.emit(CoreEvent::PostPublished {
            outbox_id: e.id,
            draft_id: e.draft_id,
            author_id,
            account_id: e.account_id,
            network: e.network,
            handle,
            external_post_id: e.external_post_id.clone().unwrap_or_default(),
        });
    }

    /// `e` did not go out (`error` in plain words): tell its author, and whether Chancery tries
    /// again by itself.
    pub(crate) async fn announce_publish_failed(
        &self,
        e: &OutboxEntry,
        code: ErrorCode,
        error: &str,
    ) {
        let (Some(author_id), handle) = self.post_parties(e).await else {
            return;
        };
        let retrying = e.state == OutboxState::Queued;
        tracing::warn!(outbox = %e.id, retrying, error, "post not sent");
        self.emit(CoreEvent::PublishFailed {
            outbox_id: e.id,
            draft_id: e.draft_id,
            author_id,
            account_id: e.account_id,
            network: e.network,
            handle,
            code,
            error: error.to_string(),
            retrying,
            retry_at: retrying.then_some(e.send_at),
        });
    }
}
