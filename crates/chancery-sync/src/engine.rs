//! The engine: keeps the streams' state, asks the planner what to do, carries out the requests
//! (bounded concurrency, one request per account), stores each page with its cursor in one
//! transaction, and reports what happened as [`SyncEvent`]s.
//!
//! The same engine runs in the desktop app (continuously, in the background, until stopped) and
//! in `chancery sync` (one cycle, or for a while).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration as StdDuration;

use backon::BackoffBuilder;
use chancery_model::accounts::{AccountId, Network, TokenStatus};
use chancery_model::items::{ItemId, SyncStream};
use chancery_net::{NetConfig, NetError, ThrottleScope};
use chancery_store::{IngestPage, Store};
use chrono::{DateTime, Utc};
use tokio::sync::{broadcast, watch};
use tokio::task::JoinSet;
use tracing::Instrument;

use crate::budget::{BudgetBook, BudgetKey, Observation};
use crate::config::SyncConfig;
use crate::cursor::Position;
use crate::events::{
    AccountStatus, AccountSyncState, CostEstimate, NetworkTotals, SyncEvent, SyncStatus,
    SyncTotals, POST_READ_USD, USER_READ_USD,
};
use crate::fetch::{fetch, observations, Clients, Fetched};
use crate::plan::{plan, AccountView, Mode, PlanInput, Planned};
use crate::stream::{advance, PageFacts, Purpose, StreamState, SyncAccount, Transition};
use crate::tokens::{TokenError, TokenSource};

