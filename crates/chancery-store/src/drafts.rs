//! Drafts (head + immutable versions), workflow decisions and approval policies.
//!
//! Every change to a draft goes through [`Store::commit_draft_change`]: the new head, an
//! optional new version, an optional decision, outbox entries to queue or cancel, and the
//! audit entries, all in one transaction, guarded by the draft's `rev` (a change made from a
//! stale copy is refused, not merged).

use chancery_model::accounts::{GroupId, PersonId};
use chancery_model::approvals::{
    ApprovalPolicy, ApprovalScope, ApprovalStep, Decision, DecisionKind, LaneStep,
};
use chancery_model::audit::AuditEntry;
use chancery_model::drafts::{
    DecisionId, Draft, DraftContent, DraftId, DraftKind, DraftState, DraftSummary, DraftVersion,
    ResolvedTarget,
};
use chancery_model::outbox::OutboxEntry;
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use crate::audit_log::{append_audit, AuditRecord};
use crate::columns::{from_ms, parse_enum, to_ms, uuid_from_blob};
use crate::error::{StoreError, StoreResult};
use crate::outbox::insert_outbox_entry;
use crate::Store;

/// One atomic change to a draft.
#[derive(Debug, Clone, Copy)]
pub struct DraftChange<'a> {
    /// The head after the change (its `rev` must be `expected_rev + 1`, or 1 for a new draft).
    pub draft: &'a Draft,
    /// `None` creates the draft.
    pub expected_rev: Option<u32>,
    /// A new version to record (its number must be the head's `version`).
    pub new_version: Option<&'a DraftVersion>,
    pub decision: Option<&'a Decision>,
    /// Outbox entries to queue.
    pub enqueue: &'a [OutboxEntry],
    /// Cancel the draft's queued and held outbox entries; refused if any is being sent or
    /// was sent.
    pub cancel_pending_outbox: bool,
    pub audit: &'a [AuditRecord],
}

/// Which drafts to list.
#[derive(Debug, Clone, Default)]
pub struct DraftFilter {
    pub states: Vec<DraftState>,
    pub author: Option<PersonId>,
    pub limit: Option<u32>,
}

fn json_err(what: &str, e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

fn to_u32(v: i64, what: &str) -> StoreResult<u32> {
    u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("{what} {v}")))
}

const DRAFT_SELECT: &str =
    "SELECT d.id, d.kind, d.author_id, d.state, d.version, d.round, d.approved_hash, \
     d.state_note, d.created_ms, d.updated_ms, d.rev, v.content, v.targets, v.content_hash \
     FROM drafts d JOIN draft_versions v ON v.draft_id = d.id AND v.version = d.version";

fn draft_from_row(row: &SqliteRow) -> StoreResult<Draft> {
    let content: String = row.try_get(11)?;
    let targets: String = row.try_get(12)?;
    Ok(Draft {
        id: DraftId(uuid_from_blob(row.try_get::<&[u8], _>(0)?)?),
        kind: parse_enum("draft kind", row.try_get(1)?, DraftKind::parse)?,
        author_id: PersonId(uuid_from_blob(row.try_get::<&[u8], _>(2)?)?),
        state: parse_enum("draft state", row.try_get(3)?, DraftState::parse)?,
        version: to_u32(row.try_get(4)?, "version")?,
        round: to_u32(row.try_get(5)?, "round")?,
        approved_hash: row.try_get(6)?,
        state_note: row.try_get(7)?,
        created_at: from_ms(row.try_get(8)?)?,
        updated_at: from_ms(row.try_get(9)?)?,
        rev: to_u32(row.try_get(10)?, "rev")?,
        content: serde_json::from_str::<DraftContent>(&content)
            .map_err(|e| json_err("draft content", e))?,
        targets: serde_json::from_str::<Vec<ResolvedTarget>>(&targets)
            .map_err(|e| json_err("draft targets", e))?,
        content_hash: row.try_get(13)?,
    })
}

