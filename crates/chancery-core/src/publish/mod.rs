//! The publisher: sends approved posts from the outbox to X and Facebook, exactly once.
//!
//! It runs in the background of the desktop app and from the CLI (`chancery publish`), acting
//! as the system for the workspace. Each loop:
//!
//! 1. housekeeping: [`App::tick`] (expire drafts, end lapsed pauses) and
//!    [`App::requeue_reconnected`] (posts held for an account that is connected again);
//! 2. **reconciliation**: every entry left `sending` that no task of this publisher is sending
//!    (a crash, or an unclear answer) is looked up on the network before anything else
//!    happens to it ([`lookup`]): found → `sent` with the post's id; not found → back in the
//!    queue; the lookup itself failed → left `sending`, checked again later, never re-sent
//!    unchecked;
//! 3. **claiming** with [`App::claim_due_with`]: pauses and the lateness rule first (the
//!    governance layer holds those), then per account: one post at a time per account (in due
//!    order), none while the account is rate-limited ([`gates`]), held while it must be
//!    reconnected; at most `concurrency` posts in flight;
//! 4. each claimed entry is a task: [`App::prepare_send`] (pause and content-hash check),
//!    the images read and checked against their approved SHA-256, a token
//!    ([`App::access_token`]), the network calls ([`send`]), and the outcome recorded with
//!    [`App::record_send_outcome`]. A failing account does not hold up the others.
//!
//! # Exactly once
//!
//! - **At most one sender per entry.** Claiming is a compare-and-set on (state, attempts) in
//!   SQLite, and only one publisher runs per workspace ([`lock`]: an OS file lock, released by
//!   the kernel when the process dies). So an entry in `sending` that no task of this process
//!   holds is an orphan: nobody else can be sending it.
//! - **Nothing is sent twice.** An entry is sent again only from `queued`. It gets back there
//!   from `sending` in two ways: the network *answered* with an error (so nothing was created;
//!   [`send::Attempt::Refused`]), or the account's recent posts were read and the post is not
//!   among them (reconciliation). A crash at any point between claim and record, and any
//!   failure that does not prove the post was not created (timeout, broken connection,
//!   unreadable answer, server error: [`send::Attempt::Unknown`]), leaves the entry `sending`,
//!   and `sending` is only ever left through reconciliation. Reconciliation waits
//!   `reconcile_settle` after the attempt started, so the network has finished creating a post
//!   whose answer was lost.
//! - **Nothing is lost.** Every path out of `sending` ends in `sent`, `queued` (retried),
//!   `held` (with the reason, the author told) or `failed` (with the network's reason in plain
//!   words, the author told); a crash leaves `sending`, which the next start reconciles before
//!   claiming anything.
//! - **What is sent is what was approved.** [`App::prepare_send`] recomputes the content hash
//!   of the stored version right before the request, and the images are checked against
//!   their hashes when read; reconciliation looks for that same text and reply target.
//!
//! The argument rests on the lookup seeing the account's own recent posts (X
//! `GET /2/users/{id}/tweets`, the Page's `/feed`, or the comments of the answered object):
//! see [`lookup`] for what counts as the same post.
//!
//! # Failpoints
//!
//! [`failpoint`]: `CHANCERY_FAILPOINT=publish:after_claim|before_request|
//! after_request_before_record|after_record|after_reconcile_check[@N]` aborts the process at
//! that step, so tests can kill it at every step of a send.

pub mod failpoint;
pub mod gates;
pub mod lock;
pub mod lookup;
mod notify;
pub(crate) mod send;
pub mod settings;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chancery_model::accounts::{Account, AccountId, Network, TokenStatus};
use chancery_model::drafts::{DraftId, OutboxId};
use chancery_model::outbox::{HoldReason, OutboxEntry, OutboxState, SendOutcome};
use chancery_model::ErrorCode;
use chancery_sync::{Clock, SystemClock};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::audit::store_error;
use crate::error::from_net;
use crate::outbox::{ClaimDecision, OutboxFilter, MAX_ATTEMPTS};
use crate::{App, CoreError};
pub use gates::{Block, GateKey, RateGates};
pub use lock::PublisherLock;
use send::{Attempt, Media, Outgoing};
pub use settings::{DEFAULT_MAX_LATENESS, MAX_LATENESS_KEY};

/// A loop never runs more often than this many times in one run (with the poll interval, a
/// bound in time too).
const MAX_LOOPS: u64 = 10_000_000;

