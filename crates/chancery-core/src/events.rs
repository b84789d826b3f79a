//! Events the core emits for the UI (and for tests to assert on).
//!
//! The core sends them on a `tokio::sync::broadcast` channel; the desktop shell forwards them as
//! typed Tauri events, batching the high-volume ones.

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
