//! The request log: every write kept, reads in a bounded ring; counters per endpoint and status.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::endpoint::Endpoint;

/// One request the sandbox received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// Order of arrival, from 1.
    pub seq: u64,
    /// Real time received (RFC 3339).
    pub at: String,
    /// Virtual time received (RFC 3339).
    pub virtual_at: String,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// Endpoint name, e.g. `x.create_tweet`.
    pub endpoint: String,
    /// The account the token belongs to (X user id or Page id), if any.
    pub account_id: Option<String>,
    /// `x_user`, `x_app`, `fb_user`, `fb_page`, `x_refresh`.
    pub token_kind: Option<String>,
    pub status: u16,
    pub duration_ms: f64,
    /// Request body (writes only), lossy UTF-8, at most 64 KiB.
    pub body: Option<String>,
    /// The fault injected, if any.
    pub fault: Option<String>,
}

impl RecordedRequest {
    pub fn is_write(&self) -> bool {
        !matches!(self.method.as_str(), "GET" | "HEAD" | "OPTIONS")
    }
}

/// A filter for [`crate::Sandbox::requests_matching`] and `GET /__sandbox/requests`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RequestQuery {
    /// Only requests with `seq` greater than this.
    pub since_seq: Option<u64>,
    pub method: Option<String>,
    pub endpoint: Option<String>,
    pub path_prefix: Option<String>,
    pub account_id: Option<String>,
    pub writes_only: Option<bool>,
    pub limit: Option<usize>,
}

/// Counters per endpoint and status.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub total: u64,
    /// endpoint → status → count.
    pub by_endpoint: BTreeMap<String, BTreeMap<String, u64>>,
}

pub(crate) struct RequestLog {
    seq: AtomicU64,
    capacity: usize,
    writes: Mutex<Vec<RecordedRequest>>,
    reads: Mutex<VecDeque<RecordedRequest>>,
    counters: Mutex<HashMap<(Endpoint, u16), u64>>,
}

impl RequestLog {
    pub(crate) fn new(capacity: usize) -> Self {
        RequestLog {
            seq: AtomicU64::new(0),
            capacity,
            writes: Mutex::new(Vec::new()),
            reads: Mutex::new(VecDeque::with_capacity(capacity.min(65_536))),
            counters: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::Relaxed) + 1
    }

    pub(crate) fn count(&self, ep: Endpoint, status: u16) {
        if let Ok(mut c) = self.counters.lock() {
            *c.entry((ep, status)).or_insert(0) += 1;
        }
    }

    pub(crate) fn wants_read(&self) -> bool {
        self.capacity > 0
    }

    pub(crate) fn record(&self, r: RecordedRequest) {
        if r.is_write() {
            if let Ok(mut w) = self.writes.lock() {
                w.push(r);
            }
        } else if self.capacity > 0 {
            if let Ok(mut q) = self.reads.lock() {
                if q.len() >= self.capacity {
                    q.pop_front();
                }
                q.push_back(r);
            }
        }
    }

    pub(crate) fn query(&self, q: &RequestQuery) -> Vec<RecordedRequest> {
        let mut out: Vec<RecordedRequest> = Vec::new();
        let keep = |r: &RecordedRequest| {
            q.since_seq.is_none_or(|s| r.seq > s)
                && q.method
                    .as_ref()
                    .is_none_or(|m| r.method.eq_ignore_ascii_case(m))
                && q.endpoint.as_ref().is_none_or(|e| &r.endpoint == e)
                && q.path_prefix
                    .as_ref()
                    .is_none_or(|p| r.path.starts_with(p.as_str()))
                && q.account_id
                    .as_ref()
                    .is_none_or(|a| r.account_id.as_ref() == Some(a))
        };
        if let Ok(w) = self.writes.lock() {
            out.extend(w.iter().filter(|r| keep(r)).cloned());
        }
        if !q.writes_only.unwrap_or(false) {
            if let Ok(rd) = self.reads.lock() {
                out.extend(rd.iter().filter(|r| keep(r)).cloned());
            }
        }
        out.sort_by_key(|r| r.seq);
        if let Some(limit) = q.limit {
            if out.len() > limit {
                out.drain(..out.len() - limit);
            }
        }
        out
    }

    pub(crate) fn stats(&self) -> Stats {
        let mut s = Stats::default();
        if let Ok(c) = self.counters.lock() {
            for ((ep, status), n) in c.iter() {
                s.total += n;
                *s.by_endpoint
                    .entry(ep.name().to_string())
                    .or_default()
                    .entry(status.to_string())
                    .or_insert(0) += n;
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(seq: u64, method: &str) -> RecordedRequest {
        RecordedRequest {
            seq,
            at: String::new(),
            virtual_at: String::new(),
            method: method.into(),
            path: "/2/tweets".into(),
            query: None,
            endpoint: "x.create_tweet".into(),
            account_id: None,
            token_kind: None,
            status: 201,
            duration_ms: 0.0,
            body: None,
            fault: None,
        }
    }

    #[test]
    fn keeps_every_write_and_a_ring_of_reads() {
        let log = RequestLog::new(3);
        for i in 1..=10 {
            log.record(rec(i, if i % 2 == 0 { "POST" } else { "GET" }));
        }
        let all = log.query(&RequestQuery::default());
        assert_eq!(all.iter().filter(|r| r.is_write()).count(), 5);
        assert_eq!(all.iter().filter(|r| !r.is_write()).count(), 3);
        assert!(all.windows(2).all(|w| w[0].seq < w[1].seq));
    }
}