/// Why the engine could not start or run.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("the local cache: {0}")]
    Store(#[from] chancery_store::StoreError),
    #[error("network set-up: {0}")]
    Net(#[from] NetError),
    #[error("{0}")]
    Config(String),
}

/// Where the time comes from (the engine never reads the system clock elsewhere).
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Which accounts to sync.
#[derive(Debug, Clone, Default)]
pub struct AccountFilter {
    /// Only these (by id); empty = every connected account.
    pub ids: Vec<AccountId>,
    /// Only these handles (case-insensitive); empty = no filter.
    pub handles: Vec<String>,
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunReport {
    pub started: Option<DateTime<Utc>>,
    pub finished: Option<DateTime<Utc>>,
    pub totals: SyncTotals,
    /// Every stream was read (cycle mode) before the run stopped.
    pub complete: bool,
}

struct Core {
    accounts: BTreeMap<AccountId, AccountView>,
    streams: Vec<StreamState>,
    budgets: BudgetBook,
    totals: SyncTotals,
    cost: CostTracker,
    /// (day, items) per account.
    items_today: HashMap<AccountId, (chrono::NaiveDate, u64)>,
    in_flight: usize,
    running: bool,
    first_start: Option<DateTime<Utc>>,
    last_budget_event: Option<DateTime<Utc>>,
}

#[derive(Default)]
struct CostTracker {
    posts: HashSet<String>,
    users: HashSet<String>,
    backfill_posts: HashSet<String>,
    backfill_users: HashSet<String>,
}

const COST_IDS_KEPT: usize = 2_000_000;

struct Inner {
    store: Store,
    clients: Clients,
    tokens: Arc<dyn TokenSource>,
    config: SyncConfig,
    clock: Arc<dyn Clock>,
    core: Mutex<Core>,
    events: broadcast::Sender<SyncEvent>,
    busy: AtomicBool,
    /// Request times, for the dashboard's response-time chart (see `latency.rs`).
    latency: Mutex<crate::latency::LatencyBook>,
}

/// The sync engine. Cheap to clone.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

/// A continuously running engine: stop it with [`RunningEngine::stop`].
pub struct RunningEngine {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<RunReport>,
}

impl RunningEngine {
    /// Stops polling, lets requests in flight finish (up to the request timeout) and returns
    /// what the run did.
    pub async fn stop(self) -> RunReport {
        let _ = self.stop.send(true);
        self.task.await.unwrap_or_default()
    }
}

impl Engine {
    /// An engine over `store`'s accounts (those connected, narrowed by `filter`), talking to the
    /// networks at `net`, with tokens from `tokens`.
    pub async fn new(
        store: Store,
        net: &NetConfig,
        tokens: Arc<dyn TokenSource>,
        config: SyncConfig,
        filter: &AccountFilter,
        clock: Arc<dyn Clock>,
    ) -> Result<Engine, SyncError> {
        let mut net = net.clone();
        net.timeout = config.request_timeout;
        let http = net.http_client()?;
        let clients = Clients {
            x: chancery_net::XClient::with_http(http.clone(), &net),
            graph: chancery_net::GraphClient::with_http(http, &net)?,
        };
        let now = clock.now();
        let mut accounts = BTreeMap::new();
        let mut streams = Vec::new();
        let handles: Vec<String> = filter
            .handles
            .iter()
            .map(|h| h.trim_start_matches('@').to_lowercase())
            .collect();
        for listing in store.list_accounts().await? {
            let a = listing.account;
            let Some(external_id) = a.external_id.clone() else {
                continue;
            };
            if a.token.status == TokenStatus::Disconnected {
                continue;
            }
            if !filter.ids.is_empty() && !filter.ids.contains(&a.id) {
                continue;
            }
            if !handles.is_empty() && !handles.contains(&a.handle.to_lowercase()) {
                continue;
            }
            let account = SyncAccount {
                id: a.id,
                network: a.network,
                external_id,
                handle: a.handle.clone(),
            };
            let cursors = store.list_cursors(a.id).await?;
            for &stream in account.streams() {
                let pos = cursors
                    .iter()
                    .find(|c| c.stream == stream)
                    .map(Position::from_cursor)
                    .unwrap_or_default();
                let mut s = StreamState::new(a.id, stream, pos, now);
                if let Some(c) = cursors.iter().find(|c| c.stream == stream) {
                    // Read before: pick up where the last run left off, soon but spread out.
                    s.last_success = Some(c.updated_at.min(now));
                    s.next_due = now;
                }
                streams.push(s);
            }
            accounts.insert(
                a.id,
                AccountView {
                    needs_reauth: a.token.status == TokenStatus::NeedsReauth,
                    in_flight: false,
                    account,
                },
            );
        }
        let (events, _) = broadcast::channel(8192);
        let mut budgets = BudgetBook::default();
        budgets.ensure(BudgetKey::XApp, &config, now);
        budgets.ensure(BudgetKey::FbApp, &config, now);
        for v in accounts.values() {
            for k in v.account.budgets() {
                budgets.ensure(k, &config, now);
            }
        }
        Ok(Engine {
            inner: Arc::new(Inner {
                store,
                clients,
                tokens,
                config,
                clock,
                core: Mutex::new(Core {
                    accounts,
                    streams,
                    budgets,
                    totals: SyncTotals::default(),
                    cost: CostTracker::default(),
                    items_today: HashMap::new(),
                    in_flight: 0,
                    running: false,
                    first_start: None,
                    last_budget_event: None,
                }),
                events,
                busy: AtomicBool::new(false),
                latency: Mutex::new(crate::latency::LatencyBook::default()),
            }),
        })
    }

    pub fn config(&self) -> &SyncConfig {
        &self.inner.config
    }

    /// Events from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<SyncEvent> {
        self.inner.events.subscribe()
    }

    /// The accounts being synced.
    pub fn accounts(&self) -> Vec<SyncAccount> {
        self.lock()
            .accounts
            .values()
            .map(|v| v.account.clone())
            .collect()
    }

    /// Read every stream once (catch-ups to their end; with `backfill`, down to the horizon),
    /// then return. Stops early when `stop` turns true.
    pub async fn run_cycle(
        &self,
        backfill: bool,
        stop: Option<watch::Receiver<bool>>,
    ) -> RunReport {
        let started = self.inner.clock.now();
        let stop = stop.unwrap_or_else(|| watch::channel(false).1);
        self.drive(Mode::Cycle { started, backfill }, stop).await
    }

    /// Poll continuously until `stop` turns true.
    pub async fn run_until(&self, stop: watch::Receiver<bool>) -> RunReport {
        self.drive(Mode::Continuous, stop).await
    }

    /// Start polling continuously in the background.
    pub fn start(&self) -> RunningEngine {
        let (tx, rx) = watch::channel(false);
        let me = self.clone();
        let task = tokio::spawn(async move { me.run_until(rx).await });
        RunningEngine { stop: tx, task }
    }

    /// A person reconnected `account`: sync it again.
    pub fn reconnected(&self, account: AccountId) {
        let mut core = self.lock();
        if let Some(a) = core.accounts.get_mut(&account) {
            a.needs_reauth = false;
        }
        for s in core.streams.iter_mut().filter(|s| s.account == account) {
            s.retry = None;
            s.last_error = None;
        }
    }

    /// Request times over the last `window`, per `bucket` (the dashboard's response-time chart).
    pub fn latency(
        &self,
        window: chrono::Duration,
        bucket: chrono::Duration,
    ) -> crate::latency::LatencyReport {
        let now = self.inner.clock.now();
        let book = match self.inner.latency.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        book.report(now, window, bucket)
    }

    fn lock(&self) -> MutexGuard<'_, Core> {
        match self.inner.core.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    fn emit(&self, e: SyncEvent) {
        let _ = self.inner.events.send(e);
    }

    async fn drive(&self, mode: Mode, mut stop: watch::Receiver<bool>) -> RunReport {
        if self.inner.busy.swap(true, Ordering::SeqCst) {
            tracing::warn!("the sync engine is already running; not starting a second run");
            return RunReport::default();
        }
        let started = self.inner.clock.now();
        let accounts = {
            let mut core = self.lock();
            core.running = true;
            core.first_start.get_or_insert(started);
            core.accounts.len() as u32
        };
        self.emit(SyncEvent::Started {
            at: started,
            accounts,
        });
        let before = self.lock().totals.clone();
        let mut tasks: JoinSet<Done> = JoinSet::new();
        let mut complete = false;
        loop {
            if *stop.borrow() {
                break;
            }
            let now = self.inner.clock.now();
            let (started_now, wake_at, cycle_complete) = {
                let mut core = self.lock();
                let core = &mut *core;
                let p = plan(&PlanInput {
                    now,
                    mode,
                    config: &self.inner.config,
                    accounts: &core.accounts,
                    streams: &core.streams,
                    budgets: &core.budgets,
                    in_flight: core.in_flight,
                });
                let mut jobs = Vec::new();
                for planned in p.start {
                    core.budgets
                        .start(&planned.budgets, now, &self.inner.config);
                    core.in_flight += 1;
                    let s = &mut core.streams[planned.index];
                    s.in_flight = true;
                    let snapshot = s.clone();
                    let Some(acct) = core.accounts.get_mut(&planned.account) else {
                        continue;
                    };
                    acct.in_flight = true;
                    jobs.push((planned, snapshot, acct.account.clone()));
                }
                (jobs, p.wake_at, p.cycle_complete)
            };
            let any = !started_now.is_empty();
            for (planned, snapshot, account) in started_now {
                let inner = self.inner.clone();
                tasks.spawn(execute(inner, planned, snapshot, account));
            }
            if any {
                self.maybe_budget_event(now, false);
            }
            if cycle_complete && tasks.is_empty() {
                complete = true;
                break;
            }
            let sleep_for = match wake_at {
                Some(t) => (t - self.inner.clock.now())
                    .to_std()
                    .unwrap_or(StdDuration::ZERO),
                None => StdDuration::from_secs(3600),
            }
            .max(StdDuration::from_millis(1));
            tokio::select! {
                Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                    match done {
                        Ok(d) => self.apply(d),
                        Err(e) => tracing::error!(error = %e, "a sync request task failed"),
                    }
                }
                _ = tokio::time::sleep(sleep_for) => {}
                _ = stop.changed() => {}
            }
        }
        // Let requests in flight finish (each commits or not as a whole), then stop.
        let grace = self.inner.config.request_timeout + StdDuration::from_secs(1);
        let deadline = tokio::time::Instant::now() + grace;
        while !tasks.is_empty() {
            match tokio::time::timeout_at(deadline, tasks.join_next()).await {
                Ok(Some(Ok(d))) => self.apply(d),
                Ok(Some(Err(_))) => {}
                Ok(None) => break,
                Err(_) => {
                    tasks.abort_all();
                    break;
                }
            }
        }
        let finished = self.inner.clock.now();
        self.maybe_budget_event(finished, true);
        let totals = {
            let mut core = self.lock();
            core.running = false;
            core.in_flight = 0;
            let cost = core.cost_estimate(finished, &self.inner.config);
            core.totals.cost = cost;
            diff(&core.totals, &before)
        };
        self.inner.busy.store(false, Ordering::SeqCst);
        let items = totals.x.items + totals.facebook.items;
        let requests = totals.x.requests + totals.facebook.requests;
        let errors = totals.x.errors + totals.facebook.errors;
        self.emit(SyncEvent::Finished {
            at: finished,
            requests,
            items,
            errors,
        });
        RunReport {
            started: Some(started),
            finished: Some(finished),
            totals,
            complete,
        }
    }

    fn maybe_budget_event(&self, now: DateTime<Utc>, force: bool) {
        let budgets = {
            let mut core = self.lock();
            let due = core
                .last_budget_event
                .is_none_or(|t| now - t >= chrono::Duration::seconds(2));
            if !(force || due) {
                return;
            }
            core.last_budget_event = Some(now);
            core.budgets
                .status(now, &|k| label(&core.accounts, k), &self.inner.config)
        };
        self.emit(SyncEvent::Budgets { budgets });
    }

    /// Applies a finished request to the state and reports it.
    fn apply(&self, d: Done) {
        let c = &self.inner.config;
        let now = d.finished;
        let mut events = Vec::new();
        {
            let mut core = self.lock();
            let core = &mut *core;
            core.in_flight = core.in_flight.saturating_sub(1);
            core.budgets.finish(&d.budgets);
            for (k, o) in &d.observations {
                core.budgets.observe(*k, *o, now, c);
            }
            if let Some(a) = core.accounts.get_mut(&d.account) {
                a.in_flight = false;
            }
            let network = d.stream.network();
            let totals = match network {
                Network::X => &mut core.totals.x,
                Network::Facebook => &mut core.totals.facebook,
            };
            totals.requests += u64::from(d.requests);
            totals.busy_ms += d.elapsed_ms;
            if d.requests > 0 {
                let mut book = match self.inner.latency.lock() {
                    Ok(g) => g,
                    Err(p) => p.into_inner(),
                };
                book.record(network, now, d.elapsed_ms / u64::from(d.requests));
            }
            let s = &mut core.streams[d.index];
            s.in_flight = false;
            match d.outcome {
                Outcome::Page {
                    transition,
                    facts,
                    stored,
                    new_ids,
                    quarantined,
                    posts,
                    users,
                } => {
                    totals.items += u64::from(stored);
                    totals.quarantined += u64::from(quarantined);
                    s.position = transition.position;
                    s.sweep = transition.sweep;
                    s.retry = None;
                    s.last_error = None;
                    s.poll_items += facts.items as u64;
                    s.items_total += u64::from(stored);
                    if transition.poll_done && d.purpose != Purpose::Backfill {
                        let since = s.last_success.unwrap_or(now - c.real(c.base_interval));
                        let el = (now - since).num_milliseconds().max(1) as f64;
                        let observed = s.poll_items as f64 / el;
                        s.rate_per_ms = Some(match s.rate_per_ms {
                            Some(r) => 0.5 * r + 0.5 * observed,
                            None => observed,
                        });
                        s.poll_items = 0;
                        s.last_success = Some(now);
                        s.last_finished = Some(now);
                        s.next_due = now + s.interval(c);
                    } else if d.purpose != Purpose::Backfill {
                        // More pages of this poll: right away.
                        s.next_due = now;
                    }
                    let day = now.date_naive();
                    let e = core.items_today.entry(d.account).or_insert((day, 0));
                    if e.0 != day {
                        *e = (day, 0);
                    }
                    e.1 += u64::from(stored);
                    if network == Network::X {
                        let backfill = d.purpose == Purpose::Backfill;
                        core.cost.add(posts, users, backfill);
                    }
                    events.push(SyncEvent::Progress {
                        account_id: d.account,
                        stream: d.stream,
                        purpose: d.purpose,
                        stored,
                        poll_done: transition.poll_done,
                    });
                    if !new_ids.is_empty() {
                        events.push(SyncEvent::NewItems {
                            account_id: d.account,
                            stream: d.stream,
                            item_ids: new_ids,
                        });
                    }
                    if quarantined > 0 {
                        events.push(SyncEvent::Quarantined {
                            account_id: d.account,
                            stream: d.stream,
                            count: quarantined,
                        });
                    }
                }
                Outcome::Failed {
                    error,
                    message,
                    throttle,
                    skip,
                } => {
                    totals.errors += 1;
                    if throttle.is_some() {
                        totals.throttled += 1;
                    }
                    s.last_error = Some(message.clone());
                    if skip {
                        // The object is gone or the paging token expired: drop the chain or move on.
                        s.position.progress.gap = None;
                        s.sweep = skip_current(s.sweep.take());
                        if s.sweep.is_none()
                            && matches!(
                                s.stream,
                                SyncStream::FbComments | SyncStream::FbConversations
                            )
                        {
                            s.last_finished = Some(now);
                            s.next_due = now + s.interval(c);
                        }
                        s.retry = None;
                    } else if let Some((key, until)) = throttle {
                        // Not this stream's fault: wait for the limit, keep its attempts.
                        let attempt = s.retry.map_or(0, |r| r.0);
                        s.retry = Some((attempt, until));
                        core.budgets
                            .observe(key, Observation::Blocked(until), now, c);
                        events.push(SyncEvent::Throttled {
                            budget: key,
                            until,
                            message: message.clone(),
                        });
                    } else {
                        let attempt = s.retry.map_or(1, |r| r.0 + 1);
                        if error.retryable && attempt <= c.max_retries {
                            let at = now
                                + chrono::Duration::from_std(backoff_delay(c, attempt))
                                    .unwrap_or_default();
                            s.retry = Some((attempt, at));
                            events.push(SyncEvent::Error {
                                account_id: d.account,
                                stream: d.stream,
                                message,
                                retry_at: Some(at),
                                gave_up: false,
                            });
                        } else {
                            // Retries used up (or not worth retrying): wait for the next turn.
                            s.retry = None;
                            s.sweep = None;
                            s.gave_up_at = Some(now);
                            s.last_finished = Some(now);
                            s.next_due = now + s.interval(c);
                            events.push(SyncEvent::Error {
                                account_id: d.account,
                                stream: d.stream,
                                message,
                                retry_at: Some(s.next_due),
                                gave_up: true,
                            });
                        }
                    }
                }
                Outcome::NeedsReauth { message } => {
                    totals.errors += 1;
                    s.last_error = Some(message.clone());
                    if let Some(a) = core.accounts.get_mut(&d.account) {
                        a.needs_reauth = true;
                        events.push(SyncEvent::NeedsReauth {
                            account_id: d.account,
                            network: a.account.network,
                            message,
                        });
                    }
                }
            }
        }
        for e in events {
            self.emit(e);
        }
        self.maybe_budget_event(now, false);
    }

    /// The dashboard's snapshot.
    pub fn status(&self) -> SyncStatus {
        let now = self.inner.clock.now();
        let c = &self.inner.config;
        let core = self.lock();
        let mut accounts = Vec::new();
        for (id, v) in &core.accounts {
            let streams: Vec<&StreamState> =
                core.streams.iter().filter(|s| s.account == *id).collect();
            let last_success = if streams.iter().all(|s| s.last_success.is_some()) {
                streams.iter().filter_map(|s| s.last_success).min()
            } else {
                None
            };
            let next_poll = streams
                .iter()
                .map(|s| s.retry.map_or(s.next_due, |r| r.1))
                .min();
            let last_error = streams.iter().find_map(|s| s.last_error.clone());
            let waiting = v.account.budgets().iter().any(|k| {
                core.budgets
                    .get(k)
                    .is_some_and(|b| b.blocked_until.is_some_and(|u| u > now))
            });
            let state = if v.needs_reauth {
                AccountSyncState::NeedsReauth
            } else if v.in_flight {
                AccountSyncState::Syncing
            } else if waiting {
                AccountSyncState::Waiting
            } else if streams
                .iter()
                .any(|s| s.retry.is_some() || (s.last_error.is_some() && s.gave_up_at.is_some()))
            {
                AccountSyncState::Error
            } else if streams.iter().all(|s| s.last_success.is_none()) {
                AccountSyncState::Pending
            } else {
                AccountSyncState::Idle
            };
            let today = now.date_naive();
            let items_today = core
                .items_today
                .get(id)
                .filter(|(d, _)| *d == today)
                .map_or(0, |(_, n)| *n);
            accounts.push(AccountStatus {
                account_id: *id,
                network: v.account.network,
                handle: v.account.handle.clone(),
                state,
                last_success,
                next_poll: if v.needs_reauth { None } else { next_poll },
                last_error,
                items_today,
                backfilling: streams.iter().any(|s| s.backfill_pending(c)),
            });
        }
        let mut totals = core.totals.clone();
        totals.cost = core.cost_estimate(now, c);
        SyncStatus {
            at: now,
            running: core.running,
            budgets: core.budgets.status(now, &|k| label(&core.accounts, k), c),
            accounts,
            totals,
        }
    }
}

