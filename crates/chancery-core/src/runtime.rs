//! What runs in the background of the desktop app: the sync engine (and the publisher), their
//! events turned into [`CoreEvent`]s, and their status for the dashboard.
//!
//! The CLI runs the same engines in the foreground (`chancery sync`, `chancery publish`).

use std::sync::Arc;

use chancery_sync::{AccountFilter, Engine, RunningEngine, SyncConfig, SyncEvent, SyncStatus};
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinHandle;

use crate::{App, CoreError, CoreEvent};

/// The running background services. Held by the app; replaced when they restart.
#[derive(Default)]
pub struct Background {
    sync: Option<RunningSync>,
    publisher: Option<crate::publish::PublisherHandle>,
}

impl Background {
    /// The running sync engine, if any (a handle: the engine is cheap to clone).
    pub(crate) fn engine(&self) -> Option<Engine> {
        self.sync.as_ref().map(|s| s.engine.clone())
    }
}

struct RunningSync {
    engine: Engine,
    running: RunningEngine,
    forward: JoinHandle<()>,
}

impl App {
    /// Start syncing every connected account in the background (stopping a previous run first,
    /// so newly imported or reconnected accounts are picked up).
    pub async fn start_sync(self: &Arc<Self>, config: SyncConfig) -> Result<(), CoreError> {
        self.stop_sync().await;
        let engine = self.sync_engine(config, &AccountFilter::default()).await?;
        let forward = tokio::spawn(forward_sync_events(
            Arc::downgrade(self),
            engine.subscribe(),
        ));
        let running = engine.start();
        tracing::info!(
            accounts = engine.accounts().len(),
            "background sync started"
        );
        self.background.lock().await.sync = Some(RunningSync {
            engine,
            running,
            forward,
        });
        Ok(())
    }

    /// Stop background syncing (requests in flight finish first).
    pub async fn stop_sync(&self) {
        let previous = self.background.lock().await.sync.take();
        if let Some(s) = previous {
            let report = s.running.stop().await;
            s.forward.abort();
            tracing::info!(?report, "background sync stopped");
        }
    }

    /// Start publishing due posts in the background (the desktop app, at launch). Fails with
    /// `Conflict` when another process (for example `chancery publish`) holds the workspace's
    /// publisher lock: two publishers of one workspace could send a post twice.
    pub async fn start_background_publisher(
        self: &Arc<Self>,
        config: crate::publish::PublisherConfig,
    ) -> Result<(), CoreError> {
        self.stop_background_publisher().await;
        let handle = self.start_publisher(config)?;
        tracing::info!("background publisher started");
        self.background.lock().await.publisher = Some(handle);
        Ok(())
    }

    /// Stop the background publisher after the sends in flight have ended.
    pub async fn stop_background_publisher(&self) {
        let previous = self.background.lock().await.publisher.take();
        if let Some(p) = previous {
            match p.stop().await {
                Ok(report) => tracing::info!(?report, "background publisher stopped"),
                Err(e) => tracing::warn!(error = %e, "background publisher ended with an error"),
            }
        }
    }

    /// The sync engine's status for the dashboard; `None` when sync is not running.
    pub async fn sync_status(&self) -> Option<SyncStatus> {
        self.background
            .lock()
            .await
            .sync
            .as_ref()
            .map(|s| s.engine.status())
    }

    /// Tell the running engine an account was reconnected, so it is synced again at once.
    pub async fn sync_reconnected(&self, account: chancery_model::accounts::AccountId) {
        if let Some(s) = self.background.lock().await.sync.as_ref() {
            s.engine.reconnected(account);
        }
    }
}

/// Turn the engine's events into the app's: new items become `ItemsArrived` (one per page);
/// everything the dashboard shows becomes `SyncChanged`.
async fn forward_sync_events(
    app: std::sync::Weak<App>,
    mut rx: tokio::sync::broadcast::Receiver<SyncEvent>,
) {
    loop {
        let event = match rx.recv().await {
            Ok(e) => e,
            Err(RecvError::Lagged(_)) => SyncEvent::Budgets {
                budgets: Vec::new(),
            },
            Err(RecvError::Closed) => return,
        };
        let Some(app) = app.upgrade() else { return };
        if let Some(core_event) = core_event_for(event) {
            app.emit(core_event);
        }
    }
}

/// How a sync event reaches the windows (pure, so it can be tested).
pub fn core_event_for(event: SyncEvent) -> Option<CoreEvent> {
    match event {
        SyncEvent::NewItems {
            account_id,
            item_ids,
            ..
        } if !item_ids.is_empty() => Some(CoreEvent::ItemsArrived {
            account_id,
            item_ids,
        }),
        SyncEvent::NewItems { .. } => None,
        SyncEvent::Error {
            message,
            gave_up: true,
            ..
        } => Some(CoreEvent::SyncChanged {
            message: Some(message),
        }),
        SyncEvent::Throttled { message, .. } => Some(CoreEvent::SyncChanged {
            message: Some(message),
        }),
        SyncEvent::NeedsReauth { message, .. } => Some(CoreEvent::SyncChanged {
            message: Some(message),
        }),
        SyncEvent::Started { .. }
        | SyncEvent::Finished { .. }
        | SyncEvent::Budgets { .. }
        | SyncEvent::Quarantined { .. }
        | SyncEvent::Error { .. } => Some(CoreEvent::SyncChanged { message: None }),
        SyncEvent::Progress { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chancery_model::accounts::AccountId;
    use chancery_model::items::{ItemId, SyncStream};

    #[test]
    fn new_items_reach_the_windows_as_one_event_per_page() {
        let account = AccountId(uuid::Uuid::now_v7());
        let ids = vec![ItemId(uuid::Uuid::now_v7()), ItemId(uuid::Uuid::now_v7())];
        let e = core_event_for(SyncEvent::NewItems {
            account_id: account,
            stream: SyncStream::XMentions,
            item_ids: ids.clone(),
        });
        assert!(
            matches!(e, Some(CoreEvent::ItemsArrived { account_id, item_ids }) if account_id == account && item_ids == ids)
        );
        let empty = core_event_for(SyncEvent::NewItems {
            account_id: account,
            stream: SyncStream::XMentions,
            item_ids: vec![],
        });
        assert!(empty.is_none());
    }

    #[test]
    fn errors_that_gave_up_carry_their_plain_words() {
        let account = AccountId(uuid::Uuid::now_v7());
        let e = core_event_for(SyncEvent::Error {
            account_id: account,
            stream: SyncStream::XMentions,
            message: "X is not answering".into(),
            retry_at: None,
            gave_up: true,
        });
        assert!(
            matches!(e, Some(CoreEvent::SyncChanged { message: Some(m) }) if m == "X is not answering")
        );
    }
}