/// How the publisher behaves.
#[derive(Clone)]
pub struct PublisherConfig {
    /// Posts in flight at once (each to a different account).
    pub concurrency: usize,
    /// How often to look for due posts when nothing else wakes the loop.
    pub poll_interval: Duration,
    /// After a send attempt whose outcome is unknown, wait this long after it started before
    /// looking for the post on the network (networks need a moment to show a new post).
    pub reconcile_settle: Duration,
    /// How many pages (of 100) of the account's recent posts reconciliation reads.
    pub reconcile_pages: u8,
    /// When a reconciliation lookup fails (network down, account to reconnect), try again
    /// after this long.
    pub recheck_after: Duration,
    /// The wait before retrying a failed send, doubled per attempt (capped at 15 minutes),
    /// unless the network says how long to wait.
    pub retry_backoff: Duration,
    /// X's posting limit per user and window, used when no header said otherwise.
    pub x_posts_per_window: u32,
    pub x_window: chrono::Duration,
    /// `run_once` gives up waiting (for settling sends, in-flight tasks) after this long.
    pub once_limit: Duration,
    /// The clock (the system clock, except in tests).
    pub clock: Arc<dyn Clock>,
}

impl Default for PublisherConfig {
    fn default() -> Self {
        PublisherConfig {
            concurrency: 16,
            poll_interval: Duration::from_secs(2),
            reconcile_settle: Duration::from_secs(5),
            reconcile_pages: 2,
            recheck_after: Duration::from_secs(60),
            retry_backoff: Duration::from_secs(30),
            x_posts_per_window: 100,
            x_window: gates::X_WINDOW,
            once_limit: Duration::from_secs(15 * 60),
            clock: Arc::new(SystemClock),
        }
    }
}

impl std::fmt::Debug for PublisherConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublisherConfig")
            .field("concurrency", &self.concurrency)
            .field("poll_interval", &self.poll_interval)
            .field("reconcile_settle", &self.reconcile_settle)
            .field("reconcile_pages", &self.reconcile_pages)
            .finish_non_exhaustive()
    }
}

/// What happened to an entry in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryOutcome {
    Sent,
    /// Found on the network by reconciliation: it had gone out.
    ReconciledSent,
    /// Reconciliation found it had not gone out: queued again.
    RequeuedAfterCheck,
    /// Failed; Chancery tries again later by itself.
    RetryScheduled,
    /// Failed for good (the message says why).
    Failed,
    HeldByPause,
    HeldLate,
    HeldNeedsReauth,
    /// Back in the queue: its account was reconnected.
    RequeuedAfterReconnect,
    /// Its outcome is unknown and could not be checked yet: left `sending`.
    Unresolved,
}

/// One entry's outcome in a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryReport {
    pub outbox_id: OutboxId,
    pub draft_id: DraftId,
    pub account_id: AccountId,
    pub network: Network,
    pub handle: String,
    pub outcome: EntryOutcome,
    pub external_post_id: Option<String>,
    /// In plain words, for failures and holds.
    pub message: Option<String>,
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishReport {
    pub entries: Vec<EntryReport>,
    /// Accounts with due posts that wait for a rate limit, with until when.
    pub waiting: Vec<(String, DateTime<Utc>)>,
    pub loops: u64,
}

impl PublishReport {
    pub fn count(&self, outcome: EntryOutcome) -> usize {
        self.entries.iter().filter(|e| e.outcome == outcome).count()
    }
}

/// How long a run lasts.
#[derive(Debug, Clone, Copy)]
enum Mode {
    /// Until nothing due now is left (bounded by `once_limit`).
    Once,
    /// Until this instant (or a stop signal).
    Until(Option<Instant>),
}

/// The end of one task.
struct TaskDone {
    account: AccountId,
    report: EntryReport,
    /// The entry is left `sending` after a send whose outcome is unknown (these words).
    unclear: Option<String>,
}

/// The publisher of one workspace. Holds the workspace's publisher lock while it exists.
pub struct Publisher {
    app: Arc<App>,
    config: PublisherConfig,
    gates: Arc<RateGates>,
    _lock: PublisherLock,
}

impl std::fmt::Debug for Publisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publisher")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// A publisher running in the background (the desktop app).
#[derive(Debug)]
pub struct PublisherHandle {
    stop: watch::Sender<bool>,
    join: tokio::task::JoinHandle<Result<PublishReport, CoreError>>,
}

impl PublisherHandle {
    /// Stop after the sends in flight have ended; the run's report.
    pub async fn stop(self) -> Result<PublishReport, CoreError> {
        let _ = self.stop.send(true);
        self.join
            .await
            .map_err(|e| CoreError::Internal(format!("the publisher task ended badly: {e}")))?
    }
}

fn backoff(base: Duration, attempts: u32) -> chrono::Duration {
    let base = chrono::Duration::from_std(base).unwrap_or(chrono::Duration::seconds(30));
    let wait = base * (1i32 << attempts.saturating_sub(1).min(5));
    wait.min(chrono::Duration::minutes(15))
}