impl Core {
    fn cost_estimate(&self, now: DateTime<Utc>, c: &SyncConfig) -> CostEstimate {
        let observed = self.first_start.map_or(0.0, |s| {
            (now - s).num_milliseconds().max(0) as f64 / 1000.0 * c.time_scale
        });
        let posts = self.cost.posts.len() as u64;
        let users = self.cost.users.len() as u64;
        let bposts = self.cost.backfill_posts.len() as u64;
        let busers = self.cost.backfill_users.len() as u64;
        let usd_observed = posts as f64 * POST_READ_USD + users as f64 * USER_READ_USD;
        let usd_per_day = if observed >= 60.0 {
            usd_observed * 86_400.0 / observed
        } else {
            0.0
        };
        CostEstimate {
            post_reads: posts,
            user_reads: users,
            backfill_post_reads: bposts,
            backfill_user_reads: busers,
            observed_seconds: observed,
            usd_observed,
            usd_per_day,
            usd_backfill: bposts as f64 * POST_READ_USD + busers as f64 * USER_READ_USD,
        }
    }
}

impl CostTracker {
    fn add(&mut self, posts: Vec<String>, users: Vec<String>, backfill: bool) {
        let (p, u) = if backfill {
            (&mut self.backfill_posts, &mut self.backfill_users)
        } else {
            (&mut self.posts, &mut self.users)
        };
        for id in posts {
            if p.len() < COST_IDS_KEPT {
                p.insert(id);
            }
        }
        for id in users {
            if u.len() < COST_IDS_KEPT {
                u.insert(id);
            }
        }
    }
}

