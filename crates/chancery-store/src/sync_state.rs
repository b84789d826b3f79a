//! Sync cursors and the quarantine.

use chancery_model::accounts::AccountId;
use chancery_model::items::{CursorUpdate, QuarantineEntry, SyncCursor, SyncStream};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite, Transaction};
use uuid::Uuid;

use crate::columns::{from_ms, opt_from_ms, parse_enum, to_ms, uuid_from_blob};
use crate::error::{StoreError, StoreResult};
use crate::{raw_payload, Store};

pub(crate) async fn write_cursor(
    tx: &mut Transaction<'static, Sqlite>,
    account: AccountId,
    stream: SyncStream,
    cursor: &CursorUpdate,
    now_ms: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO sync_cursors (account_id, stream, newest_id, since_ms, backfill_position,
             horizon_reached, updated_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (account_id, stream) DO UPDATE SET
             newest_id = excluded.newest_id, since_ms = excluded.since_ms,
             backfill_position = excluded.backfill_position,
             horizon_reached = excluded.horizon_reached, updated_ms = excluded.updated_ms",
    )
    .bind(account.0.as_bytes().as_slice())
    .bind(stream.as_str())
    .bind(cursor.newest_id.as_deref())
    .bind(cursor.since.map(to_ms))
    .bind(cursor.backfill_position.as_deref())
    .bind(cursor.horizon_reached)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn cursor_from_row(row: &SqliteRow) -> StoreResult<SyncCursor> {
    Ok(SyncCursor {
        account_id: AccountId(uuid_from_blob(row.try_get::<&[u8], _>(0)?)?),
        stream: parse_enum("stream", row.try_get(1)?, SyncStream::parse)?,
        newest_id: row.try_get(2)?,
        since: opt_from_ms(row.try_get(3)?)?,
        backfill_position: row.try_get(4)?,
        horizon_reached: row.try_get(5)?,
        updated_at: from_ms(row.try_get(6)?)?,
    })
}

fn quarantine_from_row(row: &SqliteRow) -> StoreResult<QuarantineEntry> {
    Ok(QuarantineEntry {
        id: uuid_from_blob(row.try_get::<&[u8], _>(0)?)?.to_string(),
        account_id: AccountId(uuid_from_blob(row.try_get::<&[u8], _>(1)?)?),
        stream: parse_enum("stream", row.try_get(2)?, SyncStream::parse)?,
        external_id: row.try_get(3)?,
        reason: row.try_get(4)?,
        raw: raw_payload::decode(row.try_get(6)?, row.try_get(5)?)?,
        received_at: from_ms(row.try_get(7)?)?,
    })
}

impl Store {
    /// A stream's cursor, if the stream was ever synced.
    pub async fn get_cursor(
        &self,
        account: AccountId,
        stream: SyncStream,
    ) -> StoreResult<Option<SyncCursor>> {
        let row = sqlx::query(
            "SELECT account_id, stream, newest_id, since_ms, backfill_position, horizon_reached, updated_ms
             FROM sync_cursors WHERE account_id = ? AND stream = ?",
        )
        .bind(account.0.as_bytes().as_slice())
        .bind(stream.as_str())
        .fetch_optional(&self.read)
        .await?;
        row.as_ref().map(cursor_from_row).transpose()
    }

    /// All cursors of an account.
    pub async fn list_cursors(&self, account: AccountId) -> StoreResult<Vec<SyncCursor>> {
        let rows = sqlx::query(
            "SELECT account_id, stream, newest_id, since_ms, backfill_position, horizon_reached, updated_ms
             FROM sync_cursors WHERE account_id = ? ORDER BY stream",
        )
        .bind(account.0.as_bytes().as_slice())
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(cursor_from_row).collect()
    }

    /// Quarantined payloads, newest first (of one account, or of all).
    pub async fn list_quarantine(
        &self,
        account: Option<AccountId>,
        limit: u32,
    ) -> StoreResult<Vec<QuarantineEntry>> {
        let rows = sqlx::query(
            "SELECT id, account_id, stream, external_id, reason, raw, raw_format, received_ms
             FROM quarantine WHERE ?1 IS NULL OR account_id = ?1
             ORDER BY received_ms DESC, id DESC LIMIT ?2",
        )
        .bind(account.map(|a| a.0.as_bytes().to_vec()))
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(quarantine_from_row).collect()
    }

    /// Drop a quarantined payload (after it was looked at).
    pub async fn delete_quarantine(&self, id: &str) -> StoreResult<()> {
        let uuid = Uuid::parse_str(id)
            .map_err(|_| StoreError::NotFound(format!("quarantine entry {id}")))?;
        let done = sqlx::query("DELETE FROM quarantine WHERE id = ?")
            .bind(uuid.as_bytes().as_slice())
            .execute(&self.write)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("quarantine entry {id}")));
        }
        Ok(())
    }
}