fn entry_report(
    e: &OutboxEntry,
    handle: &str,
    outcome: EntryOutcome,
    message: Option<String>,
) -> EntryReport {
    EntryReport {
        outbox_id: e.id,
        draft_id: e.draft_id,
        account_id: e.account_id,
        network: e.network,
        handle: handle.to_string(),
        outcome,
        external_post_id: e.external_post_id.clone(),
        message,
    }
}

fn held_outcome(e: &OutboxEntry) -> EntryOutcome {
    match e.hold_reason {
        Some(HoldReason::Late) => EntryOutcome::HeldLate,
        Some(HoldReason::NeedsReauth) => EntryOutcome::HeldNeedsReauth,
        _ => EntryOutcome::HeldByPause,
    }
}

/// Reads an attached image and checks it is the approved one.
async fn load_media(
    media: &[chancery_model::drafts::MediaAttachment],
) -> Result<Vec<Media>, String> {
    let mut out = Vec::with_capacity(media.len());
    for m in media {
        let name = std::path::Path::new(&m.path)
            .file_name()
            .map_or_else(|| m.path.clone(), |n| n.to_string_lossy().into_owned());
        let bytes = tokio::fs::read(&m.path).await.map_err(|e| {
            format!("not sent: the image {name} can no longer be read ({e}); the approved post cannot go out without it")
        })?;
        if hex::encode(Sha256::digest(&bytes)) != m.sha256 {
            return Err(format!(
                "not sent: the image {name} was changed after the post was approved; \
                 attach it again and have the post approved again"
            ));
        }
        out.push(Media {
            bytes,
            mime: m.mime_type.clone(),
        });
    }
    Ok(out)
}

/// One claimed entry, start to end. Everything it needs is owned: it runs as its own task.
struct SendTask {
    app: Arc<App>,
    gates: Arc<RateGates>,
    clock: Arc<dyn Clock>,
    retry_backoff: Duration,
    entry: OutboxEntry,
    account: Option<Account>,
}

impl SendTask {
    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    fn handle(&self) -> String {
        self.account
            .as_ref()
            .map_or_else(|| self.entry.account_id.to_string(), |a| a.handle.clone())
    }

    fn done(
        &self,
        after: &OutboxEntry,
        outcome: EntryOutcome,
        message: Option<String>,
    ) -> TaskDone {
        TaskDone {
            account: self.entry.account_id,
            report: entry_report(after, &self.handle(), outcome, message),
            unclear: None,
        }
    }

    /// Record a failure (the network's reason in plain words) and tell the author.
    async fn fail(
        &self,
        code: ErrorCode,
        words: String,
        retryable: bool,
        retry_at: Option<DateTime<Utc>>,
    ) -> TaskDone {
        let now = self.now();
        let retry_at = retryable.then(|| {
            retry_at
                .filter(|t| *t > now)
                .unwrap_or_else(|| now + backoff(self.retry_backoff, self.entry.attempts))
        });
        match self
            .app
            .record_send_outcome(
                self.entry.id,
                SendOutcome::Failed {
                    error: words.clone(),
                    retryable,
                    retry_at,
                },
                now,
            )
            .await
        {
            Ok(after) => {
                let outcome = if after.state == OutboxState::Queued {
                    EntryOutcome::RetryScheduled
                } else {
                    EntryOutcome::Failed
                };
                let message = after.last_error.clone().or(Some(words));
                self.app
                    .announce_publish_failed(&after, code, message.as_deref().unwrap_or(""))
                    .await;
                self.done(&after, outcome, message)
            }
            Err(e) => {
                // Not recorded: the entry stays `sending` and is reconciled (nothing was
                // created, so the check finds nothing and it is queued again).
                tracing::error!(outbox = %self.entry.id, error = %e, "could not record a failed send");
                TaskDone {
                    unclear: Some(words.clone()),
                    ..self.done(&self.entry, EntryOutcome::Unresolved, Some(words))
                }
            }
        }
    }

    /// Hold the entry until its account is reconnected (not a failure), and tell the author.
    async fn hold_for_reauth(&self, words: String) -> TaskDone {
        let detail = format!(
            "held until @{} is reconnected: {words}",
            self.handle().trim_start_matches('@')
        );
        match self
            .app
            .hold_outbox_entry(self.entry.id, HoldReason::NeedsReauth, &detail, self.now())
            .await
        {
            Ok(after) => self.done(&after, EntryOutcome::HeldNeedsReauth, Some(detail)),
            Err(e) => {
                tracing::error!(outbox = %self.entry.id, error = %e, "could not hold an entry");
                TaskDone {
                    unclear: Some(detail.clone()),
                    ..self.done(&self.entry, EntryOutcome::Unresolved, Some(detail))
                }
            }
        }
    }

