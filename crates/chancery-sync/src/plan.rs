//! The planner: a pure function from (accounts, streams and their cursors, budgets, clock) to
//! the requests to start now and when to look again. No I/O; the engine carries plans out.
//!
//! Policy, in order:
//! 1. An account that needs re-authorisation is skipped; an account has at most one request in
//!    flight; at most `max_concurrency` requests are in flight.
//! 2. Candidates are ranked by purpose — `Stale` (at risk of passing `max_staleness`), then
//!    `Continue` (the next page of a catch-up or sweep), then `Poll` (due by its interval), then
//!    `Backfill`. `Stale` streams (read more than 0.8 × `max_staleness` ago) go oldest first;
//!    `Poll` streams by how many of their own intervals they have waited (hot accounts first);
//!    then by id.
//! 3. A stream's interval comes from its traffic (`target_items_per_poll` / items per unit of
//!    time), clamped to `[min_interval, 0.6 × max_staleness]` (the rest is slack for queueing behind a paced budget): hot accounts are polled more
//!    often, quiet ones still within `max_staleness`.
//! 4. A candidate starts only if every budget it is charged to allows one more call (counting
//!    those in flight and those planned this round), with the safety margin; otherwise the
//!    time its budgets free up becomes a wake-up time. Backfill only uses budget nobody fresher
//!    was refused this round.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chancery_model::accounts::AccountId;
use chancery_model::items::SyncStream;
use chrono::{DateTime, Utc};

use crate::budget::{BudgetBook, BudgetKey};
use crate::config::SyncConfig;
use crate::stream::{Purpose, RequestSpec, StreamState, SyncAccount};

/// How the engine runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Poll each stream by its interval, forever.
    Continuous,
    /// Read every stream once (chains to their end) since `started`, then stop; with
    /// `backfill`, also down to the horizon.
    Cycle {
        started: DateTime<Utc>,
        backfill: bool,
    },
}

/// An account as the planner sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountView {
    pub account: SyncAccount,
    pub needs_reauth: bool,
    pub in_flight: bool,
}

/// Everything the planner looks at.
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    pub now: DateTime<Utc>,
    pub mode: Mode,
    pub config: &'a SyncConfig,
    pub accounts: &'a BTreeMap<AccountId, AccountView>,
    pub streams: &'a [StreamState],
    pub budgets: &'a BudgetBook,
    /// Requests in flight now.
    pub in_flight: usize,
}

/// A request to start.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    /// Index into `PlanInput::streams`.
    pub index: usize,
    pub account: AccountId,
    pub stream: SyncStream,
    pub request: RequestSpec,
    pub purpose: Purpose,
    pub budgets: [BudgetKey; 2],
}

/// The planner's answer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    pub start: Vec<Planned>,
    /// Look again at this time at the latest (also look again when a request finishes).
    pub wake_at: Option<DateTime<Utc>>,
    /// Streams held back by a budget, with the time it frees up.
    pub held: Vec<(usize, DateTime<Utc>)>,
    /// Cycle mode: every stream has been read (nothing left, nothing in flight).
    pub cycle_complete: bool,
}

fn earlier(a: Option<DateTime<Utc>>, b: DateTime<Utc>) -> Option<DateTime<Utc>> {
    Some(a.map_or(b, |a| a.min(b)))
}

