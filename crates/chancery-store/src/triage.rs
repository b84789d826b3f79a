//! Triage: status, assignment, tags and notes, on one item or many at once.

use chancery_model::accounts::PersonId;
use chancery_model::inbox::{TriageChange, TriageOutcome};
use chancery_model::items::{ItemId, Note, NoteId};
use chrono::{DateTime, Utc};
use sqlx::Row;
use unicode_normalization::UnicodeNormalization;

use crate::columns::{from_ms, placeholders, to_ms, uuid_from_blob};
use crate::error::{StoreError, StoreResult};
use crate::Store;

/// Longest tag (characters) and note (characters).
pub const MAX_TAG_CHARS: usize = 64;
pub const MAX_NOTE_CHARS: usize = 10_000;
/// Ids per statement in bulk changes.
const IDS_PER_STATEMENT: usize = 500;

/// Tags are trimmed, NFC-normalised, lower case; no empty or over-long tags.
pub(crate) fn normalise_tag(tag: &str) -> StoreResult<String> {
    let t: String = tag
        .trim()
        .trim_start_matches('#')
        .nfc()
        .collect::<String>()
        .to_lowercase();
    if t.is_empty() {
        return Err(StoreError::Invalid("a tag must not be empty".into()));
    }
    if t.chars().count() > MAX_TAG_CHARS {
        return Err(StoreError::Invalid(format!(
            "a tag is at most {MAX_TAG_CHARS} characters"
        )));
    }
    if t.chars().any(char::is_control) {
        return Err(StoreError::Invalid(
            "a tag must not contain control characters".into(),
        ));
    }
    Ok(t)
}

impl Store {
    /// Apply one triage change to many items, in one transaction. Ids not in the cache are
    /// reported, not an error. `changed` counts items whose state actually changed.
    pub async fn triage(
        &self,
        ids: &[ItemId],
        change: &TriageChange,
        now: DateTime<Utc>,
    ) -> StoreResult<TriageOutcome> {
        self.triage_audited(ids, change, now, |_| None).await
    }

    /// [`Store::triage`], with the audit entry `audit` makes of the outcome (if any) appended
    /// in the same transaction: the change and its record are stored together or not at all.
    pub async fn triage_audited(
        &self,
        ids: &[ItemId],
        change: &TriageChange,
        now: DateTime<Utc>,
        audit: impl FnOnce(&TriageOutcome) -> Option<crate::AuditRecord> + Send,
    ) -> StoreResult<TriageOutcome> {
        let tag = match change {
            TriageChange::Tag { tag } | TriageChange::Untag { tag } => Some(normalise_tag(tag)?),
            _ => None,
        };
        let now_ms = to_ms(now);
        let mut ids: Vec<ItemId> = ids.to_vec();
        ids.sort();
        ids.dedup();
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await?;
        if let TriageChange::Assign { person_id: Some(p) } = change {
            let active: Option<bool> = sqlx::query_scalar("SELECT active FROM people WHERE id = ?")
                .bind(p.0.as_bytes().as_slice())
                .fetch_optional(&mut *tx)
                .await?;
            match active {
                None => return Err(StoreError::NotFound(format!("person {p}"))),
                Some(false) => {
                    return Err(StoreError::Invalid(
                        "this person is deactivated and cannot be assigned items".into(),
                    ))
                }
                Some(true) => {}
            }
        }
        let mut outcome = TriageOutcome {
            changed: 0,
            not_found: Vec::new(),
        };
        for chunk in ids.chunks(IDS_PER_STATEMENT) {
            let list = placeholders(chunk.len());
            let sql = format!("SELECT id FROM items WHERE id IN ({list})");
            let mut q = sqlx::query_scalar::<_, Vec<u8>>(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(id.0.as_bytes().as_slice());
            }
            let found: Vec<Vec<u8>> = q.fetch_all(&mut *tx).await?;
            outcome.not_found.extend(
                chunk
                    .iter()
                    .filter(|id| !found.iter().any(|f| f.as_slice() == id.0.as_bytes()))
                    .copied(),
            );
            let sql = match change {
                TriageChange::SetStatus { .. } => format!(
                    "UPDATE items SET status = ?, status_changed_ms = ?, updated_ms = ?
                     WHERE status <> ? AND id IN ({list})"
                ),
                TriageChange::Assign { .. } => format!(
                    "UPDATE items SET assignee_id = ?, updated_ms = ?
                     WHERE assignee_id IS NOT ? AND id IN ({list})"
                ),
                TriageChange::Tag { .. } => format!(
                    "INSERT INTO item_tags (tag, item_seq, created_ms)
                     SELECT ?, seq, ? FROM items WHERE id IN ({list})
                     ON CONFLICT DO NOTHING"
                ),
                TriageChange::Untag { .. } => format!(
                    "DELETE FROM item_tags WHERE tag = ?
                     AND item_seq IN (SELECT seq FROM items WHERE id IN ({list}))"
                ),
            };
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            q = match change {
                TriageChange::SetStatus { status } => q
                    .bind(status.as_str())
                    .bind(now_ms)
                    .bind(now_ms)
                    .bind(status.as_str()),
                TriageChange::Assign { person_id } => {
                    let p = person_id.map(|p| p.0.as_bytes().to_vec());
                    q.bind(p.clone()).bind(now_ms).bind(p)
                }
                TriageChange::Tag { .. } => q.bind(tag.clone()).bind(now_ms),
                TriageChange::Untag { .. } => q.bind(tag.clone()),
            };
            for id in chunk {
                q = q.bind(id.0.as_bytes().as_slice());
            }
            let done = q.execute(&mut *tx).await?;
            outcome.changed += u32::try_from(done.rows_affected()).unwrap_or(u32::MAX);
        }
        if let Some(record) = audit(&outcome) {
            crate::audit_log::append_audit(&mut tx, &[record]).await?;
        }
        tx.commit().await?;
        Ok(outcome)
    }