    async fn run(self) -> TaskDone {
        failpoint::hit(failpoint::AFTER_CLAIM);
        let now = self.now();
        let Some(account) = self.account.clone() else {
            return self
                .fail(
                    ErrorCode::NotFound,
                    "not sent: the account is no longer in Chancery's registry".into(),
                    false,
                    None,
                )
                .await;
        };
        let payload = match self.app.prepare_send(self.entry.id, now).await {
            Ok(p) => p,
            Err(CoreError::Paused(m)) => {
                let after = self
                    .app
                    .store()
                    .get_outbox_entry(self.entry.id)
                    .await
                    .ok()
                    .flatten()
                    .unwrap_or_else(|| self.entry.clone());
                return self.done(&after, EntryOutcome::HeldByPause, Some(m));
            }
            Err(CoreError::Conflict(m)) => {
                let after = self
                    .app
                    .store()
                    .get_outbox_entry(self.entry.id)
                    .await
                    .ok()
                    .flatten()
                    .unwrap_or_else(|| self.entry.clone());
                if after.state == OutboxState::Failed {
                    self.app
                        .announce_publish_failed(&after, ErrorCode::Conflict, &m)
                        .await;
                }
                return self.done(&after, EntryOutcome::Failed, Some(m));
            }
            Err(e) => {
                // Nothing was sent: a plain retryable failure.
                return self
                    .fail(
                        e.code(),
                        format!("not sent: Chancery could not prepare the post ({e})"),
                        true,
                        None,
                    )
                    .await;
            }
        };
        let media = match load_media(&payload.media).await {
            Ok(m) => m,
            Err(words) => return self.fail(ErrorCode::Conflict, words, false, None).await,
        };
        let Some(external_id) = account.external_id.clone() else {
            return self
                .hold_for_reauth("the account is not connected to its network yet".into())
                .await;
        };
        let mut token = match self.app.access_token(account.id, now).await {
            Ok(t) => t,
            Err(CoreError::NeedsReauth(m)) => return self.hold_for_reauth(m).await,
            Err(e) => {
                return self
                    .fail(
                        e.code(),
                        format!("not sent yet: Chancery could not get the account's sign-in ({e})"),
                        true,
                        None,
                    )
                    .await
            }
        };
        let label = account.id.to_string();
        let out = Outgoing {
            network: account.network,
            external_id: &external_id,
            label: &label,
            payload: &payload,
            media: &media,
        };
        let (gates, clock, network, id) = (
            self.gates.clone(),
            self.clock.clone(),
            account.network,
            account.id,
        );
        let on_budget =
            move |b: &chancery_net::Budget| gates.note_budget(id, network, b, clock.now());
        let mut attempt = send::send(&self.app, &out, &token, &on_budget).await;
        if let Attempt::Refused(f) = &attempt {
            if f.error.needs_reauth() {
                // X: one refresh and one retry. Facebook: nothing to refresh; the account is
                // marked as needing re-authorisation.
                match self
                    .app
                    .after_unauthorized(account.id, &token, self.now())
                    .await
                {
                    Ok(t) if account.network == Network::X => {
                        token = t;
                        attempt = send::send(&self.app, &out, &token, &on_budget).await;
                    }
                    Ok(_) => {}
                    Err(CoreError::NeedsReauth(m)) => return self.hold_for_reauth(m).await,
                    Err(e) => {
                        return self
                            .fail(e.code(), format!("not sent yet: {e}"), true, None)
                            .await
                    }
                }
            }
        }
        let now = self.now();
        match attempt {
            Attempt::Posted { id, budget } => {
                self.gates
                    .note_budget(account.id, account.network, &budget, now);
                self.gates.note_post(account.id, now);
                failpoint::hit(failpoint::AFTER_REQUEST_BEFORE_RECORD);
                match self
                    .app
                    .record_send_outcome(
                        self.entry.id,
                        SendOutcome::Sent {
                            external_post_id: id.clone(),
                        },
                        now,
                    )
                    .await
                {
                    Ok(after) => {
                        failpoint::hit(failpoint::AFTER_RECORD);
                        self.app.announce_published(&after).await;
                        self.done(&after, EntryOutcome::Sent, None)
                    }
                    Err(e) => {
                        // It went out but is not recorded: reconciliation will find it.
                        let words = format!("sent as {id}, but not recorded yet ({e})");
                        TaskDone {
                            unclear: Some(words.clone()),
                            ..self.done(&self.entry, EntryOutcome::Unresolved, Some(words))
                        }
                    }
                }
            }
            Attempt::Refused(f) => {
                self.gates
                    .note_error(account.id, account.network, &f.error, &f.budget, now);
                let words = f.error.plain_words();
                if f.error.needs_reauth() {
                    if let Err(e) = self.app.mark_needs_reauth(account.id, &words, now).await {
                        tracing::warn!(error = %e, "could not mark the account as needing re-authorisation");
                    }
                    return self.hold_for_reauth(words).await;
                }
                let retryable = f.error.retryable();
                // The network's own wait, else the rate limit this answer set off, if any.
                let retry_at = f.error.retry_at(now).or_else(|| {
                    self.gates
                        .blocked(account.id, account.network, now)
                        .map(|b| b.until)
                });
                let code = from_net(f.error).code();
                self.fail(code, words, retryable, retry_at).await
            }
            Attempt::Unknown(f) => {
                self.gates
                    .note_error(account.id, account.network, &f.error, &f.budget, now);
                let words = f.error.plain_words();
                TaskDone {
                    unclear: Some(words.clone()),
                    ..self.done(&self.entry, EntryOutcome::Unresolved, Some(words))
                }
            }
        }
    }
}

