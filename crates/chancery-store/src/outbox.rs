//! The outbox: one row per (approved draft, target account) and its send state.
//!
//! The transitions themselves are decided in `chancery-core` (pure functions); the store
//! writes them with a compare-and-set on the state and attempt count, so two publishers (or a
//! publisher and a pause) can never both move the same entry.

use std::collections::HashMap;

use chancery_model::accounts::{AccountId, GroupId, Network};
use chancery_model::audit::AuditEntry;
use chancery_model::drafts::{DraftId, OutboxId, PauseId};
use chancery_model::outbox::{HoldReason, OutboxEntry, OutboxState};
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use crate::audit_log::{append_audit, AuditRecord};
use crate::columns::{from_ms, opt_from_ms, parse_enum, placeholders, to_ms, uuid_from_blob};
use crate::error::{StoreError, StoreResult};
use crate::registry::GroupTree;
use crate::Store;

pub(crate) const OUTBOX_COLUMNS: &str = "id, draft_id, draft_version, account_id, network, content_hash, \
     send_at_ms, state, attempts, last_error, attempt_started_ms, external_post_id, sent_ms, held_by, \
     created_ms, updated_ms, hold_reason, scheduled_ms";

pub(crate) fn outbox_from_row(row: &SqliteRow) -> StoreResult<OutboxEntry> {
    let held: Option<Vec<u8>> = row.try_get(13)?;
    let version: i64 = row.try_get(2)?;
    let attempts: i64 = row.try_get(8)?;
    let hold_reason: Option<&str> = row.try_get(16)?;
    Ok(OutboxEntry {
        id: OutboxId(uuid_from_blob(row.try_get::<&[u8], _>(0)?)?),
        draft_id: DraftId(uuid_from_blob(row.try_get::<&[u8], _>(1)?)?),
        draft_version: u32::try_from(version)
            .map_err(|_| StoreError::Corrupt(format!("version {version}")))?,
        account_id: AccountId(uuid_from_blob(row.try_get::<&[u8], _>(3)?)?),
        network: parse_enum("network", row.try_get(4)?, Network::parse)?,
        content_hash: row.try_get(5)?,
        send_at: from_ms(row.try_get(6)?)?,
        state: parse_enum("outbox state", row.try_get(7)?, OutboxState::parse)?,
        attempts: u32::try_from(attempts)
            .map_err(|_| StoreError::Corrupt(format!("attempts {attempts}")))?,
        last_error: row.try_get(9)?,
        attempt_started_at: opt_from_ms(row.try_get(10)?)?,
        external_post_id: row.try_get(11)?,
        sent_at: opt_from_ms(row.try_get(12)?)?,
        held_by: held
            .as_deref()
            .map(uuid_from_blob)
            .transpose()?
            .map(PauseId),
        hold_reason: hold_reason
            .map(|r| parse_enum("hold reason", r, HoldReason::parse))
            .transpose()?,
        scheduled_at: from_ms(row.try_get(17)?)?,
        created_at: from_ms(row.try_get(14)?)?,
        updated_at: from_ms(row.try_get(15)?)?,
    })
}

