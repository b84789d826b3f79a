//! The unified inbox as the windows and the CLI use it: pages, counts, threads, and triage done
//! as the signed-in person (audited, and announced to every window).

use chancery_model::inbox::{
    InboxFilter, InboxPage, Thread, TriageChange, TriageOutcome, UnreadCounts,
};
use chancery_model::items::{InboxItem, ItemId, Note};
use chrono::{DateTime, Utc};

use crate::audit::store_error;
use crate::{App, CoreError, CoreEvent};

/// Most rows one inbox page may hold.
pub const MAX_PAGE: u32 = 500;
/// Most items one bulk triage action may touch.
pub const MAX_BULK: usize = 5_000;
/// Longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 4_000;

impl App {
    /// One page of the inbox, newest first. `cursor` comes from the previous page.
    pub async fn inbox_page(
        &self,
        filter: &InboxFilter,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<InboxPage, CoreError> {
        let limit = limit.clamp(1, MAX_PAGE);
        self.store()
            .inbox_page(filter, cursor, limit)
            .await
            .map_err(store_error)
    }

    /// Those of `ids` (items sync just stored) that match `filter`, newest first: a list
    /// already on screen takes in the ones older than its top where they belong.
    pub async fn inbox_items_among(
        &self,
        filter: &InboxFilter,
        ids: &[ItemId],
    ) -> Result<Vec<InboxItem>, CoreError> {
        self.store()
            .inbox_items_among(filter, ids)
            .await
            .map_err(store_error)
    }

    /// Unread and open counts for every account and group.
    pub async fn unread_counts(&self) -> Result<UnreadCounts, CoreError> {
        self.store().unread_counts().await.map_err(store_error)
    }

    pub async fn inbox_item(&self, id: ItemId) -> Result<InboxItem, CoreError> {
        self.store()
            .get_item(id)
            .await
            .map_err(store_error)?
            .ok_or_else(|| CoreError::NotFound("that item is no longer in the cache".into()))
    }

    /// The conversation an item belongs to, as far as it is in the cache.
    pub async fn thread(&self, id: ItemId) -> Result<Thread, CoreError> {
        self.store().thread(id).await.map_err(store_error)
    }

    pub async fn item_notes(&self, id: ItemId) -> Result<Vec<Note>, CoreError> {
        self.store().list_notes(id).await.map_err(store_error)
    }

    /// Apply a triage change (status, assignee, tag) to items, as the signed-in person.
    pub async fn triage(
        &self,
        ids: &[ItemId],
        change: &TriageChange,
        now: DateTime<Utc>,
    ) -> Result<TriageOutcome, CoreError> {
        let person = self.require_signed_in()?;
        if ids.is_empty() {
            return Err(CoreError::Validation("choose at least one item".into()));
        }
        if ids.len() > MAX_BULK {
            return Err(CoreError::Validation(format!(
                "at most {MAX_BULK} items at once ({} chosen)",
                ids.len()
            )));
        }
        match change {
            TriageChange::Tag { tag } | TriageChange::Untag { tag } if tag.trim().is_empty() => {
                return Err(CoreError::Validation("a tag cannot be empty".into()))
            }
            TriageChange::Assign { person_id: Some(p) } => {
                let target = self.store().get_person(*p).await.map_err(store_error)?;
                match target {
                    Some(t) if t.active => {}
                    Some(t) => {
                        return Err(CoreError::Validation(format!(
                            "{} is deactivated",
                            t.display_name
                        )))
                    }
                    None => {
                        return Err(CoreError::NotFound(
                            "that person is not part of this workspace".into(),
                        ))
                    }
                }
            }
            _ => {}
        }
        let actor = self.actor(person).await?;
        let (action, mut details) = match change {
            TriageChange::SetStatus { status } => {
                ("triage.status", serde_json::json!({ "status": status }))
            }
            TriageChange::Assign { person_id } => (
                "triage.assign",
                serde_json::json!({ "assignee": person_id }),
            ),
            TriageChange::Tag { tag } => ("triage.tag", serde_json::json!({ "tag": tag })),
            TriageChange::Untag { tag } => ("triage.untag", serde_json::json!({ "tag": tag })),
        };
        details["items"] = serde_json::json!(ids);
        let subject = if ids.len() == 1 {
            ids[0].to_string()
        } else {
            format!("{} items", ids.len())
        };
        // The change and its audit entry are one transaction: no triage without its record.
        let outcome = self
            .store()
            .triage_audited(ids, change, now, move |outcome| {
                (outcome.changed > 0).then(|| {
                    details["changed"] = serde_json::json!(outcome.changed);
                    actor.record(now, action, "item", subject, None, details)
                })
            })
            .await
            .map_err(store_error)?;
        if outcome.changed > 0 {
            self.emit(CoreEvent::ItemsTriaged {
                item_ids: ids.to_vec(),
                change: change.clone(),
                by: person,
            });
        }
        Ok(outcome)
    }

    /// Add a note to an item, as the signed-in person.
    pub async fn add_note(
        &self,
        id: ItemId,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<Note, CoreError> {
        let person = self.require_signed_in()?;
        let text = text.trim();
        if text.is_empty() {
            return Err(CoreError::Validation("a note cannot be empty".into()));
        }
        if text.chars().count() > MAX_NOTE_CHARS {
            return Err(CoreError::Validation(format!(
                "a note is at most {MAX_NOTE_CHARS} characters"
            )));
        }
        let actor = self.actor(person).await?;
        let note = self
            .store()
            .add_note(id, person, text, now)
            .await
            .map_err(store_error)?;
        let record = actor.record(
            now,
            "item.note",
            "item",
            id,
            None,
            serde_json::json!({ "note": note.id }),
        );
        self.store()
            .append_audit(&[record])
            .await
            .map_err(store_error)?;
        self.emit(CoreEvent::NoteAdded {
            item_id: id,
            by: person,
        });
        Ok(note)
    }
}