impl Publisher {
    /// A publisher for `app`'s workspace. Fails if another one is running for it.
    pub fn new(app: Arc<App>, config: PublisherConfig) -> Result<Publisher, CoreError> {
        let lock = PublisherLock::acquire(app.data_dir())?;
        let gates = Arc::new(RateGates::new(config.x_posts_per_window, config.x_window));
        Ok(Publisher {
            app,
            config,
            gates,
            _lock: lock,
        })
    }

    pub fn gates(&self) -> &RateGates {
        &self.gates
    }

    pub fn config(&self) -> &PublisherConfig {
        &self.config
    }

    /// Reconcile, then send everything due now, and stop (`chancery publish --once`).
    pub async fn run_once(&self) -> Result<PublishReport, CoreError> {
        self.run(Mode::Once, None).await
    }

    /// Run for `d` (`chancery publish --for 10m`).
    pub async fn run_for(&self, d: Duration) -> Result<PublishReport, CoreError> {
        self.run(Mode::Until(Some(Instant::now() + d)), None).await
    }

    /// Run until `stop` turns true.
    pub async fn run_until_stopped(
        &self,
        stop: watch::Receiver<bool>,
    ) -> Result<PublishReport, CoreError> {
        self.run(Mode::Until(None), Some(stop)).await
    }

    /// Run in the background until the handle is stopped (the desktop app).
    pub fn spawn(self) -> PublisherHandle {
        let (tx, rx) = watch::channel(false);
        let join = tokio::spawn(async move { self.run_until_stopped(rx).await });
        PublisherHandle { stop: tx, join }
    }

    async fn run(
        &self,
        mode: Mode,
        mut stop: Option<watch::Receiver<bool>>,
    ) -> Result<PublishReport, CoreError> {
        let started = Instant::now();
        let deadline = match mode {
            Mode::Once => Some(started + self.config.once_limit),
            Mode::Until(d) => d,
        };
        let mut report = PublishReport::default();
        let mut tasks: JoinSet<TaskDone> = JoinSet::new();
        let mut busy: HashMap<AccountId, OutboxId> = HashMap::new();
        let mut task_accounts: HashMap<tokio::task::Id, AccountId> = HashMap::new();
        // Unknown outcomes of this run (their words), and lookups to try again later.
        let mut unclear: HashMap<OutboxId, String> = HashMap::new();
        let mut recheck: HashMap<OutboxId, DateTime<Utc>> = HashMap::new();
        let mut stopping = false;
        let concurrency = self.config.concurrency.max(1);
        for _ in 0..MAX_LOOPS {
            report.loops += 1;
            let now = self.config.clock.now();
            if let Err(e) = self.app.tick(now).await {
                tracing::warn!(error = %e, "publisher housekeeping failed");
            }
            match self.app.requeue_reconnected(now).await {
                Ok(back) => {
                    for e in back {
                        let handle = self.handle_of(e.account_id).await;
                        report.entries.push(entry_report(
                            &e,
                            &handle,
                            EntryOutcome::RequeuedAfterReconnect,
                            None,
                        ));
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "could not requeue posts of reconnected accounts")
                }
            }
            let in_flight: HashSet<OutboxId> = busy.values().copied().collect();
            let pending = self
                .reconcile_orphans(
                    &in_flight,
                    &mut unclear,
                    &mut recheck,
                    mode,
                    now,
                    &mut report,
                )
                .await?;
            let mut claimed_now = 0;
            let past_deadline = deadline.is_some_and(|d| Instant::now() >= d);
            if !stopping && !past_deadline && tasks.len() < concurrency {
                let free = concurrency - tasks.len();
                for (entry, account) in self.claim(&busy, free, now, &mut report).await? {
                    claimed_now += 1;
                    busy.insert(entry.account_id, entry.id);
                    let task = SendTask {
                        app: self.app.clone(),
                        gates: self.gates.clone(),
                        clock: self.config.clock.clone(),
                        retry_backoff: self.config.retry_backoff,
                        entry,
                        account,
                    };
                    let account_id = task.entry.account_id;
                    let handle = tasks.spawn(task.run());
                    task_accounts.insert(handle.id(), account_id);
                }
            }
            if matches!(mode, Mode::Once) && tasks.is_empty() && claimed_now == 0 && pending == 0 {
                break;
            }
            if (stopping || past_deadline) && tasks.is_empty() {
                break;
            }
            let sleep = tokio::time::sleep(self.config.poll_interval);
            tokio::select! {
                done = tasks.join_next_with_id(), if !tasks.is_empty() => {
                    if let Some(done) = done {
                        self.finish(done, &mut busy, &mut task_accounts, &mut unclear, &mut report);
                    }
                }
                _ = sleep => {}
                _ = stopped(&mut stop), if !stopping => { stopping = true; }
            }
            while let Some(done) = tasks.try_join_next_with_id() {
                self.finish(
                    done,
                    &mut busy,
                    &mut task_accounts,
                    &mut unclear,
                    &mut report,
                );
            }
        }
        // Sends in flight finish (each is bounded by the HTTP timeouts): never abandoned midway.
        while let Some(done) = tasks.join_next_with_id().await {
            self.finish(
                done,
                &mut busy,
                &mut task_accounts,
                &mut unclear,
                &mut report,
            );
        }
        let now = self.config.clock.now();
        report.waiting = self.waiting(now).await;
        Ok(report)
    }

