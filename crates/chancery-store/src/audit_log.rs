//! The audit trail: an append-only, hash-chained log.
//!
//! Each entry's hash is the SHA-256 of a canonical, length-prefixed encoding of all its other
//! fields, including the previous entry's hash ([`audit_entry_hash`]). Entries are appended
//! inside the same `BEGIN IMMEDIATE` transaction as the action they record, so an action and
//! its entry commit together or not at all, and two writers (even two processes) cannot both
//! extend the same head: SQLite's write lock serialises them and `UNIQUE (prev_hash)` makes a
//! fork impossible.
//!
//! `audit_head` keeps the last `(seq, hash)`; [`Store::verify_audit_log`] checks every link
//! and the head, and names the first entry that does not check out. An attacker who rewrites
//! the whole chain from some point on (and the head) is only caught against a copy of the head
//! hash kept elsewhere: `verify` prints it so records officers can write it down.

use chancery_model::accounts::PersonId;
use chancery_model::audit::{AuditBreak, AuditEntry, AuditVerification};
use chancery_model::drafts::AuditEntryId;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use crate::columns::{from_ms, to_ms, uuid_from_blob};
use crate::error::{StoreError, StoreResult};
use crate::Store;

/// `prev_hash` of the first entry.
pub const AUDIT_GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What an action hands over to be recorded (the store adds the chain fields).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub at: DateTime<Utc>,
    pub actor_id: Option<PersonId>,
    /// The actor's display name now (`system` for the system).
    pub actor_name: String,
    /// e.g. `draft.approved`.
    pub action: String,
    pub subject_kind: String,
    pub subject_id: String,
    pub content_hash: Option<String>,
    /// A JSON object; stored and hashed exactly as given.
    pub details: serde_json::Value,
}

fn put_bytes(h: &mut Sha256, b: &[u8]) {
    h.update((b.len() as u64).to_be_bytes());
    h.update(b);
}

fn put_opt(h: &mut Sha256, b: Option<&[u8]>) {
    match b {
        None => h.update([0u8]),
        Some(b) => {
            h.update([1u8]);
            put_bytes(h, b);
        }
    }
}

/// The hash of an entry: SHA-256 over `chancery-audit-v1`, then each field in a fixed order,
/// each length-prefixed (u64 big-endian), optional fields with a presence byte. `entry_hash`
/// itself is not part of it.
pub fn audit_entry_hash(e: &AuditEntry) -> String {
    let mut h = Sha256::new();
    put_bytes(&mut h, b"chancery-audit-v1");
    h.update(e.seq.to_be_bytes());
    h.update(e.id.0.as_bytes());
    h.update(e.at.timestamp_millis().to_be_bytes());
    put_opt(
        &mut h,
        e.actor_id.as_ref().map(|p| p.0.as_bytes().as_slice()),
    );
    put_bytes(&mut h, e.actor_name.as_bytes());
    put_bytes(&mut h, e.action.as_bytes());
    put_bytes(&mut h, e.subject_kind.as_bytes());
    put_bytes(&mut h, e.subject_id.as_bytes());
    put_opt(&mut h, e.content_hash.as_deref().map(str::as_bytes));
    put_bytes(&mut h, e.details.as_bytes());
    put_bytes(&mut h, e.prev_hash.as_bytes());
    hex::encode(h.finalize())
}

const AUDIT_COLUMNS: &str =
    "seq, id, at_ms, actor_id, actor_name, action, subject_kind, subject_id, \
     content_hash, details, prev_hash, entry_hash";