pub(crate) async fn insert_outbox_entry(
    conn: &mut SqliteConnection,
    e: &OutboxEntry,
) -> StoreResult<()> {
    let sql = format!(
        "INSERT INTO outbox ({OUTBOX_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(e.id.0.as_bytes().as_slice())
        .bind(e.draft_id.0.as_bytes().as_slice())
        .bind(i64::from(e.draft_version))
        .bind(e.account_id.0.as_bytes().as_slice())
        .bind(e.network.as_str())
        .bind(&e.content_hash)
        .bind(to_ms(e.send_at))
        .bind(e.state.as_str())
        .bind(i64::from(e.attempts))
        .bind(&e.last_error)
        .bind(e.attempt_started_at.map(to_ms))
        .bind(&e.external_post_id)
        .bind(e.sent_at.map(to_ms))
        .bind(e.held_by.map(|p| p.0.as_bytes().to_vec()))
        .bind(to_ms(e.created_at))
        .bind(to_ms(e.updated_at))
        .bind(e.hold_reason.map(HoldReason::as_str))
        .bind(to_ms(e.scheduled_at))
        .execute(&mut *conn)
        .await
        .map_err(|err| match &err {
            sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(format!(
                "the draft is already queued (or sent) for account {}; it is never queued twice",
                e.account_id
            )),
            _ => err.into(),
        })?;
    Ok(())
}

/// Write `e` over the row if it is still in `expected_state` with `expected_attempts`.
pub(crate) async fn cas_outbox_entry(
    conn: &mut SqliteConnection,
    e: &OutboxEntry,
    expected_state: OutboxState,
    expected_attempts: u32,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE outbox SET state = ?, attempts = ?, last_error = ?, attempt_started_ms = ?,
             external_post_id = ?, sent_ms = ?, held_by = ?, send_at_ms = ?, updated_ms = ?,
             hold_reason = ?, scheduled_ms = ?
         WHERE id = ? AND state = ? AND attempts = ?",
    )
    .bind(e.state.as_str())
    .bind(i64::from(e.attempts))
    .bind(&e.last_error)
    .bind(e.attempt_started_at.map(to_ms))
    .bind(&e.external_post_id)
    .bind(e.sent_at.map(to_ms))
    .bind(e.held_by.map(|p| p.0.as_bytes().to_vec()))
    .bind(to_ms(e.send_at))
    .bind(to_ms(e.updated_at))
    .bind(e.hold_reason.map(HoldReason::as_str))
    .bind(to_ms(e.scheduled_at))
    .bind(e.id.0.as_bytes().as_slice())
    .bind(expected_state.as_str())
    .bind(i64::from(expected_attempts))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Which outbox entries to list.
#[derive(Debug, Clone, Default)]
pub struct OutboxFilter {
    pub draft: Option<DraftId>,
    pub account: Option<AccountId>,
    pub states: Vec<OutboxState>,
    pub held_by: Option<PauseId>,
}

impl Store {
    pub async fn get_outbox_entry(&self, id: OutboxId) -> StoreResult<Option<OutboxEntry>> {
        let sql = format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE id = ?");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.0.as_bytes().as_slice())
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(outbox_from_row).transpose()
    }

    /// Outbox entries, by send time.
    pub async fn list_outbox(&self, filter: &OutboxFilter) -> StoreResult<Vec<OutboxEntry>> {
        let mut sql = format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE 1 = 1");
        if filter.draft.is_some() {
            sql.push_str(" AND draft_id = ?");
        }
        if filter.account.is_some() {
            sql.push_str(" AND account_id = ?");
        }
        if filter.held_by.is_some() {
            sql.push_str(" AND held_by = ?");
        }
        if !filter.states.is_empty() {
            sql.push_str(&format!(
                " AND state IN ({})",
                placeholders(filter.states.len())
            ));
        }
        sql.push_str(" ORDER BY send_at_ms, id");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        if let Some(d) = filter.draft {
            q = q.bind(d.0.as_bytes().to_vec());
        }
        if let Some(a) = filter.account {
            q = q.bind(a.0.as_bytes().to_vec());
        }
        if let Some(p) = filter.held_by {
            q = q.bind(p.0.as_bytes().to_vec());
        }
        for s in &filter.states {
            q = q.bind(s.as_str());
        }
        let rows = q.fetch_all(&self.read).await?;
        rows.iter().map(outbox_from_row).collect()
    }

    /// Queued entries whose time has come (`send_at <= now`), oldest first.
    pub async fn due_outbox(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<OutboxEntry>> {
        let sql = format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE state = 'queued' AND send_at_ms <= ?
             ORDER BY send_at_ms, id LIMIT ?"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(to_ms(now))
            .bind(i64::from(limit))
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(outbox_from_row).collect()
    }

    /// Write a transition of one entry if nobody moved it meanwhile (same state and attempt
    /// count as `expected_*`), with its audit entries. Returns false when it had moved.
    pub async fn update_outbox_entry(
        &self,
        entry: &OutboxEntry,
        expected_state: OutboxState,
        expected_attempts: u32,
        audit: &[AuditRecord],
    ) -> StoreResult<(bool, Vec<AuditEntry>)> {
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await?;
        if !cas_outbox_entry(&mut tx, entry, expected_state, expected_attempts).await? {
            return Ok((false, Vec::new()));
        }
        let written = append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok((true, written))
    }

    /// Each account's group and that group's ancestors (nearest first), for pause coverage
    /// and policy lanes.
    pub async fn account_lineages(&self) -> StoreResult<HashMap<AccountId, Vec<GroupId>>> {
        let groups = self.list_groups().await?;
        let tree = GroupTree::new(&groups);
        let keys = self.account_keys().await?;
        Ok(keys
            .into_iter()
            .map(|(id, _, group, _)| (id, tree.lineage(group)))
            .collect())
    }
}