    fn finish(
        &self,
        done: Result<(tokio::task::Id, TaskDone), tokio::task::JoinError>,
        busy: &mut HashMap<AccountId, OutboxId>,
        task_accounts: &mut HashMap<tokio::task::Id, AccountId>,
        unclear: &mut HashMap<OutboxId, String>,
        report: &mut PublishReport,
    ) {
        match done {
            Ok((id, d)) => {
                task_accounts.remove(&id);
                busy.remove(&d.account);
                if let Some(words) = d.unclear {
                    unclear.insert(d.report.outbox_id, words);
                }
                report.entries.push(d.report);
            }
            Err(e) => {
                // A task that panicked leaves its entry `sending`: once its account is free,
                // the next loop reconciles it like a crash.
                if let Some(account) = task_accounts.remove(&e.id()) {
                    busy.remove(&account);
                }
                tracing::error!(error = %e, "a publishing task ended badly");
            }
        }
    }

    async fn handle_of(&self, account: AccountId) -> String {
        match self.app.store().get_account(account).await {
            Ok(Some(a)) => a.handle,
            _ => account.to_string(),
        }
    }

    /// Claim due entries for free accounts.
    async fn claim(
        &self,
        busy: &HashMap<AccountId, OutboxId>,
        free: usize,
        now: DateTime<Utc>,
        report: &mut PublishReport,
    ) -> Result<Vec<(OutboxEntry, Option<Account>)>, CoreError> {
        let accounts: HashMap<AccountId, Account> = self
            .app
            .store()
            .list_accounts()
            .await
            .map_err(store_error)?
            .into_iter()
            .map(|l| (l.account.id, l.account))
            .collect();
        let mut taken: HashSet<AccountId> = busy.keys().copied().collect();
        let retrying = self.pending_retries(now).await?;
        let gates = &self.gates;
        let (claimed, held) = self
            .app
            .claim_due_detailed(now, u32::try_from(free).unwrap_or(u32::MAX), |e| {
                if taken.contains(&e.account_id) {
                    return ClaimDecision::Skip;
                }
                if let Some(a) = accounts.get(&e.account_id) {
                    if a.token.status != TokenStatus::Connected {
                        return ClaimDecision::Hold {
                            reason: HoldReason::NeedsReauth,
                            detail: format!(
                                "held until @{} is reconnected: {}",
                                a.handle,
                                a.token.last_error.as_deref().unwrap_or(
                                    if a.token.status == TokenStatus::Disconnected {
                                        "the account is not connected"
                                    } else {
                                        "its sign-in no longer works"
                                    }
                                )
                            ),
                        };
                    }
                    if gates.blocked(a.id, a.network, now).is_some() {
                        return ClaimDecision::Skip;
                    }
                    // An earlier post of the account waits for its retry (a rate limit, a
                    // server error): later ones do not overtake it. Kept in the outbox, so
                    // this holds across restarts of the publisher too.
                    if retrying.contains_key(&a.id) {
                        return ClaimDecision::Skip;
                    }
                }
                taken.insert(e.account_id);
                ClaimDecision::Claim
            })
            .await?;
        for h in held {
            let handle = accounts
                .get(&h.account_id)
                .map_or_else(|| h.account_id.to_string(), |a| a.handle.clone());
            let outcome = held_outcome(&h);
            let message = h.last_error.clone();
            report
                .entries
                .push(entry_report(&h, &handle, outcome, message));
        }
        Ok(claimed
            .into_iter()
            .map(|e| {
                let a = accounts.get(&e.account_id).cloned();
                (e, a)
            })
            .collect())
    }