fn label(accounts: &BTreeMap<AccountId, AccountView>, k: &BudgetKey) -> String {
    let handle = |id: &AccountId| {
        accounts
            .get(id)
            .map_or_else(|| id.to_string(), |a| format!("@{}", a.account.handle))
    };
    match k {
        BudgetKey::XApp => "X mentions, whole app".into(),
        BudgetKey::XUser(a) => format!("X mentions, {}", handle(a)),
        BudgetKey::FbApp => "Facebook, whole app".into(),
        BudgetKey::FbPage(a) => format!("Facebook Page {}", handle(a)),
    }
}

fn diff(now: &SyncTotals, before: &SyncTotals) -> SyncTotals {
    let d = |a: &NetworkTotals, b: &NetworkTotals| NetworkTotals {
        requests: a.requests - b.requests.min(a.requests),
        items: a.items - b.items.min(a.items),
        errors: a.errors - b.errors.min(a.errors),
        throttled: a.throttled - b.throttled.min(a.throttled),
        quarantined: a.quarantined - b.quarantined.min(a.quarantined),
        busy_ms: a.busy_ms - b.busy_ms.min(a.busy_ms),
    };
    SyncTotals {
        x: d(&now.x, &before.x),
        facebook: d(&now.facebook, &before.facebook),
        cost: now.cost.clone(),
    }
}