fn version_from_row(row: &SqliteRow) -> StoreResult<DraftVersion> {
    let content: String = row.try_get(2)?;
    let targets: String = row.try_get(3)?;
    Ok(DraftVersion {
        draft_id: DraftId(uuid_from_blob(row.try_get::<&[u8], _>(0)?)?),
        version: to_u32(row.try_get(1)?, "version")?,
        content: serde_json::from_str(&content).map_err(|e| json_err("draft content", e))?,
        targets: serde_json::from_str(&targets).map_err(|e| json_err("draft targets", e))?,
        content_hash: row.try_get(4)?,
        saved_by: PersonId(uuid_from_blob(row.try_get::<&[u8], _>(5)?)?),
        saved_at: from_ms(row.try_get(6)?)?,
    })
}

fn decision_from_row(row: &SqliteRow) -> StoreResult<Decision> {
    let person: Option<Vec<u8>> = row.try_get(3)?;
    let counted: String = row.try_get(7)?;
    Ok(Decision {
        id: DecisionId(uuid_from_blob(row.try_get::<&[u8], _>(0)?)?),
        draft_id: DraftId(uuid_from_blob(row.try_get::<&[u8], _>(1)?)?),
        round: to_u32(row.try_get(2)?, "round")?,
        person_id: person
            .as_deref()
            .map(uuid_from_blob)
            .transpose()?
            .map(PersonId),
        kind: parse_enum("decision kind", row.try_get(4)?, DecisionKind::parse)?,
        content_hash: row.try_get(5)?,
        note: row.try_get(6)?,
        counted_for: serde_json::from_str::<Vec<LaneStep>>(&counted)
            .map_err(|e| json_err("counted_for", e))?,
        at: from_ms(row.try_get(8)?)?,
    })
}

async fn insert_version(conn: &mut SqliteConnection, v: &DraftVersion) -> StoreResult<()> {
    let content =
        serde_json::to_string(&v.content).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let targets =
        serde_json::to_string(&v.targets).map_err(|e| StoreError::Invalid(e.to_string()))?;
    sqlx::query(
        "INSERT INTO draft_versions (draft_id, version, content, targets, content_hash, saved_by, saved_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(v.draft_id.0.as_bytes().as_slice())
    .bind(i64::from(v.version))
    .bind(content)
    .bind(targets)
    .bind(&v.content_hash)
    .bind(v.saved_by.0.as_bytes().as_slice())
    .bind(to_ms(v.saved_at))
    .execute(&mut *conn)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            StoreError::Conflict(format!("version {} of the draft already exists", v.version))
        }
        _ => e.into(),
    })?;
    Ok(())
}

