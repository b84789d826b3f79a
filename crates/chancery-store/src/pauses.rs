//! Crisis pauses. Starting one holds every queued entry it covers in the same transaction;
//! ending one puts back what it held (see [`HeldOutcome::decide`]).

use std::collections::HashMap;

use chancery_model::accounts::{AccountId, GroupId, PersonId};
use chancery_model::drafts::PauseId;
use chancery_model::outbox::{
    HeldEntry, HeldOutcome, HoldReason, OutboxEntry, OutboxState, Pause, PauseScope, ResumeReport,
};
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use crate::audit_log::{append_audit, AuditRecord};
use crate::columns::{from_ms, opt_from_ms, to_ms, uuid_from_blob};
use crate::error::{StoreError, StoreResult};
use crate::outbox::{cas_outbox_entry, outbox_from_row, OUTBOX_COLUMNS};
use crate::Store;

const PAUSE_COLUMNS: &str =
    "id, scope_kind, scope_id, reason, started_by, started_ms, until_ms, ended_ms, ended_by";

fn pause_from_row(row: &SqliteRow) -> StoreResult<Pause> {
    let kind: &str = row.try_get(1)?;
    let scope_id: Option<Vec<u8>> = row.try_get(2)?;
    let scope = match (kind, scope_id.as_deref()) {
        ("all", None) => PauseScope::All,
        ("group", Some(b)) => PauseScope::Group(GroupId(uuid_from_blob(b)?)),
        ("account", Some(b)) => PauseScope::Account(AccountId(uuid_from_blob(b)?)),
        _ => return Err(StoreError::Corrupt(format!("pause scope {kind}"))),
    };
    let ended_by: Option<Vec<u8>> = row.try_get(8)?;
    Ok(Pause {
        id: PauseId(uuid_from_blob(row.try_get::<&[u8], _>(0)?)?),
        scope,
        reason: row.try_get(3)?,
        started_by: PersonId(uuid_from_blob(row.try_get::<&[u8], _>(4)?)?),
        started_at: from_ms(row.try_get(5)?)?,
        until: opt_from_ms(row.try_get(6)?)?,
        ended_at: opt_from_ms(row.try_get(7)?)?,
        ended_by: ended_by
            .as_deref()
            .map(uuid_from_blob)
            .transpose()?
            .map(PersonId),
    })
}

/// Each account's group lineage (nearest first), read inside a transaction.
async fn lineages_in(conn: &mut SqliteConnection) -> StoreResult<HashMap<AccountId, Vec<GroupId>>> {
    let groups: Vec<(Vec<u8>, Option<Vec<u8>>)> =
        sqlx::query_as("SELECT id, parent_id FROM groups")
            .fetch_all(&mut *conn)
            .await?;
    let mut parent: HashMap<GroupId, Option<GroupId>> = HashMap::new();
    for (id, p) in &groups {
        parent.insert(
            GroupId(uuid_from_blob(id)?),
            p.as_deref().map(uuid_from_blob).transpose()?.map(GroupId),
        );
    }
    let accounts: Vec<(Vec<u8>, Vec<u8>)> = sqlx::query_as("SELECT id, group_id FROM accounts")
        .fetch_all(&mut *conn)
        .await?;
    let mut out = HashMap::new();
    for (id, g) in &accounts {
        let mut lineage = vec![GroupId(uuid_from_blob(g)?)];
        let mut cur = lineage[0];
        while let Some(Some(p)) = parent.get(&cur) {
            if lineage.contains(p) || lineage.len() > 64 {
                break;
            }
            lineage.push(*p);
            cur = *p;
        }
        out.insert(AccountId(uuid_from_blob(id)?), lineage);
    }
    Ok(out)
}