/// Drops the object a sweep was reading (deleted post or conversation) and moves to the next.
fn skip_current(sweep: Option<crate::stream::Sweep>) -> Option<crate::stream::Sweep> {
    use crate::stream::Sweep;
    match sweep {
        Some(Sweep::Reading {
            mut queue,
            watermark,
            ..
        }) => {
            queue.pop_front();
            if queue.is_empty() {
                None
            } else {
                Some(Sweep::Reading {
                    queue,
                    after: None,
                    watermark,
                })
            }
        }
        _ => None,
    }
}

/// The `attempt`-th delay (1-based) of a jittered exponential backoff.
pub fn backoff_delay(c: &SyncConfig, attempt: u32) -> StdDuration {
    let mut it = backon::ExponentialBuilder::default()
        .with_min_delay(c.retry_min_delay)
        .with_max_delay(c.retry_max_delay)
        .with_factor(2.0)
        .with_jitter()
        .with_max_times(attempt.max(1) as usize)
        .build();
    it.nth(attempt.max(1) as usize - 1)
        .unwrap_or(c.retry_max_delay)
}

// ------------------------------------------------------------------------------ one request

struct Done {
    index: usize,
    account: AccountId,
    stream: SyncStream,
    purpose: Purpose,
    budgets: [BudgetKey; 2],
    observations: Vec<(BudgetKey, Observation)>,
    finished: DateTime<Utc>,
    elapsed_ms: u64,
    /// HTTP requests sent (2 after a refresh and retry).
    requests: u32,
    outcome: Outcome,
}