    /// For each account with a failed post waiting for its retry: the earliest retry.
    async fn pending_retries(
        &self,
        now: DateTime<Utc>,
    ) -> Result<HashMap<AccountId, DateTime<Utc>>, CoreError> {
        let queued = self
            .app
            .list_outbox(&OutboxFilter {
                states: vec![OutboxState::Queued],
                ..Default::default()
            })
            .await?;
        let mut out: HashMap<AccountId, DateTime<Utc>> = HashMap::new();
        for e in queued {
            if e.attempts > 0 && e.send_at > now {
                let t = out.entry(e.account_id).or_insert(e.send_at);
                *t = (*t).min(e.send_at);
            }
        }
        Ok(out)
    }

    /// Accounts with queued posts held back by a rate limit or a pending retry, and until when.
    async fn waiting(&self, now: DateTime<Utc>) -> Vec<(String, DateTime<Utc>)> {
        let Ok(queued) = self
            .app
            .list_outbox(&OutboxFilter {
                states: vec![OutboxState::Queued],
                ..Default::default()
            })
            .await
        else {
            return Vec::new();
        };
        let retrying = self.pending_retries(now).await.unwrap_or_default();
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for e in queued {
            if !seen.insert(e.account_id) {
                continue;
            }
            let blocked = self
                .gates
                .blocked(e.account_id, e.network, now)
                .map(|b| b.until);
            let until = match (blocked, retrying.get(&e.account_id)) {
                (Some(b), Some(r)) => Some(b.max(*r)),
                (b, r) => b.or(r.copied()),
            };
            if let Some(until) = until {
                out.push((self.handle_of(e.account_id).await, until));
            }
        }
        out
    }

    /// Settle every entry left `sending` that no task of this run is sending. Returns how many
    /// are still to settle (waiting for `reconcile_settle`).
    async fn reconcile_orphans(
        &self,
        in_flight: &HashSet<OutboxId>,
        unclear: &mut HashMap<OutboxId, String>,
        recheck: &mut HashMap<OutboxId, DateTime<Utc>>,
        mode: Mode,
        now: DateTime<Utc>,
        report: &mut PublishReport,
    ) -> Result<usize, CoreError> {
        let settle = chrono::Duration::from_std(self.config.reconcile_settle)
            .unwrap_or(chrono::Duration::zero());
        let mut pending = 0;
        for e in self.app.unresolved_sends().await? {
            if in_flight.contains(&e.id) || recheck.get(&e.id).is_some_and(|t| *t > now) {
                continue;
            }
            let started = e.attempt_started_at.unwrap_or(e.updated_at);
            if now < started + settle {
                pending += 1;
                continue;
            }
            match self
                .reconcile_one(&e, unclear.get(&e.id).cloned(), now)
                .await
            {
                Ok(r) => {
                    unclear.remove(&e.id);
                    recheck.remove(&e.id);
                    report.entries.push(r);
                }
                Err(words) => {
                    tracing::warn!(outbox = %e.id, reason = %words, "could not check whether a post went out; it stays unresolved");
                    let again = match mode {
                        // Not again in this run: the next run checks it first.
                        Mode::Once => DateTime::<Utc>::MAX_UTC,
                        Mode::Until(_) => {
                            now + chrono::Duration::from_std(self.config.recheck_after)
                                .unwrap_or(chrono::Duration::minutes(1))
                        }
                    };
                    recheck.insert(e.id, again);
                    let handle = self.handle_of(e.account_id).await;
                    report.entries.push(entry_report(
                        &e,
                        &handle,
                        EntryOutcome::Unresolved,
                        Some(format!(
                            "Chancery cannot tell yet whether this post went out, so it will not send it again until it can check: {words}"
                        )),
                    ));
                }
            }
        }
        Ok(pending)
    }