async fn active_pauses_in(
    conn: &mut SqliteConnection,
    now: DateTime<Utc>,
) -> StoreResult<Vec<Pause>> {
    let sql = format!(
        "SELECT {PAUSE_COLUMNS} FROM pauses WHERE ended_ms IS NULL AND (until_ms IS NULL OR until_ms > ?)
         ORDER BY started_ms, id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(to_ms(now))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(pause_from_row).collect()
}

fn with_detail(audit: &AuditRecord, key: &str, value: serde_json::Value) -> AuditRecord {
    let mut a = audit.clone();
    if let Some(obj) = a.details.as_object_mut() {
        obj.insert(key.to_string(), value);
    }
    a
}

impl Store {
    /// Start a pause and hold every queued entry it covers, in one transaction. Returns the
    /// entries now held.
    pub async fn start_pause(
        &self,
        pause: &Pause,
        audit: &AuditRecord,
    ) -> StoreResult<Vec<OutboxEntry>> {
        let (kind, scope_id) = match pause.scope {
            PauseScope::All => ("all", None),
            PauseScope::Group(g) => ("group", Some(g.0.as_bytes().to_vec())),
            PauseScope::Account(a) => ("account", Some(a.0.as_bytes().to_vec())),
        };
        if pause.reason.trim().is_empty() {
            return Err(StoreError::Invalid("a pause needs a reason".into()));
        }
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await?;
        match pause.scope {
            PauseScope::Group(g) => {
                let n: i64 = sqlx::query_scalar("SELECT count(*) FROM groups WHERE id = ?")
                    .bind(g.0.as_bytes().as_slice())
                    .fetch_one(&mut *tx)
                    .await?;
                if n == 0 {
                    return Err(StoreError::NotFound(format!("group {g}")));
                }
            }
            PauseScope::Account(a) => {
                let n: i64 = sqlx::query_scalar("SELECT count(*) FROM accounts WHERE id = ?")
                    .bind(a.0.as_bytes().as_slice())
                    .fetch_one(&mut *tx)
                    .await?;
                if n == 0 {
                    return Err(StoreError::NotFound(format!("account {a}")));
                }
            }
            PauseScope::All => {}
        }
        let sql =
            format!("INSERT INTO pauses ({PAUSE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(pause.id.0.as_bytes().as_slice())
            .bind(kind)
            .bind(scope_id)
            .bind(pause.reason.trim())
            .bind(pause.started_by.0.as_bytes().as_slice())
            .bind(to_ms(pause.started_at))
            .bind(pause.until.map(to_ms))
            .bind(pause.ended_at.map(to_ms))
            .bind(pause.ended_by.map(|p| p.0.as_bytes().to_vec()))
            .execute(&mut *tx)
            .await?;
        let lineages = lineages_in(&mut tx).await?;
        let sql = format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE state = 'queued'");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut *tx)
            .await?;
        let mut held = Vec::new();
        for row in &rows {
            let mut e = outbox_from_row(row)?;
            let lineage = lineages
                .get(&e.account_id)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            if !pause.scope.covers(e.account_id, lineage) {
                continue;
            }
            let attempts = e.attempts;
            e.state = OutboxState::Held;
            e.held_by = Some(pause.id);
            e.hold_reason = Some(HoldReason::Pause);
            e.updated_at = pause.started_at;
            if cas_outbox_entry(&mut tx, &e, OutboxState::Queued, attempts).await? {
                held.push(e);
            }
        }
        let ids: Vec<String> = held.iter().map(|e| e.id.to_string()).collect();
        let audit = with_detail(audit, "heldOutboxIds", serde_json::json!(ids));
        append_audit(&mut tx, std::slice::from_ref(&audit)).await?;
        tx.commit().await?;
        Ok(held)
    }

    /// End a pause (`ended_by` `None`: it ended by itself at `now`) and put back what it
    /// held: entries another pause covers stay held (by that pause); entries whose time is
    /// still ahead go back in the queue; entries whose time passed stay held for a person to
    /// release or cancel.
    pub async fn end_pause(
        &self,
        id: PauseId,
        ended_by: Option<PersonId>,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StoreResult<ResumeReport> {
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await?;
        let sql = format!("SELECT {PAUSE_COLUMNS} FROM pauses WHERE id = ?");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.0.as_bytes().as_slice())
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            return Err(StoreError::NotFound(format!("pause {id}")));
        };
        let mut pause = pause_from_row(&row)?;
        if pause.ended_at.is_some() {
            return Err(StoreError::Conflict("this pause has already ended".into()));
        }
        pause.ended_at = Some(now);
        pause.ended_by = ended_by;
        sqlx::query("UPDATE pauses SET ended_ms = ?, ended_by = ? WHERE id = ?")
            .bind(to_ms(now))
            .bind(ended_by.map(|p| p.0.as_bytes().to_vec()))
            .bind(id.0.as_bytes().as_slice())
            .execute(&mut *tx)
            .await?;
        let others: Vec<Pause> = active_pauses_in(&mut tx, now)
            .await?
            .into_iter()
            .filter(|p| p.id != id)
            .collect();
        let lineages = lineages_in(&mut tx).await?;
        let sql = format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE held_by = ? AND state = 'held' ORDER BY send_at_ms, id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.0.as_bytes().as_slice())
            .fetch_all(&mut *tx)
            .await?;
        let mut held = Vec::new();
        for row in &rows {
            let mut e = outbox_from_row(row)?;
            let lineage = lineages
                .get(&e.account_id)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let other = others
                .iter()
                .find(|p| p.scope.covers(e.account_id, lineage));
            let outcome = HeldOutcome::decide(e.send_at, now, other.is_some());
            let attempts = e.attempts;
            match outcome {
                HeldOutcome::StillPaused => {
                    e.held_by = other.map(|p| p.id);
                    e.updated_at = now;
                    cas_outbox_entry(&mut tx, &e, OutboxState::Held, attempts).await?;
                }
                HeldOutcome::Requeued => {
                    e.state = OutboxState::Queued;
                    e.held_by = None;
                    e.hold_reason = None;
                    e.updated_at = now;
                    cas_outbox_entry(&mut tx, &e, OutboxState::Held, attempts).await?;
                }
                HeldOutcome::StillHeldPastTime => {}
            }
            held.push(HeldEntry { entry: e, outcome });
        }
        let summary: Vec<serde_json::Value> = held
            .iter()
            .map(|h| serde_json::json!({"outboxId": h.entry.id.to_string(), "outcome": h.outcome}))
            .collect();
        let audit = with_detail(audit, "held", serde_json::Value::Array(summary));
        append_audit(&mut tx, std::slice::from_ref(&audit)).await?;
        tx.commit().await?;
        Ok(ResumeReport { pause, held })
    }

    pub async fn get_pause(&self, id: PauseId) -> StoreResult<Option<Pause>> {
        let sql = format!("SELECT {PAUSE_COLUMNS} FROM pauses WHERE id = ?");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.0.as_bytes().as_slice())
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(pause_from_row).transpose()
    }

    /// Pauses on at `now`, oldest first.
    pub async fn active_pauses(&self, now: DateTime<Utc>) -> StoreResult<Vec<Pause>> {
        let mut conn = self.read.acquire().await?;
        active_pauses_in(&mut conn, now).await
    }

    /// Pauses not marked ended whose `until` has passed (to be ended by the system).
    pub async fn lapsed_pauses(&self, now: DateTime<Utc>) -> StoreResult<Vec<Pause>> {
        let sql = format!(
            "SELECT {PAUSE_COLUMNS} FROM pauses WHERE ended_ms IS NULL AND until_ms IS NOT NULL AND until_ms <= ?
             ORDER BY until_ms, id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(to_ms(now))
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(pause_from_row).collect()
    }

    /// Every pause, newest first.
    pub async fn list_pauses(&self) -> StoreResult<Vec<Pause>> {
        let sql = format!("SELECT {PAUSE_COLUMNS} FROM pauses ORDER BY started_ms DESC, id DESC");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(pause_from_row).collect()
    }
}