// One value per finished request, moved once into the result handler: boxing
// the page variant would buy nothing.
#[allow(clippy::large_enum_variant)]
enum Outcome {
    Page {
        transition: Transition,
        facts: PageFacts,
        stored: u32,
        new_ids: Vec<ItemId>,
        quarantined: u32,
        posts: Vec<String>,
        users: Vec<String>,
    },
    Failed {
        error: FailureKind,
        message: String,
        /// A limit was hit: wait for it (budget, until).
        throttle: Option<(BudgetKey, DateTime<Utc>)>,
        /// Move past the object (gone, or its paging token no longer works).
        skip: bool,
    },
    NeedsReauth {
        message: String,
    },
}

struct FailureKind {
    retryable: bool,
}

async fn execute(inner: Arc<Inner>, p: Planned, stream: StreamState, account: SyncAccount) -> Done {
    let span = tracing::info_span!(
        "sync_request",
        account = %account.handle,
        stream = p.stream.as_str(),
        endpoint = p.request.endpoint(),
        purpose = ?p.purpose,
    );
    let t0 = std::time::Instant::now();
    let (outcome, observations, requests) = run_request(&inner, &p, &stream, &account)
        .instrument(span)
        .await;
    Done {
        index: p.index,
        account: p.account,
        stream: p.stream,
        purpose: p.purpose,
        budgets: p.budgets,
        observations,
        finished: inner.clock.now(),
        elapsed_ms: t0.elapsed().as_millis() as u64,
        requests,
        outcome,
    }
}

