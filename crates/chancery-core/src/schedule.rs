//! Turning a draft's schedule into an instant per target account, in the account's own time
//! zone (IANA names, `chrono-tz`), correctly across daylight-saving changes:
//!
//! - a local time that does not exist (the hour skipped when clocks go forward) is an error
//!   that says so and names the first valid time after the gap;
//! - a local time that happens twice (clocks go back) resolves to the **earlier** instant,
//!   with a note saying so;
//! - an absolute instant is the same for every target.

use chrono::{DateTime, Duration, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use chancery_model::drafts::{ResolvedTarget, Schedule};

/// A local time resolved in one zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalInstant {
    pub instant: DateTime<Utc>,
    /// Set when the local time was ambiguous and the earlier instant was chosen.
    pub note: Option<String>,
}

/// Why a local time cannot be scheduled in a zone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error(
        "{0:?} is not a time zone Chancery knows (expected an IANA name such as Europe/Paris)"
    )]
    UnknownTimeZone(String),
    #[error("{message}")]
    DoesNotExist { message: String },
}

fn fmt_local(t: NaiveDateTime) -> String {
    t.format("%H:%M on %a %-d %B %Y").to_string()
}

/// Parse an IANA time zone name.
pub fn parse_zone(name: &str) -> Result<Tz, ScheduleError> {
    name.parse::<Tz>()
        .map_err(|_| ScheduleError::UnknownTimeZone(name.to_string()))
}

/// Resolve a wall-clock time in the zone named `zone`.
pub fn resolve_local(local: NaiveDateTime, zone: &str) -> Result<LocalInstant, ScheduleError> {
    let tz = parse_zone(zone)?;
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Ok(LocalInstant {
            instant: t.with_timezone(&Utc),
            note: None,
        }),
        LocalResult::Ambiguous(a, b) => {
            let (early, late) = if a <= b { (a, b) } else { (b, a) };
            Ok(LocalInstant {
                instant: early.with_timezone(&Utc),
                note: Some(format!(
                    "{} happens twice in {zone} (the clocks go back that night): the earlier one was chosen, \
                     {} {} ({} UTC), not the later {} {} ({} UTC)",
                    fmt_local(local),
                    early.format("%H:%M"),
                    early.format("%Z"),
                    early.with_timezone(&Utc).format("%H:%M"),
                    late.format("%H:%M"),
                    late.format("%Z"),
                    late.with_timezone(&Utc).format("%H:%M"),
                )),
            })
        }
        LocalResult::None => {
            // Find the edges of the gap (bounded: no zone skips more than a day).
            let mut before = local;
            let mut after = local;
            for _ in 0..(24 * 60) {
                if matches!(tz.from_local_datetime(&before), LocalResult::None) {
                    before -= Duration::minutes(1);
                } else {
                    break;
                }
            }
            for _ in 0..(24 * 60) {
                if matches!(tz.from_local_datetime(&after), LocalResult::None) {
                    after += Duration::minutes(1);
                } else {
                    break;
                }
            }
            let gap_start = before + Duration::minutes(1);
            Err(ScheduleError::DoesNotExist {
                message: format!(
                    "{} does not exist in {zone}: the clocks go forward from {} to {} that night. \
                     Pick {} or later, or an earlier time.",
                    fmt_local(local),
                    gap_start.format("%H:%M"),
                    after.format("%H:%M"),
                    after.format("%H:%M"),
                ),
            })
        }
    }
}