async fn insert_decision(conn: &mut SqliteConnection, d: &Decision) -> StoreResult<()> {
    let counted =
        serde_json::to_string(&d.counted_for).map_err(|e| StoreError::Invalid(e.to_string()))?;
    sqlx::query(
        "INSERT INTO draft_decisions (id, draft_id, round, person_id, kind, content_hash, note, counted_for, at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(d.id.0.as_bytes().as_slice())
    .bind(d.draft_id.0.as_bytes().as_slice())
    .bind(i64::from(d.round))
    .bind(d.person_id.map(|p| p.0.as_bytes().to_vec()))
    .bind(d.kind.as_str())
    .bind(&d.content_hash)
    .bind(&d.note)
    .bind(counted)
    .bind(to_ms(d.at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl Store {
    /// Apply one change to a draft atomically (see [`DraftChange`]). Returns the audit entries
    /// written.
    pub async fn commit_draft_change(
        &self,
        change: DraftChange<'_>,
    ) -> StoreResult<Vec<AuditEntry>> {
        let d = change.draft;
        if let Some(v) = change.new_version {
            if v.version != d.version || v.draft_id != d.id || v.content_hash != d.content_hash {
                return Err(StoreError::Invalid(
                    "the new version does not match the draft head".into(),
                ));
            }
        }
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await?;
        match change.expected_rev {
            None => {
                let Some(v) = change.new_version else {
                    return Err(StoreError::Invalid(
                        "a new draft needs its first version".into(),
                    ));
                };
                sqlx::query(
                    "INSERT INTO drafts (id, kind, author_id, state, version, round, approved_hash, state_note,
                         deadline_ms, rev, created_ms, updated_ms)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(d.id.0.as_bytes().as_slice())
                .bind(d.kind.as_str())
                .bind(d.author_id.0.as_bytes().as_slice())
                .bind(d.state.as_str())
                .bind(i64::from(d.version))
                .bind(i64::from(d.round))
                .bind(&d.approved_hash)
                .bind(&d.state_note)
                .bind(d.deadline().map(to_ms))
                .bind(i64::from(d.rev))
                .bind(to_ms(d.created_at))
                .bind(to_ms(d.updated_at))
                .execute(&mut *tx)
                .await
                .map_err(|e| match &e {
                    sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                        StoreError::NotFound(format!("person {}", d.author_id))
                    }
                    _ => e.into(),
                })?;
                insert_version(&mut tx, v).await?;
            }
            Some(expected) => {
                if let Some(v) = change.new_version {
                    insert_version(&mut tx, v).await?;
                }
                let done = sqlx::query(
                    "UPDATE drafts SET state = ?, version = ?, round = ?, approved_hash = ?, state_note = ?,
                         deadline_ms = ?, rev = ?, updated_ms = ?
                     WHERE id = ? AND rev = ?",
                )
                .bind(d.state.as_str())
                .bind(i64::from(d.version))
                .bind(i64::from(d.round))
                .bind(&d.approved_hash)
                .bind(&d.state_note)
                .bind(d.deadline().map(to_ms))
                .bind(i64::from(d.rev))
                .bind(to_ms(d.updated_at))
                .bind(d.id.0.as_bytes().as_slice())
                .bind(i64::from(expected))
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    let exists: Option<i64> =
                        sqlx::query_scalar("SELECT rev FROM drafts WHERE id = ?")
                            .bind(d.id.0.as_bytes().as_slice())
                            .fetch_optional(&mut *tx)
                            .await?;
                    return Err(match exists {
                        None => StoreError::NotFound(format!("draft {}", d.id)),
                        Some(_) => StoreError::Conflict(
                            "the draft was changed meanwhile (in another window or by someone else); \
                             reload it and try again"
                                .into(),
                        ),
                    });
                }
            }
        }
        if change.cancel_pending_outbox {
            let busy: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM outbox WHERE draft_id = ? AND state IN ('sending', 'sent')",
            )
            .bind(d.id.0.as_bytes().as_slice())
            .fetch_one(&mut *tx)
            .await?;
            if busy > 0 {
                return Err(StoreError::Conflict(format!(
                    "this draft has already gone out (or is going out) to {busy} account(s); \
                     it can no longer be changed: start a new draft instead"
                )));
            }
            sqlx::query(
                "UPDATE outbox SET state = 'cancelled', held_by = NULL, hold_reason = NULL, updated_ms = ?
                 WHERE draft_id = ? AND state IN ('queued', 'held')",
            )
            .bind(to_ms(d.updated_at))
            .bind(d.id.0.as_bytes().as_slice())
            .execute(&mut *tx)
            .await?;
        }
        if let Some(dec) = change.decision {
            insert_decision(&mut tx, dec).await?;
        }
        for e in change.enqueue {
            insert_outbox_entry(&mut tx, e).await?;
        }
        let written = append_audit(&mut tx, change.audit).await?;
        tx.commit().await?;
        Ok(written)
    }

    pub async fn get_draft(&self, id: DraftId) -> StoreResult<Option<Draft>> {
        let sql = format!("{DRAFT_SELECT} WHERE d.id = ?");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.0.as_bytes().as_slice())
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(draft_from_row).transpose()
    }

    /// Drafts, most recently changed first.
    pub async fn list_drafts(&self, filter: &DraftFilter) -> StoreResult<Vec<DraftSummary>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{DRAFT_SELECT} ORDER BY d.updated_ms DESC, d.id DESC"
        )))
        .fetch_all(&self.read)
        .await?;
        let mut out = Vec::new();
        for row in &rows {
            let d = draft_from_row(row)?;
            if !filter.states.is_empty() && !filter.states.contains(&d.state) {
                continue;
            }
            if filter.author.is_some_and(|a| a != d.author_id) {
                continue;
            }
            let first_line = d.content.text.lines().next().unwrap_or("");
            let excerpt: String = first_line.chars().take(80).collect();
            out.push(DraftSummary {
                id: d.id,
                kind: d.kind,
                author_id: d.author_id,
                state: d.state,
                version: d.version,
                excerpt,
                target_count: u32::try_from(d.targets.len()).unwrap_or(u32::MAX),
                updated_at: d.updated_at,
            });
            if filter.limit.is_some_and(|l| out.len() >= l as usize) {
                break;
            }
        }
        Ok(out)
    }

    /// Ids of drafts waiting for approval (in review, or sent back for changes) whose first
    /// scheduled instant is at or before `now`.
    pub async fn drafts_past_deadline(&self, now: DateTime<Utc>) -> StoreResult<Vec<DraftId>> {
        let rows: Vec<Vec<u8>> = sqlx::query_scalar(
            "SELECT id FROM drafts WHERE state IN ('in_review', 'changes_requested')
                 AND deadline_ms IS NOT NULL AND deadline_ms <= ? ORDER BY deadline_ms",
        )
        .bind(to_ms(now))
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|b| Ok(DraftId(uuid_from_blob(b)?)))
            .collect()
    }

    /// Every version of a draft, oldest first.
    pub async fn draft_versions(&self, id: DraftId) -> StoreResult<Vec<DraftVersion>> {
        let rows = sqlx::query(
            "SELECT draft_id, version, content, targets, content_hash, saved_by, saved_ms
             FROM draft_versions WHERE draft_id = ? ORDER BY version",
        )
        .bind(id.0.as_bytes().as_slice())
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(version_from_row).collect()
    }

    pub async fn draft_version(
        &self,
        id: DraftId,
        version: u32,
    ) -> StoreResult<Option<DraftVersion>> {
        let row = sqlx::query(
            "SELECT draft_id, version, content, targets, content_hash, saved_by, saved_ms
             FROM draft_versions WHERE draft_id = ? AND version = ?",
        )
        .bind(id.0.as_bytes().as_slice())
        .bind(i64::from(version))
        .fetch_optional(&self.read)
        .await?;
        row.as_ref().map(version_from_row).transpose()
    }

    /// Every decision on a draft, in order.
    pub async fn list_decisions(&self, id: DraftId) -> StoreResult<Vec<Decision>> {
        let rows = sqlx::query(
            "SELECT id, draft_id, round, person_id, kind, content_hash, note, counted_for, at_ms
             FROM draft_decisions WHERE draft_id = ? ORDER BY at_ms, id",
        )
        .bind(id.0.as_bytes().as_slice())
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(decision_from_row).collect()
    }

    // ------------------------------------------------------------- policies

    /// Set (replace) the approval policy of a group, with its audit entry.
    pub async fn set_approval_policy(
        &self,
        policy: &ApprovalPolicy,
        now: DateTime<Utc>,
        audit: &AuditRecord,
    ) -> StoreResult<()> {
        let steps =
            serde_json::to_string(&policy.steps).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query(
            "INSERT INTO approval_policies (group_id, scope, steps, updated_ms) VALUES (?, ?, ?, ?)
             ON CONFLICT (group_id) DO UPDATE SET scope = excluded.scope, steps = excluded.steps,
                 updated_ms = excluded.updated_ms",
        )
        .bind(policy.group_id.0.as_bytes().as_slice())
        .bind(policy.scope.as_str())
        .bind(steps)
        .bind(to_ms(now))
        .execute(&mut *tx)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
                StoreError::NotFound(format!("group {}", policy.group_id))
            }
            _ => e.into(),
        })?;
        append_audit(&mut tx, std::slice::from_ref(audit)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Remove a group's own policy (its nearest ancestor's then applies). Returns whether
    /// there was one.
    pub async fn remove_approval_policy(
        &self,
        group: GroupId,
        audit: &AuditRecord,
    ) -> StoreResult<bool> {
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await?;
        let done = sqlx::query("DELETE FROM approval_policies WHERE group_id = ?")
            .bind(group.0.as_bytes().as_slice())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() > 0 {
            append_audit(&mut tx, std::slice::from_ref(audit)).await?;
        }
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// Every group's own policy.
    pub async fn list_approval_policies(&self) -> StoreResult<Vec<ApprovalPolicy>> {
        let rows = sqlx::query("SELECT group_id, scope, steps FROM approval_policies")
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| {
                let steps: String = r.try_get(2)?;
                Ok(ApprovalPolicy {
                    group_id: GroupId(uuid_from_blob(r.try_get::<&[u8], _>(0)?)?),
                    scope: parse_enum("approval scope", r.try_get(1)?, ApprovalScope::parse)?,
                    steps: serde_json::from_str::<Vec<ApprovalStep>>(&steps)
                        .map_err(|e| json_err("policy steps", e))?,
                })
            })
            .collect()
    }
}