fn audit_from_row(row: &SqliteRow) -> StoreResult<AuditEntry> {
    let seq: i64 = row.try_get(0)?;
    let actor: Option<Vec<u8>> = row.try_get(3)?;
    Ok(AuditEntry {
        seq: u64::try_from(seq).map_err(|_| StoreError::Corrupt(format!("audit seq {seq}")))?,
        id: AuditEntryId(uuid_from_blob(row.try_get::<&[u8], _>(1)?)?),
        at: from_ms(row.try_get(2)?)?,
        actor_id: actor
            .as_deref()
            .map(uuid_from_blob)
            .transpose()?
            .map(PersonId),
        actor_name: row.try_get(4)?,
        action: row.try_get(5)?,
        subject_kind: row.try_get(6)?,
        subject_id: row.try_get(7)?,
        content_hash: row.try_get(8)?,
        details: row.try_get(9)?,
        prev_hash: row.try_get(10)?,
        entry_hash: row.try_get(11)?,
    })
}

/// Append `records` to the chain inside the caller's transaction.
pub(crate) async fn append_audit(
    conn: &mut SqliteConnection,
    records: &[AuditRecord],
) -> StoreResult<Vec<AuditEntry>> {
    if records.is_empty() {
        return Ok(Vec::new());
    }
    let last: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, entry_hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await?;
    let (mut seq, mut prev) = match last {
        Some((s, h)) => (u64::try_from(s).unwrap_or(0), h),
        None => (0, AUDIT_GENESIS.to_string()),
    };
    let mut out = Vec::with_capacity(records.len());
    for r in records {
        if !r.details.is_object() {
            return Err(StoreError::Invalid(
                "audit details must be a JSON object".into(),
            ));
        }
        seq += 1;
        let mut entry = AuditEntry {
            id: AuditEntryId::new_v7(r.at),
            seq,
            at: r.at,
            actor_id: r.actor_id,
            actor_name: r.actor_name.clone(),
            action: r.action.clone(),
            subject_kind: r.subject_kind.clone(),
            subject_id: r.subject_id.clone(),
            content_hash: r.content_hash.clone(),
            details: r.details.to_string(),
            prev_hash: prev.clone(),
            entry_hash: String::new(),
        };
        entry.entry_hash = audit_entry_hash(&entry);
        let sql = format!(
            "INSERT INTO audit_log ({AUDIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(i64::try_from(entry.seq).unwrap_or(i64::MAX))
            .bind(entry.id.0.as_bytes().as_slice())
            .bind(to_ms(entry.at))
            .bind(entry.actor_id.map(|p| p.0.as_bytes().to_vec()))
            .bind(&entry.actor_name)
            .bind(&entry.action)
            .bind(&entry.subject_kind)
            .bind(&entry.subject_id)
            .bind(&entry.content_hash)
            .bind(&entry.details)
            .bind(&entry.prev_hash)
            .bind(&entry.entry_hash)
            .execute(&mut *conn)
            .await?;
        prev = entry.entry_hash.clone();
        out.push(entry);
    }
    sqlx::query(
        "INSERT INTO audit_head (one, seq, entry_hash) VALUES (1, ?, ?)
         ON CONFLICT (one) DO UPDATE SET seq = excluded.seq, entry_hash = excluded.entry_hash",
    )
    .bind(i64::try_from(seq).unwrap_or(i64::MAX))
    .bind(&prev)
    .execute(&mut *conn)
    .await?;
    Ok(out)
}

/// Entries read per query while verifying or exporting.
const AUDIT_PAGE: i64 = 1000;

impl Store {
    /// Append entries on their own (an action with no other write, e.g. a policy export).
    pub async fn append_audit(&self, records: &[AuditRecord]) -> StoreResult<Vec<AuditEntry>> {
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await?;
        let out = append_audit(&mut tx, records).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Up to `limit` entries after chain position `after_seq`, in order.
    pub async fn audit_entries(&self, after_seq: u64, limit: u32) -> StoreResult<Vec<AuditEntry>> {
        let sql =
            format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(i64::try_from(after_seq).unwrap_or(i64::MAX))
            .bind(i64::from(limit))
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(audit_from_row).collect()
    }

    /// The entries about one subject (e.g. a draft), in order.
    pub async fn audit_entries_for(
        &self,
        subject_kind: &str,
        subject_id: &str,
    ) -> StoreResult<Vec<AuditEntry>> {
        let sql = format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE subject_kind = ? AND subject_id = ? ORDER BY seq"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(subject_kind)
            .bind(subject_id)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(audit_from_row).collect()
    }

    /// Check the whole chain: positions 1, 2, 3... without gaps, each entry's hash over its
    /// fields, each link to the previous hash, and the head. Reports the first entry that
    /// does not check out. Reads in one read transaction, so a concurrent append is not seen
    /// half-done.
    pub async fn verify_audit_log(&self) -> StoreResult<AuditVerification> {
        let mut conn = self.read.acquire().await?;
        sqlx::query("BEGIN").execute(&mut *conn).await?;
        let result = verify_in(&mut conn).await;
        // A read transaction: nothing to commit, ending it is enough.
        sqlx::query("ROLLBACK").execute(&mut *conn).await?;
        result
    }
}

async fn verify_in(conn: &mut SqliteConnection) -> StoreResult<AuditVerification> {
    let mut expected_seq: u64 = 1;
    let mut prev = AUDIT_GENESIS.to_string();
    let mut checked: u64 = 0;
    let bad = |seq: u64, problem: String, checked: u64, head: Option<String>| AuditVerification {
        ok: false,
        entries_checked: checked,
        head_hash: head,
        first_bad: Some(AuditBreak { seq, problem }),
    };
    let mut after: i64 = i64::MIN;
    loop {
        let sql =
            format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(after)
            .bind(AUDIT_PAGE)
            .fetch_all(&mut *conn)
            .await?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            let seq: i64 = row.try_get(0)?;
            after = seq;
            let entry = match audit_from_row(row) {
                Ok(e) => e,
                Err(e) => {
                    return Ok(bad(
                        u64::try_from(seq).unwrap_or(0),
                        format!("entry {seq} cannot be read: {e}"),
                        checked,
                        None,
                    ))
                }
            };
            if entry.seq != expected_seq {
                let problem = if entry.seq > expected_seq {
                    format!(
                        "entry {expected_seq} is missing (the next one is {}): entries were deleted",
                        entry.seq
                    )
                } else {
                    format!("entry {} is out of order", entry.seq)
                };
                return Ok(bad(expected_seq, problem, checked, None));
            }
            if audit_entry_hash(&entry) != entry.entry_hash {
                return Ok(bad(
                    entry.seq,
                    format!(
                        "entry {} ({} by {} at {}) does not match its hash: it was changed after it was written",
                        entry.seq,
                        entry.action,
                        entry.actor_name,
                        entry.at.to_rfc3339()
                    ),
                    checked,
                    None,
                ));
            }
            if entry.prev_hash != prev {
                return Ok(bad(
                    entry.seq,
                    format!(
                        "entry {} does not follow entry {}: an entry before it was deleted, inserted or replaced",
                        entry.seq,
                        entry.seq - 1
                    ),
                    checked,
                    None,
                ));
            }
            prev = entry.entry_hash;
            checked += 1;
            expected_seq += 1;
        }
    }
    let head: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, entry_hash FROM audit_head WHERE one = 1")
            .fetch_optional(&mut *conn)
            .await?;
    let last_hash = (checked > 0).then(|| prev.clone());
    match head {
        None if checked == 0 => {}
        None => {
            return Ok(bad(
                checked,
                "the head record is missing".into(),
                checked,
                last_hash,
            ));
        }
        Some((hseq, hhash)) => {
            let hseq_u = u64::try_from(hseq).unwrap_or(0);
            if hseq_u != checked || hhash != prev {
                let problem = if hseq_u > checked {
                    format!(
                        "the log ends at entry {checked} but entry {hseq_u} was written: entries were deleted from the end"
                    )
                } else {
                    format!(
                        "the log ends at entry {checked} but the head records entry {hseq_u}: entries were added or replaced outside Chancery"
                    )
                };
                return Ok(bad(checked + 1, problem, checked, last_hash));
            }
        }
    }
    Ok(AuditVerification {
        ok: true,
        entries_checked: checked,
        head_hash: last_hash,
        first_bad: None,
    })
}