    /// Add a note to an item.
    pub async fn add_note(
        &self,
        item: ItemId,
        author: PersonId,
        text: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Note> {
        let text = text.trim();
        if text.is_empty() {
            return Err(StoreError::Invalid("a note must not be empty".into()));
        }
        if text.chars().count() > MAX_NOTE_CHARS {
            return Err(StoreError::Invalid(format!(
                "a note is at most {MAX_NOTE_CHARS} characters"
            )));
        }
        let note = Note {
            id: NoteId::new_v7(now),
            item_id: item,
            author_id: author,
            text: text.to_string(),
            created_at: now,
        };
        sqlx::query("INSERT INTO item_notes (id, item_id, author_id, text, created_ms) VALUES (?, ?, ?, ?, ?)")
            .bind(note.id.0.as_bytes().as_slice())
            .bind(item.0.as_bytes().as_slice())
            .bind(author.0.as_bytes().as_slice())
            .bind(&note.text)
            .bind(to_ms(now))
            .execute(&self.write)
            .await
            .map_err(|e| {
                if crate::registry::is_foreign_key_violation(&e) {
                    StoreError::NotFound("the item or the person".into())
                } else {
                    e.into()
                }
            })?;
        Ok(note)
    }

    /// The notes of an item, oldest first.
    pub async fn list_notes(&self, item: ItemId) -> StoreResult<Vec<Note>> {
        let rows = sqlx::query(
            "SELECT id, author_id, text, created_ms FROM item_notes WHERE item_id = ? ORDER BY created_ms, id",
        )
        .bind(item.0.as_bytes().as_slice())
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Note {
                    id: NoteId(uuid_from_blob(r.try_get::<&[u8], _>(0)?)?),
                    item_id: item,
                    author_id: PersonId(uuid_from_blob(r.try_get::<&[u8], _>(1)?)?),
                    text: r.try_get(2)?,
                    created_at: from_ms(r.try_get(3)?)?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_normalised() {
        assert_eq!(normalise_tag("  #Press ").unwrap(), "press");
        assert_eq!(normalise_tag("ÉLYSÉE").unwrap(), "élysée");
        assert!(normalise_tag("   ").is_err());
        assert!(normalise_tag(&"x".repeat(65)).is_err());
    }
}