async fn run_request(
    inner: &Inner,
    p: &Planned,
    stream: &StreamState,
    account: &SyncAccount,
) -> (Outcome, Vec<(BudgetKey, Observation)>, u32) {
    let c = &inner.config;
    let token = match inner.tokens.token(account).await {
        Ok(t) => t,
        Err(TokenError::NeedsReauth(m)) => {
            inner.tokens.mark_needs_reauth(account, &m).await;
            return (Outcome::NeedsReauth { message: m }, Vec::new(), 0);
        }
        Err(TokenError::Unavailable(m)) => {
            return (failed(true, m), Vec::new(), 0);
        }
    };
    let mut requests = 1;
    let floor = inner.clock.now() - c.content(c.comments_post_horizon);
    let mut result = fetch(
        &inner.clients,
        account,
        stream,
        &p.request,
        &token,
        c.page_size,
        floor,
    )
    .await;
    let mut observations = Vec::new();
    if let Err(f) = &result {
        observations.extend(observations_of(account, &f.budget));
        if let NetError::Unauthorized {
            network: Network::X,
            ..
        } = f.error
        {
            // One refresh, one retry.
            match inner.tokens.unauthorized(account, &token).await {
                Ok(fresh) => {
                    requests += 1;
                    result = fetch(
                        &inner.clients,
                        account,
                        stream,
                        &p.request,
                        &fresh,
                        c.page_size,
                        floor,
                    )
                    .await;
                }
                Err(TokenError::Unavailable(m)) => {
                    return (failed(true, m), observations, requests)
                }
                Err(TokenError::NeedsReauth(m)) => {
                    inner.tokens.mark_needs_reauth(account, &m).await;
                    return (Outcome::NeedsReauth { message: m }, observations, requests);
                }
            }
        }
    }
    let now = inner.clock.now();
    match result {
        Ok(fetched) => {
            observations.extend(observations_of(account, &fetched.budget));
            (
                store_page(inner, p, stream, account, fetched, now).await,
                observations,
                requests,
            )
        }
        Err(f) => {
            if requests > 1 {
                observations.extend(observations_of(account, &f.budget));
            }
            let message = f.error.plain_words();
            let outcome = match &f.error {
                NetError::Unauthorized { .. } => {
                    inner.tokens.mark_needs_reauth(account, &message).await;
                    Outcome::NeedsReauth { message }
                }
                NetError::RateLimited { reset_at, .. } => {
                    let until = reset_at
                        .filter(|r| *r > now)
                        .unwrap_or(now + c.real(c.x_window));
                    Outcome::Failed {
                        error: FailureKind { retryable: true },
                        message,
                        throttle: Some((BudgetKey::XUser(account.id), until)),
                        skip: false,
                    }
                }
                NetError::UsageCapped { .. } => Outcome::Failed {
                    error: FailureKind { retryable: true },
                    message,
                    throttle: Some((BudgetKey::XApp, now + c.real(c.x_window) * 4)),
                    skip: false,
                },
                NetError::Throttled {
                    scope, retry_after, ..
                } => {
                    let wait = retry_after
                        .and_then(|d| chrono::Duration::from_std(d).ok())
                        .filter(|d| *d > chrono::Duration::zero())
                        .unwrap_or_else(|| c.real(c.fb_window));
                    let key = match scope {
                        ThrottleScope::App | ThrottleScope::User => BudgetKey::FbApp,
                        ThrottleScope::Page | ThrottleScope::BusinessUseCase => {
                            BudgetKey::FbPage(account.id)
                        }
                    };
                    Outcome::Failed {
                        error: FailureKind { retryable: true },
                        message,
                        throttle: Some((key, now + wait)),
                        skip: false,
                    }
                }
                NetError::NotFound { .. } => Outcome::Failed {
                    error: FailureKind { retryable: false },
                    message,
                    throttle: None,
                    skip: true,
                },
                NetError::InvalidRequest { .. } if stream.continuing() => Outcome::Failed {
                    error: FailureKind { retryable: false },
                    message,
                    throttle: None,
                    skip: true,
                },
                e => failed(e.retryable(), message),
            };
            (outcome, observations, requests)
        }
    }
}

