//! Fixed-window rate limits, in real time (a window of W virtual minutes lasts W / time_scale).

use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RateState {
    pub(crate) limit: u64,
    pub(crate) remaining: u64,
    /// Real Unix ms when the window resets.
    pub(crate) reset_ms: i64,
    pub(crate) exceeded: bool,
    /// Calls made in the window (including this one).
    pub(crate) used: u64,
}

struct Window {
    start_ms: i64,
    count: u64,
}

pub(crate) struct RateLimiter {
    enabled: bool,
    windows: Mutex<HashMap<(u32, u64), Window>>,
}

impl RateLimiter {
    pub(crate) fn new(enabled: bool) -> Self {
        RateLimiter {
            enabled,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Count one call for `(bucket, subject)` against `limit` per `window_ms` (real). A call over
    /// the limit is refused and not counted.
    pub(crate) fn hit(
        &self,
        bucket: u32,
        subject: u64,
        limit: u64,
        window_ms: i64,
        now_ms: i64,
    ) -> RateState {
        if !self.enabled {
            return RateState {
                limit,
                remaining: limit.saturating_sub(1),
                reset_ms: now_ms + window_ms,
                exceeded: false,
                used: 1,
            };
        }
        let Ok(mut g) = self.windows.lock() else {
            return RateState {
                limit,
                remaining: limit,
                reset_ms: now_ms + window_ms,
                exceeded: false,
                used: 0,
            };
        };
        let w = g.entry((bucket, subject)).or_insert(Window {
            start_ms: now_ms,
            count: 0,
        });
        if now_ms >= w.start_ms + window_ms {
            w.start_ms = now_ms;
            w.count = 0;
        }
        let exceeded = w.count >= limit;
        if !exceeded {
            w.count += 1;
        }
        RateState {
            limit,
            remaining: limit.saturating_sub(w.count),
            reset_ms: w.start_ms + window_ms,
            exceeded,
            used: w.count + u64::from(exceeded),
        }
    }

    /// The current state without counting a call.
    pub(crate) fn peek(
        &self,
        bucket: u32,
        subject: u64,
        limit: u64,
        window_ms: i64,
        now_ms: i64,
    ) -> RateState {
        let (count, start) = self
            .windows
            .lock()
            .ok()
            .and_then(|g| g.get(&(bucket, subject)).map(|w| (w.count, w.start_ms)))
            .filter(|(_, s)| now_ms < s + window_ms)
            .unwrap_or((0, now_ms));
        RateState {
            limit,
            remaining: limit.saturating_sub(count),
            reset_ms: start + window_ms,
            exceeded: count >= limit,
            used: count,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_fills_and_resets() {
        let r = RateLimiter::new(true);
        for i in 0..3 {
            let s = r.hit(1, 9, 3, 1000, 10);
            assert!(!s.exceeded);
            assert_eq!(s.remaining, 2 - i);
        }
        let s = r.hit(1, 9, 3, 1000, 500);
        assert!(s.exceeded);
        assert_eq!(s.reset_ms, 1010);
        assert!(!r.hit(1, 9, 3, 1000, 1010).exceeded);
        assert!(!r.hit(1, 8, 3, 1000, 500).exceeded);
    }
}
