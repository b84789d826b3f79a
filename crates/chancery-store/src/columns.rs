//! Conversions between model values and their column representations (ids as 16-byte BLOBs,
//! times as INTEGER milliseconds UTC, enums as their snake_case names).

use chrono::{DateTime, TimeZone, Utc};
use uuid::Uuid;

use crate::error::{StoreError, StoreResult};

pub(crate) fn to_ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn from_ms(ms: i64) -> StoreResult<DateTime<Utc>> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .ok_or_else(|| StoreError::Corrupt(format!("time {ms} ms is out of range")))
}

pub(crate) fn opt_from_ms(ms: Option<i64>) -> StoreResult<Option<DateTime<Utc>>> {
    ms.map(from_ms).transpose()
}

pub(crate) fn uuid_from_blob(bytes: &[u8]) -> StoreResult<Uuid> {
    Uuid::from_slice(bytes).map_err(|_| StoreError::Corrupt(format!("id of {} bytes", bytes.len())))
}

pub(crate) fn opt_uuid_from_blob(bytes: Option<Vec<u8>>) -> StoreResult<Option<Uuid>> {
    bytes.as_deref().map(uuid_from_blob).transpose()
}

/// Parse a stored enum name with the model's `parse`.
pub(crate) fn parse_enum<T>(what: &str, s: &str, parse: fn(&str) -> Option<T>) -> StoreResult<T> {
    parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown {what} {s:?}")))
}

/// Counts cross IPC as u32; SQLite gives i64.
pub(crate) fn count_u32(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// `?, ?, ?` with `n` placeholders.
pub(crate) fn placeholders(n: usize) -> String {
    let mut s = String::with_capacity(n * 3);
    for i in 0..n {
        if i > 0 {
            s.push_str(", ");
        }
        s.push('?');
    }
    s
}