/// Fill in `send_at`, `schedule_note` and `schedule_problem` of every target for `schedule`.
pub fn apply_schedule(schedule: &Schedule, targets: &mut [ResolvedTarget]) {
    for t in targets.iter_mut() {
        t.send_at = None;
        t.schedule_note = None;
        t.schedule_problem = None;
        match schedule {
            Schedule::Now => {}
            Schedule::At { instant } => t.send_at = Some(*instant),
            Schedule::LocalTime { local } => match resolve_local(*local, &t.time_zone) {
                Ok(r) => {
                    t.send_at = Some(r.instant);
                    t.schedule_note = r.note;
                }
                Err(e) => t.schedule_problem = Some(e.to_string()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn local(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn paris_spring_forward_gap_is_refused_with_the_gap_named() {
        // 2026-03-29 (last Sunday of March): 02:00 CET -> 03:00 CEST.
        let err = resolve_local(local(2026, 3, 29, 2, 30), "Europe/Paris").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("does not exist in Europe/Paris"), "{msg}");
        assert!(msg.contains("from 02:00 to 03:00"), "{msg}");
        // Either side of the gap is fine.
        assert_eq!(
            resolve_local(local(2026, 3, 29, 1, 59), "Europe/Paris")
                .unwrap()
                .instant,
            utc("2026-03-29T00:59:00Z")
        );
        assert_eq!(
            resolve_local(local(2026, 3, 29, 3, 0), "Europe/Paris")
                .unwrap()
                .instant,
            utc("2026-03-29T01:00:00Z")
        );
    }

    #[test]
    fn paris_fall_back_picks_the_earlier_instant_and_says_so() {
        // 2026-10-25 (last Sunday of October): 03:00 CEST -> 02:00 CET; 02:30 happens twice.
        let r = resolve_local(local(2026, 10, 25, 2, 30), "Europe/Paris").unwrap();
        assert_eq!(r.instant, utc("2026-10-25T00:30:00Z"));
        let note = r.note.unwrap();
        assert!(
            note.contains("happens twice") && note.contains("earlier"),
            "{note}"
        );
        assert!(note.contains("CEST") && note.contains("CET"), "{note}");
        // Outside the fold: no note.
        let r = resolve_local(local(2026, 10, 25, 3, 30), "Europe/Paris").unwrap();
        assert_eq!(r.instant, utc("2026-10-25T02:30:00Z"));
        assert!(r.note.is_none());
    }

    #[test]
    fn new_york_transitions() {
        // 2026-03-08: 02:00 EST -> 03:00 EDT; 2026-11-01: 02:00 EDT -> 01:00 EST.
        assert!(resolve_local(local(2026, 3, 8, 2, 15), "America/New_York").is_err());
        let r = resolve_local(local(2026, 11, 1, 1, 30), "America/New_York").unwrap();
        assert_eq!(r.instant, utc("2026-11-01T05:30:00Z"));
        assert!(r.note.is_some());
        // The same wall-clock time a week either side of the change is 1 hour apart in UTC.
        let before = resolve_local(local(2026, 3, 1, 9, 0), "America/New_York")
            .unwrap()
            .instant;
        let after = resolve_local(local(2026, 3, 15, 9, 0), "America/New_York")
            .unwrap()
            .instant;
        assert_eq!(before, utc("2026-03-01T14:00:00Z"));
        assert_eq!(after, utc("2026-03-15T13:00:00Z"));
    }

    #[test]
    fn zones_without_dst_never_gap_or_fold() {
        for zone in ["Asia/Tokyo", "Africa/Nairobi", "Asia/Kolkata", "UTC"] {
            for (m, d) in [(3, 8), (3, 29), (10, 25), (11, 1)] {
                for h in 0..24 {
                    let r = resolve_local(local(2026, m, d, h, 30), zone).unwrap();
                    assert!(r.note.is_none(), "{zone} {m}-{d} {h}");
                }
            }
        }
        assert_eq!(
            resolve_local(local(2026, 3, 29, 2, 30), "Asia/Tokyo")
                .unwrap()
                .instant,
            utc("2026-03-28T17:30:00Z")
        );
        assert_eq!(
            resolve_local(local(2026, 3, 29, 2, 30), "Asia/Kolkata")
                .unwrap()
                .instant,
            utc("2026-03-28T21:00:00Z")
        );
    }

    #[test]
    fn southern_hemisphere_and_unknown_zones() {
        // Australia/Sydney: 2026-04-05 03:00 AEDT -> 02:00 AEST (fold); 2026-10-04 02:00 -> 03:00 (gap).
        assert!(resolve_local(local(2026, 4, 5, 2, 30), "Australia/Sydney")
            .unwrap()
            .note
            .is_some());
        assert!(resolve_local(local(2026, 10, 4, 2, 30), "Australia/Sydney").is_err());
        assert!(matches!(
            resolve_local(local(2026, 1, 1, 9, 0), "Europe/Atlantis"),
            Err(ScheduleError::UnknownTimeZone(_))
        ));
    }

    #[test]
    fn one_local_time_gives_each_account_its_own_instant() {
        let mk = |tz: &str| ResolvedTarget {
            account_id: chancery_model::accounts::AccountId(uuid::Uuid::nil()),
            network: chancery_model::accounts::Network::X,
            handle: tz.into(),
            group_id: chancery_model::accounts::GroupId(uuid::Uuid::nil()),
            time_zone: tz.into(),
            send_at: None,
            schedule_note: None,
            schedule_problem: None,
        };
        let mut targets = vec![mk("Europe/Paris"), mk("Asia/Tokyo"), mk("America/New_York")];
        apply_schedule(
            &Schedule::LocalTime {
                local: local(2026, 3, 29, 2, 30),
            },
            &mut targets,
        );
        assert!(targets[0].schedule_problem.is_some() && targets[0].send_at.is_none());
        assert_eq!(targets[1].send_at, Some(utc("2026-03-28T17:30:00Z")));
        assert_eq!(targets[2].send_at, Some(utc("2026-03-29T06:30:00Z")));
        apply_schedule(
            &Schedule::At {
                instant: utc("2026-05-01T08:00:00Z"),
            },
            &mut targets,
        );
        assert!(targets.iter().all(
            |t| t.send_at == Some(utc("2026-05-01T08:00:00Z")) && t.schedule_problem.is_none()
        ));
        apply_schedule(&Schedule::Now, &mut targets);
        assert!(targets.iter().all(|t| t.send_at.is_none()));
    }
}