/// Plans what to start now.
pub fn plan(input: &PlanInput<'_>) -> Plan {
    let now = input.now;
    let c = input.config;
    let mut out = Plan::default();
    // (purpose, overdue ms (negated: most overdue first), account, stream index, request)
    let mut candidates: Vec<(Purpose, i64, AccountId, usize, RequestSpec)> = Vec::new();
    let mut outstanding = false;
    for (i, s) in input.streams.iter().enumerate() {
        let Some(acct) = input.accounts.get(&s.account) else {
            continue;
        };
        if acct.needs_reauth {
            continue;
        }
        let cycle_pending = match input.mode {
            Mode::Cycle { started, backfill } => {
                s.gave_up_at.is_none_or(|g| g < started)
                    && (s.last_finished.is_none_or(|f| f < started)
                        || s.continuing()
                        || (backfill && s.backfill_pending(c)))
            }
            Mode::Continuous => true,
        };
        if s.in_flight {
            outstanding = true;
            continue;
        }
        if let Some((_, at)) = s.retry {
            if at > now {
                if cycle_pending {
                    outstanding = true;
                }
                out.wake_at = earlier(out.wake_at, at);
                continue;
            }
        }
        let stale = s
            .last_success
            .is_some_and(|l| now - l >= c.real(c.max_staleness) * 4 / 5);
        let (purpose, due_at, request) = if s.continuing() {
            if input.mode == Mode::Continuous && s.next_due > now {
                out.wake_at = earlier(out.wake_at, s.next_due);
                continue;
            }
            (
                Purpose::Continue,
                s.next_due.min(now),
                s.poll_request(now, c),
            )
        } else {
            let due = match input.mode {
                Mode::Continuous => s.next_due <= now,
                Mode::Cycle { started, .. } => s.last_finished.is_none_or(|f| f < started),
            };
            let backfill_ok = match input.mode {
                Mode::Continuous => true,
                Mode::Cycle { backfill, .. } => backfill,
            };
            if due {
                let p = if stale { Purpose::Stale } else { Purpose::Poll };
                (p, s.next_due.min(now), s.poll_request(now, c))
            } else if backfill_ok && s.backfill_pending(c) {
                match s.backfill_request() {
                    Some(r) => (Purpose::Backfill, s.next_due.min(now), r),
                    None => continue,
                }
            } else {
                if input.mode == Mode::Continuous {
                    out.wake_at = earlier(out.wake_at, s.next_due);
                }
                continue;
            }
        };
        if !cycle_pending {
            continue;
        }
        outstanding = true;
        if acct.in_flight {
            continue;
        }
        // Stale (at risk of passing max_staleness): the one read longest ago first. Poll: by
        // how many of its own intervals it has waited, so hot accounts go before quiet ones
        // that are merely due.
        let waited = s
            .last_success
            .map_or(i64::MAX / 4, |l| (now - l).num_milliseconds());
        let overdue = match purpose {
            Purpose::Stale => waited,
            Purpose::Poll => {
                let iv = s.interval(c).num_milliseconds().max(1);
                waited.saturating_mul(1000) / iv
            }
            _ => (now - due_at).num_milliseconds(),
        };
        candidates.push((purpose, -overdue, s.account, i, request));
    }
    candidates.sort_by_key(|a| (a.0, a.1, a.2, a.3));

    let mut planned_accounts: BTreeSet<AccountId> = BTreeSet::new();
    let mut extra: HashMap<BudgetKey, u32> = HashMap::new();
    let mut fresh_refused = false;
    for (purpose, _, account, index, request) in candidates {
        if input.in_flight + out.start.len() >= c.max_concurrency.max(1) {
            break;
        }
        if planned_accounts.contains(&account) {
            continue;
        }
        if purpose == Purpose::Backfill && fresh_refused {
            continue;
        }
        let Some(acct) = input.accounts.get(&account) else {
            continue;
        };
        let keys = acct.account.budgets();
        let more = |k: &BudgetKey| extra.get(k).copied().unwrap_or(0);
        match input.budgets.ready(&keys, &more, now, c) {
            Ok(()) => {
                for k in keys {
                    *extra.entry(k).or_insert(0) += 1;
                }
                planned_accounts.insert(account);
                out.start.push(Planned {
                    index,
                    account,
                    stream: input.streams[index].stream,
                    request,
                    purpose,
                    budgets: keys,
                });
            }
            Err(at) => {
                if purpose != Purpose::Backfill {
                    fresh_refused = true;
                }
                out.held.push((index, at));
                out.wake_at = earlier(out.wake_at, at);
            }
        }
    }
    out.cycle_complete =
        matches!(input.mode, Mode::Cycle { .. }) && !outstanding && input.in_flight == 0;
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::{Observation, Window};
    use crate::cursor::Position;
    use chancery_model::accounts::Network;
    use chrono::{Duration, TimeZone};

    fn t(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + s, 0).unwrap()
    }

    fn id(n: u128) -> AccountId {
        AccountId(uuid::Uuid::from_u128(n))
    }

    struct World {
        accounts: BTreeMap<AccountId, AccountView>,
        streams: Vec<StreamState>,
        budgets: BudgetBook,
        config: SyncConfig,
    }

    /// `n` X accounts, read once, all due at `due`.
    fn world(n: u128, due: DateTime<Utc>) -> World {
        let mut accounts = BTreeMap::new();
        let mut streams = Vec::new();
        for i in 1..=n {
            accounts.insert(
                id(i),
                AccountView {
                    account: SyncAccount {
                        id: id(i),
                        network: Network::X,
                        external_id: format!("{i}"),
                        handle: format!("a{i}"),
                    },
                    needs_reauth: false,
                    in_flight: false,
                },
            );
            let mut s = StreamState::new(
                id(i),
                SyncStream::XMentions,
                Position {
                    newest_id: Some("1".into()),
                    horizon_reached: true,
                    ..Position::default()
                },
                due,
            );
            s.last_success = Some(due - Duration::seconds(60));
            s.last_finished = s.last_success;
            streams.push(s);
        }
        World {
            accounts,
            streams,
            budgets: BudgetBook::default(),
            config: SyncConfig::default(),
        }
    }

    fn run(w: &World, now: DateTime<Utc>, mode: Mode, in_flight: usize) -> Plan {
        plan(&PlanInput {
            now,
            mode,
            config: &w.config,
            accounts: &w.accounts,
            streams: &w.streams,
            budgets: &w.budgets,
            in_flight,
        })
    }

    fn accounts_of(p: &Plan) -> Vec<u128> {
        p.start.iter().map(|s| s.account.0.as_u128()).collect()
    }

    #[test]
    fn table_of_policies() {
        struct Case {
            name: &'static str,
            setup: fn(&mut World),
            in_flight: usize,
            expect: Vec<u128>,
            wake_in_s: Option<i64>,
        }
        let cases = vec![
            Case {
                name: "all due, concurrency bounds the start",
                setup: |w| w.config.max_concurrency = 3,
                in_flight: 0,
                expect: vec![1, 2, 3],
                wake_in_s: None,
            },
            Case {
                name: "in-flight requests count against concurrency",
                setup: |w| w.config.max_concurrency = 3,
                in_flight: 2,
                expect: vec![1],
                wake_in_s: None,
            },
            Case {
                name: "waited longest (in its own intervals) first",
                setup: |w| {
                    w.config.max_concurrency = 2;
                    w.streams[3].last_success = Some(t(-300));
                    w.streams[2].last_success = Some(t(-200));
                },
                in_flight: 0,
                expect: vec![4, 3],
                wake_in_s: None,
            },
            Case {
                name: "stale beats everything",
                setup: |w| {
                    w.config.max_concurrency = 1;
                    w.streams[0].rate_per_ms = Some(1.0);
                    w.streams[4].last_success = Some(t(-721));
                },
                in_flight: 0,
                expect: vec![5],
                wake_in_s: None,
            },
            Case {
                name: "a chain in progress beats a plain poll",
                setup: |w| {
                    w.config.max_concurrency = 1;
                    w.streams[0].next_due = t(-500);
                    w.streams[2].position.progress.gap = Some(crate::cursor::Gap {
                        token: "n".into(),
                        top: "9".into(),
                    });
                },
                in_flight: 0,
                expect: vec![3],
                wake_in_s: None,
            },
            Case {
                name: "not due: wake at the earliest due",
                setup: |w| {
                    for (i, s) in w.streams.iter_mut().enumerate() {
                        s.next_due = t(10 + i as i64);
                    }
                },
                in_flight: 0,
                expect: vec![],
                wake_in_s: Some(10),
            },
            Case {
                name: "needs re-auth is skipped",
                setup: |w| {
                    w.config.max_concurrency = 2;
                    w.accounts.get_mut(&id(1)).unwrap().needs_reauth = true;
                },
                in_flight: 0,
                expect: vec![2, 3],
                wake_in_s: None,
            },
            Case {
                name: "one request per account",
                setup: |w| {
                    w.accounts.get_mut(&id(2)).unwrap().in_flight = true;
                    w.config.max_concurrency = 2;
                },
                in_flight: 1,
                expect: vec![1],
                wake_in_s: None,
            },
            Case {
                name: "retry waits for its time",
                setup: |w| {
                    w.config.max_concurrency = 5;
                    for s in &mut w.streams {
                        s.retry = Some((1, t(7)));
                    }
                },
                in_flight: 0,
                expect: vec![],
                wake_in_s: Some(7),
            },
            Case {
                name: "an exhausted user window holds that account until its reset",
                setup: |w| {
                    w.config.max_concurrency = 2;
                    let c = w.config.clone();
                    w.budgets.observe(
                        BudgetKey::XUser(id(1)),
                        Observation::Window(Window {
                            limit: 300,
                            remaining: 20,
                            reset_at: t(300),
                        }),
                        t(0),
                        &c,
                    );
                },
                in_flight: 0,
                expect: vec![2, 3],
                wake_in_s: None,
            },
            Case {
                name: "a 429 block holds the account",
                setup: |w| {
                    w.config.max_concurrency = 1;
                    let c = w.config.clone();
                    for i in 1..=5 {
                        w.budgets.observe(
                            BudgetKey::XUser(id(i)),
                            Observation::Blocked(t(40 + i as i64)),
                            t(0),
                            &c,
                        );
                    }
                },
                in_flight: 0,
                expect: vec![],
                wake_in_s: Some(41),
            },
        ];
        for case in cases {
            let mut w = world(5, t(0));
            (case.setup)(&mut w);
            let p = run(&w, t(0), Mode::Continuous, case.in_flight);
            assert_eq!(accounts_of(&p), case.expect, "{}", case.name);
            if let Some(s) = case.wake_in_s {
                assert_eq!(p.wake_at, Some(t(s)), "{}", case.name);
            }
        }
    }

    #[test]
    fn the_app_cap_is_paced_and_nobody_starves() {
        // 120 accounts against the app cap: simulate 30 minutes, every request taking 1 s.
        let mut w = world(120, t(0));
        w.config.max_concurrency = 1000;
        let c = w.config.clone();
        let mut now = t(0);
        let end = t(1800);
        let mut calls: Vec<DateTime<Utc>> = Vec::new();
        let mut polled_at: HashMap<AccountId, Vec<DateTime<Utc>>> = HashMap::new();
        let mut steps = 0;
        while now < end && steps < 100_000 {
            steps += 1;
            let p = run(&w, now, Mode::Continuous, 0);
            for s in &p.start {
                w.budgets.start(&s.budgets, now, &c);
                w.budgets.finish(&s.budgets);
                let st = &mut w.streams[s.index];
                st.last_success = Some(now);
                st.last_finished = Some(now);
                // A hot account (1) and quiet ones.
                st.rate_per_ms = Some(if s.account == id(1) {
                    2000.0 / 3_600_000.0
                } else {
                    1.0 / 3_600_000.0
                });
                st.next_due = now + st.interval(&c);
                calls.push(now);
                polled_at.entry(s.account).or_default().push(now);
            }
            now = p
                .wake_at
                .unwrap_or(now + Duration::seconds(1))
                .max(now + Duration::milliseconds(1));
        }
        // Never more than the cap plus its burst in any 15-minute window.
        for (i, a) in calls.iter().enumerate() {
            let n = calls[i..]
                .iter()
                .take_while(|b| **b < *a + Duration::minutes(15))
                .count();
            assert!(n <= 360, "{n} calls in 15 minutes from {a}");
        }
        // Every account polled at least every max_staleness; the hot one much more often.
        for i in 1..=120 {
            let times = &polled_at[&id(i)];
            let mut prev = t(0);
            for x in times.iter().chain(std::iter::once(&end)) {
                assert!(
                    *x - prev <= Duration::minutes(15),
                    "account {i} waited {:?}",
                    *x - prev
                );
                prev = *x;
            }
        }
        assert!(
            polled_at[&id(1)].len() >= 20,
            "hot account polled {} times",
            polled_at[&id(1)].len()
        );
        assert!(
            polled_at[&id(2)].len() <= 5,
            "quiet account polled {} times",
            polled_at[&id(2)].len()
        );
    }

    #[test]
    fn a_cycle_reads_everything_once_then_completes() {
        let mut w = world(3, t(100));
        let mode = Mode::Cycle {
            started: t(50),
            backfill: false,
        };
        let p = run(&w, t(50), mode, 0);
        assert_eq!(
            accounts_of(&p),
            vec![1, 2, 3],
            "not yet due, but a cycle reads everyone"
        );
        assert!(!p.cycle_complete);
        for s in &mut w.streams {
            s.last_finished = Some(t(51));
        }
        let p = run(&w, t(52), mode, 0);
        assert!(p.start.is_empty() && p.cycle_complete);
        // Backfill keeps a cycle open when asked for.
        w.streams[1].position.horizon_reached = false;
        let p = run(
            &w,
            t(52),
            Mode::Cycle {
                started: t(50),
                backfill: true,
            },
            0,
        );
        assert_eq!(accounts_of(&p), vec![2]);
        assert_eq!(p.start[0].purpose, Purpose::Backfill);
    }
}