fn failed(retryable: bool, message: String) -> Outcome {
    Outcome::Failed {
        error: FailureKind { retryable },
        message,
        throttle: None,
        skip: false,
    }
}

fn observations_of(
    account: &SyncAccount,
    budget: &chancery_net::Budget,
) -> Vec<(BudgetKey, Observation)> {
    observations(account, budget)
}

async fn store_page(
    inner: &Inner,
    p: &Planned,
    stream: &StreamState,
    account: &SyncAccount,
    fetched: Fetched,
    now: DateTime<Utc>,
) -> Outcome {
    let c = &inner.config;
    let transition = advance(stream, &p.request, p.purpose, &fetched.facts, now, c);
    let mut new_ids = Vec::new();
    let mut stored = 0;
    let mut quarantined = 0;
    let cursor = transition
        .commit_cursor
        .then(|| transition.position.to_update());
    if !fetched.items.is_empty() || !fetched.malformed.is_empty() || cursor.is_some() {
        let page = IngestPage {
            account_id: account.id,
            stream: p.stream,
            items: &fetched.items,
            malformed: &fetched.malformed,
            cursor: cursor.as_ref(),
            received_at: now,
        };
        match inner.store.ingest_page_with(page).await {
            Ok(report) => {
                stored = report.inserted + report.updated;
                quarantined = report.quarantined;
                // The items new to the cache (for the UI's event), as the store decided them
                // inside the page's transaction: no reads of the cache beforehand.
                new_ids = report.inserted_ids;
            }
            Err(e) => {
                tracing::error!(error = %e, "storing a synced page failed");
                return failed(
                    true,
                    format!("Chancery could not save what it read ({e}). It will try again."),
                );
            }
        }
    }
    Outcome::Page {
        transition,
        facts: fetched.facts,
        stored,
        new_ids,
        quarantined,
        posts: fetched.post_ids,
        users: fetched.user_ids,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_stays_bounded() {
        let c = SyncConfig {
            retry_min_delay: StdDuration::from_millis(100),
            retry_max_delay: StdDuration::from_secs(2),
            ..SyncConfig::default()
        };
        for attempt in 1..=6 {
            let d = backoff_delay(&c, attempt);
            let base = 100u64 * (1 << (attempt - 1));
            let lo = base.min(2000);
            assert!(d.as_millis() as u64 >= lo, "attempt {attempt}: {d:?}");
            assert!(
                d.as_millis() as u64 <= 2 * lo.max(100) + 2000,
                "attempt {attempt}: {d:?}"
            );
        }
    }
}
