//! The sandbox clock: real time for everything a client waits for, virtual time for content.
//!
//! virtual = virtual_start + elapsed_real × time_scale. At scale 1 the two coincide.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone)]
pub(crate) struct Clock {
    real_start: Instant,
    real_start_unix_ms: i64,
    virtual_start_ms: i64,
    scale: f64,
}

impl Clock {
    pub(crate) fn new(virtual_start_ms: Option<i64>, scale: f64) -> Self {
        let real_start_unix_ms = system_unix_ms();
        Clock {
            real_start: Instant::now(),
            real_start_unix_ms,
            virtual_start_ms: virtual_start_ms.unwrap_or(real_start_unix_ms),
            scale,
        }
    }

    pub(crate) fn scale(&self) -> f64 {
        self.scale
    }

    /// Real wall-clock time (Unix ms), monotonic since start.
    pub(crate) fn real_now_ms(&self) -> i64 {
        self.real_start_unix_ms + self.real_start.elapsed().as_millis() as i64
    }

    /// The sandbox's virtual time (Unix ms).
    pub(crate) fn virtual_now_ms(&self) -> i64 {
        let el = self.real_start.elapsed().as_secs_f64() * 1000.0 * self.scale;
        self.virtual_start_ms + el as i64
    }

    pub(crate) fn virtual_start_ms(&self) -> i64 {
        self.virtual_start_ms
    }

    /// A virtual duration expressed in real milliseconds (at least 1 ms).
    pub(crate) fn real_ms_for_virtual(&self, virtual_ms: i64) -> i64 {
        ((virtual_ms as f64 / self.scale).round() as i64).max(1)
    }
}

pub(crate) fn system_unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
