//! Failpoints: a test can make the process die at an exact step of a send.
//!
//! `CHANCERY_FAILPOINT=publish:before_request` aborts the process (`std::process::abort`, as
//! abrupt as a power cut for everything not yet committed to SQLite) the first time the
//! publisher reaches that point; `publish:before_request@3` the third time. Several points
//! are separated by commas. Nothing happens when the variable is not set; an unknown name is
//! reported once on stderr (so a typo cannot make a crash test pass without crashing).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// The environment variable read (once, at the first failpoint reached).
pub const ENV: &str = "CHANCERY_FAILPOINT";

/// A publisher task has claimed an entry (it is `sending`); nothing was sent.
pub const AFTER_CLAIM: &str = "publish:after_claim";
/// Images are uploaded; the request that creates the post is about to leave.
pub const BEFORE_REQUEST: &str = "publish:before_request";
/// The network created the post and answered; the outcome is not recorded yet.
pub const AFTER_REQUEST_BEFORE_RECORD: &str = "publish:after_request_before_record";
/// The outcome is recorded (`sent`); the author is not told yet.
pub const AFTER_RECORD: &str = "publish:after_record";
/// Reconciliation read the account's recent posts; its finding is not recorded yet.
pub const AFTER_RECONCILE_CHECK: &str = "publish:after_reconcile_check";

/// Every failpoint, in the order a send reaches them.
pub const ALL: [&str; 5] = [
    AFTER_CLAIM,
    BEFORE_REQUEST,
    AFTER_REQUEST_BEFORE_RECORD,
    AFTER_RECORD,
    AFTER_RECONCILE_CHECK,
];

struct Armed {
    name: String,
    at: u64,
    hits: AtomicU64,
}

static ARMED: OnceLock<Vec<Armed>> = OnceLock::new();

/// Parses a spec: `name[@n]` items separated by commas (`n` from 1; default 1).
pub fn parse(spec: &str) -> Result<Vec<(String, u64)>, String> {
    let mut out = Vec::new();
    for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (name, at) = match item.split_once('@') {
            Some((n, k)) => (
                n.trim(),
                k.trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|k| *k >= 1)
                    .ok_or_else(|| format!("{item:?}: the count after @ is a number from 1"))?,
            ),
            None => (item, 1),
        };
        if !ALL.contains(&name) {
            return Err(format!(
                "unknown failpoint {name:?} (known: {})",
                ALL.join(", ")
            ));
        }
        out.push((name.to_string(), at));
    }
    Ok(out)
}

fn armed() -> &'static [Armed] {
    ARMED.get_or_init(|| {
        let Ok(spec) = std::env::var(ENV) else {
            return Vec::new();
        };
        match parse(&spec) {
            Ok(points) => points
                .into_iter()
                .map(|(name, at)| Armed {
                    name,
                    at,
                    hits: AtomicU64::new(0),
                })
                .collect(),
            Err(e) => {
                eprintln!("{ENV}: {e}; no failpoint is armed");
                Vec::new()
            }
        }
    })
}

/// The publisher reached `name`: abort the process if a failpoint is armed there for this hit.
pub fn hit(name: &str) {
    for a in armed() {
        if a.name == name {
            let n = a.hits.fetch_add(1, Ordering::SeqCst) + 1;
            if n == a.at {
                eprintln!("failpoint {name} (hit {n}): aborting the process");
                std::process::abort();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_typos_are_refused() {
        assert_eq!(
            parse("publish:before_request, publish:after_record@3").unwrap(),
            vec![
                ("publish:before_request".to_string(), 1),
                ("publish:after_record".to_string(), 3)
            ]
        );
        assert!(parse("").unwrap().is_empty());
        assert!(parse("publish:befor_request").is_err());
        assert!(parse("publish:after_claim@0").is_err());
        assert!(parse("publish:after_claim@x").is_err());
    }
}