    /// Look for `e` on the network and record what was found. `Err` (in words) when the check
    /// could not be made: the entry stays `sending`.
    async fn reconcile_one(
        &self,
        e: &OutboxEntry,
        unclear: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<EntryReport, String> {
        let app = &self.app;
        let account = app
            .store()
            .get_account(e.account_id)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("the account is no longer in the registry")?;
        let external_id = account
            .external_id
            .clone()
            .ok_or("the account is not connected to its network")?;
        if let Some(b) = self.gates.blocked(account.id, account.network, now) {
            return Err(b.why);
        }
        let version = app
            .store()
            .draft_version(e.draft_id, e.draft_version)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("its draft version is missing")?;
        let text = version.content.text_for(e.network).to_string();
        let reply_to = version
            .content
            .reply_to
            .as_ref()
            .map(|r| r.external_id.clone());
        let exclude: HashSet<String> = app
            .list_outbox(&OutboxFilter {
                account: Some(e.account_id),
                states: vec![OutboxState::Sent],
                ..Default::default()
            })
            .await
            .map_err(|e| e.to_string())?
            .into_iter()
            .filter_map(|s| s.external_post_id)
            .collect();
        let mut token = app
            .access_token(account.id, now)
            .await
            .map_err(|e| e.to_string())?;
        let label = account.id.to_string();
        let wanted = lookup::Wanted {
            network: account.network,
            external_id: &external_id,
            label: &label,
            text: &text,
            reply_to: reply_to.as_deref(),
            attempt_started: e.attempt_started_at.unwrap_or(e.updated_at),
            exclude: &exclude,
            pages: self.config.reconcile_pages,
        };
        let mut found = lookup::find(app, &wanted, &token).await;
        if let Err(f) = &found {
            if f.error.needs_reauth() && account.network == Network::X {
                token = app
                    .after_unauthorized(account.id, &token, now)
                    .await
                    .map_err(|e| e.to_string())?;
                found = lookup::find(app, &wanted, &token).await;
            }
        }
        let found = match found {
            Ok((found, budget)) => {
                self.gates
                    .note_budget(account.id, account.network, &budget, now);
                found
            }
            Err(f) => {
                self.gates
                    .note_error(account.id, account.network, &f.error, &f.budget, now);
                if f.error.needs_reauth() {
                    let words = f.error.plain_words();
                    let _ = app.mark_needs_reauth(account.id, &words, now).await;
                }
                return Err(f.error.plain_words());
            }
        };
        failpoint::hit(failpoint::AFTER_RECONCILE_CHECK);
        let handle = account.handle.clone();
        match (found, unclear) {
            (Some(id), _) => {
                let after = app
                    .reconcile_send(e.id, Some(id), now)
                    .await
                    .map_err(|e| e.to_string())?;
                app.announce_published(&after).await;
                Ok(entry_report(
                    &after,
                    &handle,
                    EntryOutcome::ReconciledSent,
                    None,
                ))
            }
            (None, Some(words)) => {
                // This run's own unclear send, proven not to have gone out: a plain failure
                // with the network's words (retried while attempts remain).
                let words = format!(
                    "{words} (Chancery checked the account's recent posts: it had not gone out)"
                );
                let retryable = e.attempts < MAX_ATTEMPTS;
                let after = app
                    .record_send_outcome(
                        e.id,
                        SendOutcome::Failed {
                            error: words.clone(),
                            retryable,
                            retry_at: Some(now + backoff(self.config.retry_backoff, e.attempts)),
                        },
                        now,
                    )
                    .await
                    .map_err(|e| e.to_string())?;
                app.announce_publish_failed(&after, ErrorCode::Network, &words)
                    .await;
                let outcome = if after.state == OutboxState::Queued {
                    EntryOutcome::RetryScheduled
                } else {
                    EntryOutcome::Failed
                };
                Ok(entry_report(
                    &after,
                    &handle,
                    outcome,
                    after.last_error.clone(),
                ))
            }
            (None, None) => {
                let after = app
                    .reconcile_send(e.id, None, now)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(entry_report(
                    &after,
                    &handle,
                    EntryOutcome::RequeuedAfterCheck,
                    after.last_error.clone(),
                ))
            }
        }
    }
}

async fn stopped(stop: &mut Option<watch::Receiver<bool>>) {
    match stop {
        Some(rx) => {
            if *rx.borrow() {
                return;
            }
            // A dropped sender means nobody can stop us any more: wait forever.
            if rx.wait_for(|v| *v).await.is_err() {
                std::future::pending::<()>().await;
            }
        }
        None => std::future::pending().await,
    }
}

impl App {
    /// Start the publisher in the background (the desktop app does at launch).
    pub fn start_publisher(
        self: &Arc<Self>,
        config: PublisherConfig,
    ) -> Result<PublisherHandle, CoreError> {
        Ok(Publisher::new(self.clone(), config)?.spawn())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let base = Duration::from_secs(30);
        assert_eq!(backoff(base, 1), chrono::Duration::seconds(30));
        assert_eq!(backoff(base, 2), chrono::Duration::seconds(60));
        assert_eq!(backoff(base, 4), chrono::Duration::seconds(240));
        assert_eq!(backoff(base, 30), chrono::Duration::seconds(900));
    }
}
